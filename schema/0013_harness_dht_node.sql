-- The harness diffs the DHT nodes a client names ("nodes", "nodes6") as a
-- route of its own (issue 26).
ALTER TABLE harness_flow DROP CONSTRAINT harness_flow_route_check;
ALTER TABLE harness_flow ADD CONSTRAINT harness_flow_route_check
  CHECK (route IN ('pex', 'dht', 'dht_node', 'tracker', 'server', 'sx'));
