-- uTP (issue 26): what carried a crawler's peer session (NULL for sessions
-- recorded before), and the probe kind utp_connect.
ALTER TABLE peer_hello ADD COLUMN carrier text CHECK (carrier IN ('tcp', 'utp'));
ALTER TABLE probe_result DROP CONSTRAINT probe_result_probe_check;
ALTER TABLE probe_result ADD CONSTRAINT probe_result_probe_check
  CHECK (probe IN ('routability', 'reverse_byte_order', 'tcp_connect', 'handshake', 'fake_infohash', 'known_list',
                   'cluster', 'ed2k_hello', 'fake_file', 'utp_connect'));
