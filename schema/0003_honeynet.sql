-- Honeynet address-misconfiguration events (`p2pscope passive --honeynet
-- --db`). The searchable fields are columns; `record` holds the whole
-- passive_honeynet_event record of docs/records.md. (target, start_time) is
-- the natural key, so reading the same capture again stores nothing twice.
-- Their suspect info hashes go to `infohash` with origin honeynet_event.

CREATE TABLE honeynet_event (
  id             bigserial        PRIMARY KEY,
  target         inet             NOT NULL,
  start_time     timestamptz      NOT NULL,
  end_time       timestamptz      NOT NULL,
  classification text             NOT NULL CHECK (classification IN ('misconfiguration', 'anti_p2p', 'forged_sources')),
  protocol       text             NOT NULL,
  packets        bigint           NOT NULL,
  unique_sources integer          NOT NULL,
  u_metric       double precision NOT NULL,
  record         jsonb            NOT NULL,
  stored         timestamptz      NOT NULL DEFAULT now(),
  UNIQUE (target, start_time)
);
CREATE INDEX honeynet_event_start ON honeynet_event (start_time);
