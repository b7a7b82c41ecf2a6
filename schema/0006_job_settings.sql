-- A job keeps its crawl settings typed: one JSON object that cli/ writes
-- and reads (crawler/crawl_settings.hpp: "quick", "max_duration",
-- "trackers", ...), instead of a profile name and a stored command line
-- that the worker parsed again. Jobs stored before keep their words under
-- "legacy_args"; the worker reads those once per run, as before.
ALTER TABLE job ADD COLUMN settings jsonb;
UPDATE job SET settings =
    (CASE WHEN profile = 'quick' THEN '{"quick": true}'::jsonb ELSE '{}'::jsonb END) ||
    (CASE WHEN cardinality(args) > 0 THEN jsonb_build_object('legacy_args', to_jsonb(args)) ELSE '{}'::jsonb END);
ALTER TABLE job ALTER COLUMN settings SET NOT NULL;
ALTER TABLE job ADD CONSTRAINT job_settings_object CHECK (jsonb_typeof(settings) = 'object');
ALTER TABLE job DROP COLUMN profile, DROP COLUMN args;
