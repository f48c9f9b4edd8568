-- Back to claims by due time only, no caps, no external job references.
DROP FUNCTION IF EXISTS opsdb_work_cap_room(text, bigint[], bigint[], boolean);
DROP TABLE IF EXISTS work_cap;
DROP INDEX IF EXISTS raw_data_package_running_idx;
DROP INDEX IF EXISTS data_transfer_package_running_idx;
DROP INDEX IF EXISTS data_transfer_running_idx;
DROP INDEX IF EXISTS data_transfer_running_route_idx;
DROP INDEX IF EXISTS data_transfer_unpacking_idx;
DROP INDEX IF EXISTS data_transfer_unpacking_route_idx;
DROP INDEX IF EXISTS long_term_archive_transfer_running_idx;
DROP INDEX IF EXISTS staging_job_running_idx;

DROP TRIGGER IF EXISTS raw_data_package_work_priority ON raw_data_package;
DROP TRIGGER IF EXISTS data_transfer_package_work_priority ON data_transfer_package;
DROP TRIGGER IF EXISTS data_transfer_work_priority ON data_transfer;
DROP TRIGGER IF EXISTS long_term_archive_transfer_work_priority ON long_term_archive_transfer;
DROP TRIGGER IF EXISTS staging_job_work_priority ON staging_job;
DROP TRIGGER IF EXISTS physical_copy_deletion_priority ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_work_priority_default();
DROP FUNCTION IF EXISTS opsdb_deletion_priority_default();

DROP INDEX IF EXISTS raw_data_package_work_idx;
CREATE INDEX raw_data_package_work_idx ON raw_data_package (next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_package_work_idx;
CREATE INDEX data_transfer_package_work_idx ON data_transfer_package (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_work_idx;
CREATE INDEX data_transfer_work_idx ON data_transfer (next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_unpack_work_idx;
CREATE INDEX data_transfer_unpack_work_idx ON data_transfer (unpack_next_attempt_at)
    WHERE status = 'completed' AND unpack_status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS long_term_archive_transfer_work_idx;
CREATE INDEX long_term_archive_transfer_work_idx ON long_term_archive_transfer (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS staging_job_work_idx;
CREATE INDEX staging_job_work_idx ON staging_job (next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS physical_copy_deletion_work_idx;
CREATE INDEX physical_copy_deletion_work_idx ON physical_copy (next_attempt_at)
    WHERE status IN ('deletion_scheduled', 'deletion_in_progress');

ALTER TABLE raw_data_package DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS external_job;
ALTER TABLE data_transfer_package DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS external_job;
ALTER TABLE data_transfer DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS unpack_priority,
    DROP COLUMN IF EXISTS external_job, DROP COLUMN IF EXISTS unpack_external_job;
ALTER TABLE long_term_archive_transfer DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS external_job;
ALTER TABLE staging_job DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS external_job;
ALTER TABLE physical_copy DROP COLUMN IF EXISTS priority, DROP COLUMN IF EXISTS external_job;
DROP FUNCTION IF EXISTS opsdb_work_order(timestamptz, integer);
