-- What carried a crawler's peer session (issue 26): TCP or uTP. Empty for
-- sessions recorded before.
ALTER TABLE peer_hello ADD COLUMN carrier text CHECK (carrier IN ('tcp', 'utp'));
