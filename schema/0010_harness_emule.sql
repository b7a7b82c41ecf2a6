-- eMule runs of the taint harness (issue 25): their peers are fed and
-- given out by the index server ('server': the server's source answers in,
-- the client's own offers out) and by source exchange ('sx').
ALTER TABLE harness_flow DROP CONSTRAINT harness_flow_route_check;
ALTER TABLE harness_flow ADD CONSTRAINT harness_flow_route_check
  CHECK (route IN ('pex', 'dht', 'tracker', 'server', 'sx'));
