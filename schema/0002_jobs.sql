-- Scheduled crawls shared by many workers (`p2pscope schedule`, `p2pscope
-- worker`). A worker leases a due job with FOR UPDATE SKIP LOCKED and holds
-- it by renewing lease_until; a job whose lease ran out (its worker died) is
-- taken over by the next worker, which discards the rows the dead attempt
-- stored for that run before crawling it again. job_run's primary key
-- (job, due) makes each due time run once: finishing an attempt and moving
-- next_due on happen in one transaction.

CREATE TABLE job (
  id          bigserial   PRIMARY KEY,
  name        text        NOT NULL UNIQUE,
  inputs      text[]      NOT NULL CHECK (cardinality(inputs) > 0),  -- what `p2pscope crawl` takes
  every       interval    NOT NULL CHECK (every >= interval '1 second'),
  profile     text        NOT NULL,
  args        text[]      NOT NULL DEFAULT '{}',                    -- further crawl options
  next_due    timestamptz NOT NULL,
  paused      boolean     NOT NULL DEFAULT false,
  lease_owner text,
  lease_until timestamptz,
  created     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_due ON job (next_due) WHERE NOT paused;

CREATE TABLE job_run (
  job          bigint      NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  due          timestamptz NOT NULL,
  run          text        NOT NULL UNIQUE,   -- the crawl run id of its records
  attempt      integer     NOT NULL,
  worker       text        NOT NULL,
  started      timestamptz NOT NULL DEFAULT now(),
  finished     timestamptz,
  status       text        NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  observations bigint,                        -- the crawler's own tally
  message      text,
  PRIMARY KEY (job, due)
);

-- A takeover deletes a dead attempt's rows by run.
CREATE INDEX observation_run ON observation (run);
CREATE INDEX probe_result_run ON probe_result (run);
CREATE INDEX verdict_run ON verdict (run);
CREATE INDEX anomaly_run ON anomaly (run);
CREATE INDEX swarm_counts_run ON swarm_counts (run);
CREATE INDEX peer_hello_run ON peer_hello (run);
