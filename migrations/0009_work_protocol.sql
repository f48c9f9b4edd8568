-- The work protocol's database side (docs/workflows.md): NOTIFY hints when work appears,
-- and the safe-deletion rule as one SQL function shared by scheduling and claiming.
-- depends: 0006_copies_and_transfers

-- NOTIFY 'opsdb_work' with the work kind (TG_ARGV[0]) as payload. PostgreSQL folds
-- identical notifications of one transaction into one, so a bulk insert sends one hint.
CREATE OR REPLACE FUNCTION opsdb_notify_work() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('opsdb_work', TG_ARGV[0]);
    RETURN NULL;
END;
$$;

-- job tables: a new pending job, or one put back to pending and due now (operator reset)
CREATE OR REPLACE TRIGGER raw_data_package_work_insert_notify AFTER INSERT ON raw_data_package
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION opsdb_notify_work('raw_data_package_build');
CREATE OR REPLACE TRIGGER raw_data_package_work_update_notify AFTER UPDATE OF status ON raw_data_package
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending' AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('raw_data_package_build');

CREATE OR REPLACE TRIGGER data_transfer_package_work_insert_notify AFTER INSERT ON data_transfer_package
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION opsdb_notify_work('data_transfer_package_build');
CREATE OR REPLACE TRIGGER data_transfer_package_work_update_notify AFTER UPDATE OF status ON data_transfer_package
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending' AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('data_transfer_package_build');

CREATE OR REPLACE TRIGGER data_transfer_work_insert_notify AFTER INSERT ON data_transfer
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION opsdb_notify_work('data_transfer');
CREATE OR REPLACE TRIGGER data_transfer_work_update_notify AFTER UPDATE OF status ON data_transfer
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending' AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('data_transfer');
-- a finished transfer makes its unpack claimable; so does an operator's unpack reset
CREATE OR REPLACE TRIGGER data_transfer_unpack_notify AFTER UPDATE OF status, unpack_status ON data_transfer
    FOR EACH ROW WHEN (NEW.status = 'completed' AND NEW.unpack_status = 'pending'
                       AND (OLD.status <> 'completed' OR OLD.unpack_status <> 'pending')
                       AND NEW.unpack_next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('data_transfer_unpack');

CREATE OR REPLACE TRIGGER long_term_archive_transfer_work_insert_notify AFTER INSERT ON long_term_archive_transfer
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION opsdb_notify_work('long_term_archive_transfer');
CREATE OR REPLACE TRIGGER long_term_archive_transfer_work_update_notify AFTER UPDATE OF status ON long_term_archive_transfer
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending' AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('long_term_archive_transfer');

CREATE OR REPLACE TRIGGER staging_job_work_insert_notify AFTER INSERT ON staging_job
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION opsdb_notify_work('staging_job');
CREATE OR REPLACE TRIGGER staging_job_work_update_notify AFTER UPDATE OF status ON staging_job
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending' AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('staging_job');

-- copies: only a status change into deletion_scheduled (bulk file-copy inserts pay nothing)
CREATE OR REPLACE TRIGGER physical_copy_deletion_notify AFTER UPDATE OF status ON physical_copy
    FOR EACH ROW WHEN (NEW.status = 'deletion_scheduled' AND OLD.status <> 'deletion_scheduled'
                       AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('physical_copy_deletion');

-- The safe-deletion rule (issue 4). A copy may be deleted only when
--  * it lies at a SOURCE or BUFFER location (long-term-archive and processing copies never qualify),
--  * every package it holds (a package copy: its package; a file copy: the file's package;
--    a bundle copy: every package of the bundle) is ARCHIVED with a present,
--    checksum-verified copy at a LONG_TERM_ARCHIVE location,
--  * it is not the source of an unfinished step (status other than completed: a failed job
--    may still be reset by an operator): a bundle build or an archive transfer from this
--    location for those packages; for a bundle copy, a transfer from this location or an
--    unpack at this location,
--  * no active staging job (pending, scheduled, in_progress) includes any of those packages,
--  * a buffer copy at a site that has an active long-term archive waits until that site's own
--    archive holds a present, verified copy (each archive site gets every package).
CREATE OR REPLACE FUNCTION opsdb_copy_deletable(copy_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT pc.*
        FROM physical_copy pc
        JOIN data_location loc ON loc.id = pc.data_location_id
        WHERE pc.id = copy_id AND loc.location_type IN ('source', 'buffer')
    ),
    packages AS (
        SELECT c.raw_data_package_id AS package_id FROM c WHERE c.type = 'raw_data_package'
        UNION ALL
        SELECT f.raw_data_package_id FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file'
        UNION ALL
        SELECT p.id FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
        WHERE c.type = 'data_transfer_package'
    )
    SELECT EXISTS (SELECT 1 FROM c)
       AND EXISTS (SELECT 1 FROM packages)
       AND NOT EXISTS (SELECT 1 FROM packages WHERE package_id IS NULL)
       -- every package archived with a present, verified long-term-archive copy
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN raw_data_package p ON p.id = pk.package_id
            WHERE p.state <> 'archived'
               OR NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive'))
       -- a buffer at a site with its own active long-term archive keeps its copy until that
       -- archive holds the package (else a second archive site could miss it)
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN data_location here ON here.id = c.data_location_id
            WHERE here.location_type = 'buffer'
              AND EXISTS (SELECT 1 FROM data_location l
                          WHERE l.site_id = here.site_id AND l.location_type = 'long_term_archive' AND l.active)
              AND NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = pk.package_id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id))
       -- not the source of an unfinished bundle build or archive transfer
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN raw_data_package p ON p.id = pk.package_id
            JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
            WHERE d.origin_location_id = c.data_location_id AND d.status <> 'completed')
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN long_term_archive_transfer t ON t.raw_data_package_id = pk.package_id
            WHERE t.origin_location_id = c.data_location_id AND t.status <> 'completed')
       -- a bundle copy: no unfinished transfer from here, no unfinished unpack here
       AND NOT EXISTS (
            SELECT 1 FROM c JOIN data_transfer t ON t.data_transfer_package_id = c.data_transfer_package_id
            WHERE c.type = 'data_transfer_package'
              AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
       -- no active staging job needs any of the packages
       AND NOT EXISTS (
            SELECT 1 FROM packages pk
            JOIN staging_job_package sp ON sp.raw_data_package_id = pk.package_id
            JOIN staging_job j ON j.id = sp.staging_job_id
            WHERE j.status IN ('pending', 'scheduled', 'in_progress'))
$$;

-- Copies the rule allows to delete now, at most max_rows (NULL locations = any): package and
-- bundle copies, and file copies of archived packages (file copies are the bulk: they are
-- reached from archived packages, never by scanning every copy).
CREATE OR REPLACE FUNCTION opsdb_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type <> 'raw_data_file' AND c.status = 'present' AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    UNION ALL
    SELECT c.id FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.type = 'raw_data_file' AND c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id
    WHERE p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
      AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    LIMIT max_rows
$$;

-- The rule as the claiming statement applies it. The decision rests on the archive copies
-- of the packages involved: lock them (FOR SHARE) first, waiting for anyone changing one of
-- them right now (e.g. revoking its verification), then decide on a fresh snapshot that
-- includes that change. Without the lock the claim would decide on the statement's older
-- snapshot and could start deleting a copy whose archive backing was just withdrawn.
CREATE OR REPLACE FUNCTION opsdb_claim_deletable(copy_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      AND a.raw_data_package_id IN (
            SELECT pc.raw_data_package_id FROM physical_copy pc WHERE pc.id = copy_id
            UNION ALL
            SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
            WHERE pc.id = copy_id
            UNION ALL
            SELECT p.id FROM physical_copy pc
            JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
            WHERE pc.id = copy_id)
    FOR SHARE OF a;
    -- a VOLATILE function's next statement runs on a new snapshot
    RETURN opsdb_copy_deletable(copy_id);
END;
$$;

-- archived packages: where file-copy deletion scheduling starts
CREATE INDEX IF NOT EXISTS raw_data_package_archived_idx ON raw_data_package (id) WHERE state = 'archived';
-- bundle builds and archive transfers by origin (the deletion rule looks them up per copy)
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_origin_idx
    ON long_term_archive_transfer (raw_data_package_id, origin_location_id) WHERE status <> 'completed';
