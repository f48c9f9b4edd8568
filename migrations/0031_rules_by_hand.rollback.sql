-- Back to before 0031: the withdrawal writes its own history row again (its 0016/0028 definition; if
-- 0029 or 0030 redefine opsdb_withdraw_verification, restore theirs here), and every trigger,
-- function, column and revocation of 0031 goes.

GRANT UPDATE ON operator_action, data_transfer_log TO opsdb_writer;
DROP TRIGGER IF EXISTS opsdb_rules_operator_action_insert ON operator_action;
DROP FUNCTION IF EXISTS opsdb_rules_operator_action_inserted();
ALTER TABLE operator_action DROP COLUMN IF EXISTS db_role, DROP COLUMN IF EXISTS session_role;

DROP TRIGGER IF EXISTS opsdb_rules_staging_job_package_fixed ON staging_job_package;
DROP FUNCTION IF EXISTS opsdb_rules_check_staging_link();

DROP TRIGGER IF EXISTS opsdb_rules_physical_copy_verification ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_rules_record_verification();

CREATE OR REPLACE FUNCTION opsdb_withdraw_verification(copy_id bigint)
RETURNS TABLE (previous timestamptz, locked_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was timestamptz;
BEGIN
    SELECT c.checksum_verified_at INTO was FROM physical_copy c WHERE c.id = copy_id FOR UPDATE;
    IF was IS NULL THEN
        RETURN;
    END IF;
    UPDATE physical_copy c SET checksum_verified_at = NULL WHERE c.id = copy_id;
    INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                               application_name)
    VALUES ('physical_copy', copy_id::text, 'checksum_verified_at', 'verified', 'unverified', opsdb_acting_role(),
            session_user, current_setting('application_name'));
    previous := was;
    locked_at := clock_timestamp();
    RETURN NEXT;
END;
$$;

DROP TRIGGER IF EXISTS opsdb_rules_data_location_place ON data_location;
DROP FUNCTION IF EXISTS opsdb_rules_check_location_place();

DROP TRIGGER IF EXISTS opsdb_rules_raw_data_package_identity ON raw_data_package;
DROP TRIGGER IF EXISTS opsdb_rules_data_transfer_package_identity ON data_transfer_package;
DROP TRIGGER IF EXISTS opsdb_rules_data_transfer_identity ON data_transfer;
DROP TRIGGER IF EXISTS opsdb_rules_long_term_archive_transfer_identity ON long_term_archive_transfer;
DROP TRIGGER IF EXISTS opsdb_rules_staging_job_identity ON staging_job;
DROP FUNCTION IF EXISTS opsdb_rules_check_identity();

GRANT EXECUTE ON FUNCTION opsdb_rebuild_copy_counters() TO PUBLIC, opsdb_reader, opsdb_writer;

DROP TRIGGER IF EXISTS opsdb_rules_raw_data_file_insert ON raw_data_file;
DROP TRIGGER IF EXISTS opsdb_rules_raw_data_file_packaged ON raw_data_file;
DROP FUNCTION IF EXISTS opsdb_rules_file_inserted();
DROP FUNCTION IF EXISTS opsdb_rules_files_packaged();
DROP FUNCTION IF EXISTS opsdb_rules_refuse_unopen_packages(uuid[], bigint[]);
DROP FUNCTION IF EXISTS opsdb_rules_unopen_package(bigint[]);
