-- The records of docs/records.md, one table per record type, column for
-- column. Hashes are bytea (20 bytes), addresses inet, ports integer, enums
-- text with a CHECK (easier to extend than PostgreSQL enums). Optional JSON
-- fields are NULL when absent.
--
-- Idempotence is by batch id: every row belongs to a delivered batch
-- (writer, seq), whose primary key is inserted in the same transaction as
-- the rows; a batch delivered twice (a replayed spool, a retry after a lost
-- COMMIT reply) conflicts there and is skipped whole. `ord` is the record's
-- place in its batch, so (batch, ord) restores the order records were made in.

CREATE TABLE batch (
  id        bigserial PRIMARY KEY,
  writer    text        NOT NULL,
  seq       bigint      NOT NULL,
  rows      integer     NOT NULL,
  delivered timestamptz NOT NULL DEFAULT now(),
  UNIQUE (writer, seq)
);

CREATE TABLE crawl_run (
  run        text PRIMARY KEY,
  first_seen timestamptz NOT NULL DEFAULT now()
);

-- Infohashes and where they came from.
CREATE TABLE infohash (
  info_hash  bytea PRIMARY KEY CHECK (length(info_hash) = 20),
  origin     text  NOT NULL CHECK (origin IN ('manual', 'honeynet_event', 'sample', 'crawl')),
  detail     text,
  first_seen timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE observation (
  batch          bigint      NOT NULL REFERENCES batch (id),
  ord            integer     NOT NULL,
  time           timestamptz NOT NULL,
  run            text,
  info_hash      bytea       NOT NULL,
  peer_ip        inet        NOT NULL,
  peer_port      integer     NOT NULL CHECK (peer_port BETWEEN 0 AND 65535),
  via            text        NOT NULL CHECK (via IN ('tracker_http', 'tracker_udp', 'dht', 'pex', 'incoming')),
  source_url     text,
  source_ip      inet,
  source_port    integer CHECK (source_port BETWEEN 0 AND 65535),
  source_node_id bytea,
  pex_flags      smallint CHECK (pex_flags BETWEEN 0 AND 255),
  PRIMARY KEY (batch, ord)
);
-- "Who gave out peer P" and "what did source S give out".
CREATE INDEX observation_peer ON observation (peer_ip, peer_port);
CREATE INDEX observation_source_ip ON observation (source_ip, source_port);
CREATE INDEX observation_source_url ON observation (source_url) WHERE source_url IS NOT NULL;
CREATE INDEX observation_info_hash ON observation (info_hash, time);

CREATE TABLE probe_result (
  batch     bigint      NOT NULL REFERENCES batch (id),
  ord       integer     NOT NULL,
  time      timestamptz NOT NULL,
  run       text,
  peer_ip   inet        NOT NULL,
  peer_port integer     NOT NULL,
  info_hash bytea,
  probe     text        NOT NULL CHECK (probe IN ('routability', 'reverse_byte_order', 'tcp_connect', 'handshake',
                                                  'fake_infohash', 'known_list', 'cluster')),
  outcome   text        NOT NULL CHECK (outcome IN ('positive', 'negative', 'timeout', 'error')),
  rtt_ms    double precision,
  evidence  jsonb,
  PRIMARY KEY (batch, ord)
);
CREATE INDEX probe_result_peer ON probe_result (peer_ip, peer_port);

CREATE TABLE verdict (
  batch      bigint      NOT NULL REFERENCES batch (id),
  ord        integer     NOT NULL,
  time       timestamptz NOT NULL,
  run        text,
  peer_ip    inet        NOT NULL,
  peer_port  integer     NOT NULL,
  info_hash  bytea,
  verdict    text        NOT NULL CHECK (verdict IN ('normal', 'bogus_unroutable', 'byte_order', 'anti_p2p',
                                                     'unreachable', 'unknown')),
  confidence double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  evidence   jsonb,
  PRIMARY KEY (batch, ord)
);
CREATE INDEX verdict_peer ON verdict (peer_ip, peer_port);

CREATE TABLE anomaly (
  batch       bigint      NOT NULL REFERENCES batch (id),
  ord         integer     NOT NULL,
  time        timestamptz NOT NULL,
  run         text,
  via         text        NOT NULL,
  source_url  text,
  source_ip   inet,
  source_port integer,
  info_hash   bytea,
  kind        text        NOT NULL,
  detail      text        NOT NULL,
  count       bigint      NOT NULL CHECK (count >= 1),
  PRIMARY KEY (batch, ord)
);

CREATE TABLE swarm_counts (
  batch      bigint      NOT NULL REFERENCES batch (id),
  ord        integer     NOT NULL,
  time       timestamptz NOT NULL,
  run        text,
  info_hash  bytea       NOT NULL,
  via        text        NOT NULL,
  source_url text        NOT NULL,
  scrape     boolean     NOT NULL,
  seeders    bigint,
  leechers   bigint,
  completed  bigint,
  PRIMARY KEY (batch, ord)
);

CREATE TABLE peer_hello (
  batch       bigint      NOT NULL REFERENCES batch (id),
  ord         integer     NOT NULL,
  time        timestamptz NOT NULL,
  run         text,
  info_hash   bytea       NOT NULL,
  peer_ip     inet        NOT NULL,
  peer_port   integer     NOT NULL,
  peer_id     bytea       NOT NULL,
  reserved    bytea       NOT NULL,
  client      text,
  yourip      inet,
  reqq        bigint,
  listen_port integer,
  extensions  jsonb       NOT NULL,
  PRIMARY KEY (batch, ord)
);
CREATE INDEX peer_hello_peer_id ON peer_hello (substring(peer_id FROM 1 FOR 8));
