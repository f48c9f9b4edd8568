-- Indexes for the regular reads that must not grow with history (issue #13, docs/scale.md):
-- every page or single-item read below is served by an index range whose length is the size
-- of its answer, not of the table. Each index on a bulk table (raw_data_file, physical_copy)
-- is measured against registration in docs/performance.md ("Indexes of the regular reads").
-- The list queries (sql/*.sql) are specialised per filter present (opsdb.queries.query_for),
-- so that generic plans see plain equalities the indexes serve.
-- depends: 0017_actor_roles

-- files of an execution, a page at a time in id order (the UI's "files of executed obs unit X")
CREATE INDEX IF NOT EXISTS raw_data_file_eou_id_idx ON raw_data_file (executed_obs_unit_id, id);

-- files of a package in id order (replaces raw_data_file_package_idx: same leading column, so
-- the integrity trigger's "raw_data_package_id = $1" lookups still use it)
CREATE INDEX IF NOT EXISTS raw_data_file_package_id_idx ON raw_data_file (raw_data_package_id, id)
    WHERE raw_data_package_id IS NOT NULL;
DROP INDEX IF EXISTS raw_data_file_package_idx;

-- copies that are not deleted, per location and status, in id order: the bulk of the history
-- (deleted file copies) stays out of it
CREATE INDEX IF NOT EXISTS physical_copy_live_idx ON physical_copy (data_location_id, status, id)
    WHERE status <> 'deleted';

-- present bundle copies: where the transfer planner starts (pipeline_transfer_legs), instead of
-- every bundle ever built
CREATE INDEX IF NOT EXISTS physical_copy_present_bundle_idx ON physical_copy (data_transfer_package_id)
    WHERE type = 'data_transfer_package' AND status = 'present';

-- work items per status (and packages per state) in id order: operators' pages of failed or
-- waiting work, whatever the history of completed work (small tables: not partial, so that a
-- generic plan of "status = $1" can use them)
CREATE INDEX IF NOT EXISTS raw_data_package_status_id_idx ON raw_data_package (status, id);
CREATE INDEX IF NOT EXISTS raw_data_package_state_id_idx ON raw_data_package (state, id);
DROP INDEX IF EXISTS raw_data_package_state_idx;
CREATE INDEX IF NOT EXISTS data_transfer_package_status_id_idx ON data_transfer_package (status, id);
CREATE INDEX IF NOT EXISTS data_transfer_status_id_idx ON data_transfer (status, id);
CREATE INDEX IF NOT EXISTS data_transfer_unpack_status_id_idx ON data_transfer (unpack_status, id);
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_status_id_idx ON long_term_archive_transfer (status, id);
CREATE INDEX IF NOT EXISTS staging_job_status_id_idx ON staging_job (status, id);
CREATE INDEX IF NOT EXISTS executed_obs_unit_status_id_idx ON executed_obs_unit (status, id);

-- pages of an obs unit's executions and of a user's staging jobs in id order (replace the
-- single-column indexes: same leading column)
CREATE INDEX IF NOT EXISTS executed_obs_unit_obs_unit_id_idx ON executed_obs_unit (obs_unit_id, id);
DROP INDEX IF EXISTS executed_obs_unit_obs_unit_idx;
CREATE INDEX IF NOT EXISTS staging_job_user_id_idx ON staging_job (user_account_id, id);
DROP INDEX IF EXISTS staging_job_user_idx;

-- Autovacuum and analyze of the bulk tables by change count, not by a fraction of their size
-- (docs/scale.md, "Vacuum and analyze"): the default 20 % / 10 % wait for hundreds of millions of
-- changes at 1e9 files, while the planner's view of the small in-flight states (present copies,
-- unpackaged files) must stay fresh; ANALYZE samples a fixed 30,000 rows whatever the size.
ALTER TABLE raw_data_file SET (
    autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.005, autovacuum_analyze_threshold = 10000);
ALTER TABLE physical_copy SET (
    autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.005, autovacuum_analyze_threshold = 10000);
