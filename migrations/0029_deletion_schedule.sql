-- Scheduling deletions (issue 13): every file copy the rule allows gets queued, whatever the order
-- of packaging, archiving and scheduling; and a schedule of 1,000 copies costs less.
--
-- A file copy at a source or buffer location is scheduled only through its (package, location)
-- pair in deletion_file_queue. Three races left an allowed copy out of the queue for good (kept,
-- never deleted wrongly, never scheduled either; tests/test_deletion_schedule_queue.py):
--
-- 1. A file packaged into an archived package queued its pair with INSERT ... ON CONFLICT DO
--    NOTHING, which neither waits for a schedule's lock of the queued pair nor keeps it: when the
--    packaging's queueing ran before the schedule deleted the settled pair and committed after the
--    schedule's walk had looked (without the uncommitted file), the schedule settled the pair and
--    the new file's copy stayed unqueued (0028's known gap). Now the packaging queues only the
--    pairs of the files it packaged (was: every pair of each package, again) with ON CONFLICT DO
--    UPDATE, as the guard's requeue does: it waits for a schedule holding the pair and keeps the
--    pair queued after it, and a schedule that comes later skips the pair it holds.
-- 2. A file packaged into a package while that package is archived: the packaging saw the package
--    not archived (queued nothing), the archiving's queueing did not see the uncommitted file.
-- 3. A file copy back to present (or deletion_possible) while its package is archived: the same
--    between the deletion guard's requeue and the archiving.
--    Both now serialise on the package row: the file side (the packaging trigger; a new row
--    trigger on copies back to present, which fires before the guard's requeue) takes FOR SHARE on
--    the packages it sees not archived, then queues in the next statement (a fresh snapshot). An
--    archiving in flight is waited for and seen; an archiving that comes later waits for the file
--    side to commit (FOR SHARE conflicts with its UPDATE) and its queueing then sees the file.
--    Archived is final (archived -> archived only): a package seen archived needs no lock.
--    The copy side also takes FOR SHARE on the copy's file (a packaging of that file in flight is
--    waited for and seen; one that comes later waits, then sees the copy present).
--
-- depends: 0028_deletion_rows_once

-- -- queueing ------------------------------------------------------------------------------------

-- The pairs of archived packages `package_ids` that hold present or deletion_possible file copies at
-- a source or buffer location (the archiving's queueing). ON CONFLICT DO UPDATE: waits for a
-- schedule holding the pair (never the case for a package archived just now, kept for any other
-- caller).
CREATE OR REPLACE FUNCTION opsdb_queue_file_deletions(package_ids bigint[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT p.id, c.data_location_id
    FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE p.id = ANY(package_ids) AND p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
$$;

-- Files put into a package: the packages not archived on this snapshot are locked FOR SHARE (an
-- archiving in flight is waited for; a later one waits for this transaction), then the pairs of the
-- files packaged here are queued on a fresh snapshot, waiting for a schedule that holds one.
CREATE OR REPLACE FUNCTION opsdb_queue_packaged_files() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pkgs bigint[];
BEGIN
    -- EXECUTE: planned for this statement's rows (a hash join of old and new rows for a batch)
    EXECUTE $q$
        SELECT coalesce(array_agg(DISTINCT n.raw_data_package_id ORDER BY n.raw_data_package_id), '{}')
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL
    $q$ INTO pkgs;
    IF cardinality(pkgs) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM raw_data_package p WHERE p.id = ANY(pkgs) AND p.state <> 'archived' ORDER BY p.id FOR SHARE;
    EXECUTE $q$
        INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
        SELECT DISTINCT n.raw_data_package_id, c.data_location_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN raw_data_package p ON p.id = n.raw_data_package_id AND p.state = 'archived'
        JOIN physical_copy c ON c.raw_data_file_id = n.id AND c.type = 'raw_data_file'
        JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id
          AND c.status IN ('present', 'deletion_possible')
        ORDER BY 1, 2
        ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
    $q$;
    RETURN NULL;
END;
$$;

-- A file copy back to present or deletion_possible (the deletion guard queues its pair, in its
-- statement trigger, which fires after this row trigger): its file locked FOR SHARE (a packaging
-- of it in flight is waited for, a later one waits for this transaction), then its package FOR
-- SHARE unless archived on the snapshot after that lock (likewise an archiving). The guard's
-- requeue then reads both on a fresh snapshot.
CREATE OR REPLACE FUNCTION opsdb_lock_requeue_sources() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM raw_data_file f WHERE f.id = NEW.raw_data_file_id FOR SHARE;
    PERFORM 1 FROM raw_data_package p
    WHERE p.id = (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = NEW.raw_data_file_id)
      AND p.state <> 'archived'
    FOR SHARE;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION opsdb_lock_requeue_sources() FROM PUBLIC;

CREATE OR REPLACE TRIGGER physical_copy_requeue_locks AFTER UPDATE OF status ON physical_copy
    FOR EACH ROW
    WHEN (NEW.type = 'raw_data_file' AND NEW.status IN ('present', 'deletion_possible')
          AND OLD.status NOT IN ('present', 'deletion_possible'))
    EXECUTE FUNCTION opsdb_lock_requeue_sources();
