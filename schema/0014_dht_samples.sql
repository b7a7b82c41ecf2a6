-- BEP 51 samples (issue 26): the info hashes DHT nodes offered in their
-- sample_infohashes replies to a crawl's walk toward a target (the
-- dht_sample record), with the node that offered each.
CREATE TABLE dht_sample (
  batch          bigint      NOT NULL REFERENCES batch (id),
  ord            integer     NOT NULL,
  time           timestamptz NOT NULL,
  run            text,
  target         bytea       NOT NULL CHECK (length(target) = 20),
  info_hash      bytea       NOT NULL CHECK (length(info_hash) = 20),
  source_ip      inet        NOT NULL,
  source_port    integer     NOT NULL CHECK (source_port BETWEEN 0 AND 65535),
  source_node_id bytea       NOT NULL CHECK (length(source_node_id) = 20),
  num            bigint CHECK (num >= 0),
  sample_interval bigint CHECK (sample_interval >= 0),
  PRIMARY KEY (batch, ord)
);
-- "Who offers this swarm" and "what did node S offer".
CREATE INDEX dht_sample_info_hash ON dht_sample (info_hash);
CREATE INDEX dht_sample_source ON dht_sample (source_ip, source_port);
