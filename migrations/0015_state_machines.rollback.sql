-- Back to 0014: no transition guards, no history; copies lost or corrupt must be resolved first
-- (the old status CHECK refuses them).
DROP TRIGGER IF EXISTS physical_copy_state_inserted ON physical_copy;
DROP TRIGGER IF EXISTS physical_copy_state_updated ON physical_copy;
DROP TRIGGER IF EXISTS raw_data_package_state_inserted ON raw_data_package;
DROP TRIGGER IF EXISTS raw_data_package_state_updated ON raw_data_package;
DROP TRIGGER IF EXISTS data_transfer_package_state_inserted ON data_transfer_package;
DROP TRIGGER IF EXISTS data_transfer_package_state_updated ON data_transfer_package;
DROP TRIGGER IF EXISTS data_transfer_state_inserted ON data_transfer;
DROP TRIGGER IF EXISTS data_transfer_state_updated ON data_transfer;
DROP TRIGGER IF EXISTS long_term_archive_transfer_state_inserted ON long_term_archive_transfer;
DROP TRIGGER IF EXISTS long_term_archive_transfer_state_updated ON long_term_archive_transfer;
DROP TRIGGER IF EXISTS staging_job_state_inserted ON staging_job;
DROP TRIGGER IF EXISTS staging_job_state_updated ON staging_job;
DROP TRIGGER IF EXISTS executed_obs_unit_state_inserted ON executed_obs_unit;
DROP TRIGGER IF EXISTS executed_obs_unit_state_updated ON executed_obs_unit;
DROP FUNCTION IF EXISTS physical_copy_state_inserted();
DROP FUNCTION IF EXISTS physical_copy_state_updated();
DROP FUNCTION IF EXISTS raw_data_package_state_inserted();
DROP FUNCTION IF EXISTS raw_data_package_state_updated();
DROP FUNCTION IF EXISTS data_transfer_package_state_inserted();
DROP FUNCTION IF EXISTS data_transfer_package_state_updated();
DROP FUNCTION IF EXISTS data_transfer_state_inserted();
DROP FUNCTION IF EXISTS data_transfer_state_updated();
DROP FUNCTION IF EXISTS long_term_archive_transfer_state_inserted();
DROP FUNCTION IF EXISTS long_term_archive_transfer_state_updated();
DROP FUNCTION IF EXISTS staging_job_state_inserted();
DROP FUNCTION IF EXISTS staging_job_state_updated();
DROP FUNCTION IF EXISTS executed_obs_unit_state_inserted();
DROP FUNCTION IF EXISTS executed_obs_unit_state_updated();
DROP TABLE IF EXISTS state_history;
DROP FUNCTION IF EXISTS state_history_append_only();
DROP FUNCTION IF EXISTS opsdb_refuse_transition(text, text, text, text, text, bigint);
DROP FUNCTION IF EXISTS opsdb_repairing(oid);
DROP FUNCTION IF EXISTS opsdb_acting_role();
DROP TABLE IF EXISTS state_column;
DROP TABLE IF EXISTS state_transition;
ALTER TABLE physical_copy DROP CONSTRAINT IF EXISTS physical_copy_status_valid;
ALTER TABLE physical_copy ADD CONSTRAINT physical_copy_status_valid
    CHECK (status IN ('present', 'staged', 'deletion_scheduled', 'deletion_in_progress',
                      'deletion_possible', 'deleted', 'deletion_failed'));
