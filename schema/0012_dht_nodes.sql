-- DHT nodes (issue 26): which node named which DHT node in a crawl (the
-- dht_node record), the two probes of a node, and the verdicts on nodes.
CREATE TABLE dht_node (
  batch          bigint      NOT NULL REFERENCES batch (id),
  ord            integer     NOT NULL,
  time           timestamptz NOT NULL,
  run            text,
  info_hash      bytea       NOT NULL,
  node_ip        inet        NOT NULL,
  node_port      integer     NOT NULL CHECK (node_port BETWEEN 0 AND 65535),
  node_id        bytea       NOT NULL CHECK (length(node_id) = 20),
  source_ip      inet,
  source_port    integer CHECK (source_port BETWEEN 0 AND 65535),
  source_node_id bytea CHECK (length(source_node_id) = 20),
  PRIMARY KEY (batch, ord),
  CHECK ((source_ip IS NULL) = (source_node_id IS NULL))
);
-- "Which nodes share this address" (Sybil clusters) and "what did node S name".
CREATE INDEX dht_node_node ON dht_node (node_ip, node_port);
CREATE INDEX dht_node_source ON dht_node (source_ip, source_port);

ALTER TABLE probe_result DROP CONSTRAINT probe_result_probe_check;
ALTER TABLE probe_result ADD CONSTRAINT probe_result_probe_check
  CHECK (probe IN ('routability', 'reverse_byte_order', 'tcp_connect', 'handshake', 'fake_infohash', 'known_list',
                   'cluster', 'ed2k_hello', 'fake_file', 'utp_connect', 'dht_fake_infohash', 'dht_neighbours'));
ALTER TABLE verdict DROP CONSTRAINT verdict_verdict_check;
ALTER TABLE verdict ADD CONSTRAINT verdict_verdict_check
  CHECK (verdict IN ('normal', 'bogus_unroutable', 'byte_order', 'anti_p2p', 'unreachable', 'unknown',
                     'dht_fake_values', 'dht_phantom_neighbours', 'dht_sybil'));
