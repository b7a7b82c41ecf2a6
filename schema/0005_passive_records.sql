-- Every record `p2pscope passive --db` writes (docs/records.md: passive_*
-- and suspect_infohash), kept whole as `record`: their fields vary by type.
-- Delivered through the same batches as the crawl's records, so the batch
-- id makes re-delivery harmless; a capture read again with the same
-- options gets the same batch ids (the writer id is a digest of the capture
-- and the options), so it adds nothing either. `time` is the record's
-- capture time ("t", or "start" for honeynet events) when it has one.
CREATE TABLE passive_record (
  batch  bigint      NOT NULL REFERENCES batch (id),
  ord    integer     NOT NULL,
  time   timestamptz,
  run    text,
  type   text        NOT NULL CHECK (type LIKE 'passive\_%' OR type = 'suspect_infohash'),
  record jsonb       NOT NULL,
  PRIMARY KEY (batch, ord)
);
CREATE INDEX passive_record_type_time ON passive_record (type, time);
-- "Which messages name info hash H" (handshakes, KRPC, tracker traffic).
CREATE INDEX passive_record_info_hash ON passive_record ((record ->> 'info_hash')) WHERE record ? 'info_hash';
