-- eMule probes and verdicts (issue 25): a probe result or verdict is about a
-- peer handed out for an eMule file, and two probes are new: the hello that
-- shows a peer runs eMule, and the fake-file-hash request.
ALTER TABLE probe_result ADD COLUMN file_hash bytea CHECK (length(file_hash) = 16);
ALTER TABLE verdict ADD COLUMN file_hash bytea CHECK (length(file_hash) = 16);

ALTER TABLE probe_result DROP CONSTRAINT probe_result_probe_check;
ALTER TABLE probe_result ADD CONSTRAINT probe_result_probe_check
  CHECK (probe IN ('routability', 'reverse_byte_order', 'tcp_connect', 'handshake', 'fake_infohash', 'known_list',
                   'cluster', 'ed2k_hello', 'fake_file'));
CREATE INDEX probe_result_file ON probe_result (file_hash) WHERE file_hash IS NOT NULL;
CREATE INDEX verdict_file ON verdict (file_hash) WHERE file_hash IS NOT NULL;
