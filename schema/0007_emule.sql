-- eMule (issue 24): the sources an index server, a KAD node or a peer doing
-- source exchange handed out (docs/records.md, emule_observation), column
-- for column. raw_id is the client ID's four wire bytes; peer_ip is the
-- address they name in id_form (NULL for a LowID, which only the source
-- server can reach), kept as a column for joins with probes and verdicts.
-- Anomalies gain the eMule file they were about.
CREATE TABLE emule_observation (
  batch          bigint      NOT NULL REFERENCES batch (id),
  ord            integer     NOT NULL,
  time           timestamptz NOT NULL,
  run            text,
  file_hash      bytea       NOT NULL CHECK (length(file_hash) = 16),
  via            text        NOT NULL CHECK (via IN ('ed2k_server', 'ed2k_server_udp', 'kad', 'sx')),
  source_ip      inet        NOT NULL,
  source_port    integer     NOT NULL CHECK (source_port BETWEEN 0 AND 65535),
  source_node_id bytea CHECK (length(source_node_id) = 16),
  raw_id         bytea       NOT NULL CHECK (length(raw_id) = 4),
  id_form        text        NOT NULL CHECK (id_form IN ('ed2k', 'hybrid')),
  peer_ip        inet,
  peer_port      integer     NOT NULL CHECK (peer_port BETWEEN 0 AND 65535),
  sx_version     smallint CHECK (sx_version BETWEEN 1 AND 4),
  user_hash      bytea CHECK (length(user_hash) = 16),
  source_type    smallint CHECK (source_type BETWEEN 0 AND 255),
  crypt          smallint CHECK (crypt BETWEEN 0 AND 255),
  server_ip      inet,
  server_port    integer CHECK (server_port BETWEEN 0 AND 65535),
  PRIMARY KEY (batch, ord)
);
CREATE INDEX emule_observation_peer ON emule_observation (peer_ip, peer_port);
CREATE INDEX emule_observation_source ON emule_observation (source_ip, source_port);
CREATE INDEX emule_observation_file ON emule_observation (file_hash, time);
CREATE INDEX emule_observation_run ON emule_observation (run);

ALTER TABLE anomaly ADD COLUMN file_hash bytea CHECK (length(file_hash) = 16);
