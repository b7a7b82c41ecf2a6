-- eDonkey, eMule and KAD in `p2pscope passive` (issue 25): honeynet events
-- name the eMule files their sources asked for, each as a
-- suspect_ed2k_file record, kept in passive_record with the others.
ALTER TABLE passive_record DROP CONSTRAINT passive_record_type_check;
ALTER TABLE passive_record ADD CONSTRAINT passive_record_type_check
  CHECK (type LIKE 'passive\_%' OR type IN ('suspect_infohash', 'suspect_ed2k_file'));
-- "Which messages name eMule file F" (file requests, source lists, suspects).
CREATE INDEX passive_record_file ON passive_record ((record ->> 'file')) WHERE record ? 'file';
