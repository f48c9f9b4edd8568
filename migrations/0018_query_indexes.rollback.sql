-- Back to the indexes and storage settings of 0004 and 0006.
ALTER TABLE physical_copy RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor,
                                 autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);
ALTER TABLE raw_data_file RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor,
                                 autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);
CREATE INDEX IF NOT EXISTS staging_job_user_idx ON staging_job (user_account_id);
DROP INDEX IF EXISTS staging_job_user_id_idx;
CREATE INDEX IF NOT EXISTS executed_obs_unit_obs_unit_idx ON executed_obs_unit (obs_unit_id);
DROP INDEX IF EXISTS executed_obs_unit_obs_unit_id_idx;
DROP INDEX IF EXISTS executed_obs_unit_status_id_idx;
DROP INDEX IF EXISTS staging_job_status_id_idx;
DROP INDEX IF EXISTS long_term_archive_transfer_status_id_idx;
DROP INDEX IF EXISTS data_transfer_unpack_status_id_idx;
DROP INDEX IF EXISTS data_transfer_status_id_idx;
DROP INDEX IF EXISTS data_transfer_package_status_id_idx;
CREATE INDEX IF NOT EXISTS raw_data_package_state_idx ON raw_data_package (state) WHERE state <> 'archived';
DROP INDEX IF EXISTS raw_data_package_state_id_idx;
DROP INDEX IF EXISTS raw_data_package_status_id_idx;
DROP INDEX IF EXISTS physical_copy_present_bundle_idx;
DROP INDEX IF EXISTS physical_copy_live_idx;
CREATE INDEX IF NOT EXISTS raw_data_file_package_idx ON raw_data_file (raw_data_package_id)
    WHERE raw_data_package_id IS NOT NULL;
DROP INDEX IF EXISTS raw_data_file_package_id_idx;
DROP INDEX IF EXISTS raw_data_file_eou_id_idx;
