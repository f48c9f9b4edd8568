-- A file copy INSERTed present (or deletion_possible) at a source or buffer location for a file
-- already in an archived package is queued (session 8, helper h6). Nothing queued it before: an
-- identical file re-sent at a second source (registration_classify_existing), create_copy, or an
-- INSERT by hand left its (package, location) pair out of deletion_file_queue, and the copy was
-- never scheduled (kept for ever; tests/test_deletion_queue_inserts.py).
--
-- At no cost to the registration of new files: the reference check of new copies
-- (physical_copy_check_inserted, 0010) already counts the copies' files in one index scan over
-- their sorted keys; the same scan now also counts the files that need a look: packaged, or not
-- inserted by the transaction (or subtransaction) that inserted these copies (the file row's xmin
-- is not the new copies' xmin). A new file registered with its copy (COPY of both tables in one
-- savepoint, or registration_insert_new's one statement) is neither: the count is 0 and nothing more
-- runs (no second probe, no lock). Only when some file needs a look, the copies at source and buffer
-- locations are queued as 0029 queues a packaging's:
--
--   1. their files still unpackaged and not inserted here are locked FOR SHARE (a packaging of one
--      in flight is waited for and then seen; a later one waits for this transaction, and its
--      queueing then sees the copy) -- a file inserted by this very (sub)transaction is invisible
--      to everyone else, so nobody can package it meanwhile;
--   2. their packages not archived on the next snapshot are locked FOR SHARE (an archiving in flight
--      is waited for and seen; a later one waits, and its queueing sees the copy);
--   3. the pairs of the packages archived on the next snapshot are queued with ON CONFLICT DO UPDATE
--      (waits for a schedule that holds the pair, and keeps it queued after it).
--
-- Lock order as everywhere: file rows -> package rows -> queue rows, each sorted.
--
-- depends: 0032_deletion_claim

CREATE OR REPLACE FUNCTION physical_copy_check_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    missing text[];
    -- files of new copies that need a look (packaged, or not inserted by this (sub)transaction)
    attention bigint;
    files uuid[];
    mine xid;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM FROM (SELECT DISTINCT raw_data_file_id AS id FROM new_rows WHERE raw_data_file_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_file p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_package p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT data_transfer_package_id AS id FROM new_rows WHERE data_transfer_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM data_transfer_package p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT data_location_id AS id FROM new_rows WHERE data_location_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM data_location p WHERE p.id = d.id FOR KEY SHARE) l;
    END IF;
    -- one query (one executor start) for the four references. The files (one per copy in a
    -- registration) are counted in one index scan over their sorted keys, which also counts those
    -- that need a look for the deletion queue (the new copies' xmin: one probe per statement);
    -- only when one is missing are they probed key by key to name it.
    WITH files AS (SELECT array_agg(DISTINCT raw_data_file_id) AS ids FROM new_rows WHERE raw_data_file_id IS NOT NULL),
    counted AS MATERIALIZED (
        SELECT files.ids,
               (SELECT ARRAY[count(*), count(*) FILTER (
                           WHERE p.raw_data_package_id IS NOT NULL
                              OR p.xmin IS DISTINCT FROM (SELECT c.xmin FROM physical_copy c
                                            WHERE c.id = (SELECT n.id FROM new_rows n LIMIT 1)))]
                FROM raw_data_file p WHERE p.id = ANY (files.ids)) AS k
        FROM files
    )
    SELECT ARRAY[
           (SELECT (SELECT d.id FROM unnest(counted.ids) d (id)
                    WHERE (SELECT true FROM raw_data_file p WHERE p.id = d.id) IS NULL LIMIT 1)
            FROM counted
            WHERE counted.k[1] < cardinality(counted.ids)),
           (SELECT d.id FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_transfer_package_id AS id FROM new_rows WHERE data_transfer_package_id IS NOT NULL) d
            WHERE (SELECT true FROM data_transfer_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_location_id AS id FROM new_rows WHERE data_location_id IS NOT NULL) d
            WHERE (SELECT true FROM data_location p WHERE p.id = d.id) IS NULL LIMIT 1)]::text[],
           (SELECT counted.k[2] FROM counted)
      INTO missing, attention;
    IF missing[1] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_file_id_fkey', 'raw_data_file_id', missing[1], 'raw_data_file');
    END IF;
    IF missing[2] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_package_id_fkey', 'raw_data_package_id', missing[2], 'raw_data_package');
    END IF;
    IF missing[3] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_transfer_package_id_fkey', 'data_transfer_package_id', missing[3], 'data_transfer_package');
    END IF;
    IF missing[4] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_location_id_fkey', 'data_location_id', missing[4], 'data_location');
    END IF;
    IF coalesce(attention, 0) = 0 THEN
        RETURN NULL;  -- new files with their copies (a registration): nothing to queue
    END IF;

    -- the deletion queue: the files of the new copies the rule may ever allow (present or
    -- deletion_possible, at a source or buffer location)
    SELECT array_agg(DISTINCT n.raw_data_file_id ORDER BY n.raw_data_file_id) INTO files
    FROM new_rows n JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible');
    IF files IS NULL THEN
        RETURN NULL;
    END IF;
    mine := (SELECT c.xmin FROM physical_copy c WHERE c.id = (SELECT n.id FROM new_rows n LIMIT 1));
    -- 1. unpackaged files not inserted here: a packaging in flight is waited for, a later one waits
    PERFORM 1 FROM raw_data_file f
    WHERE f.id = ANY (files) AND f.raw_data_package_id IS NULL AND f.xmin IS DISTINCT FROM mine
    ORDER BY f.id FOR SHARE;
    -- 2. (a fresh snapshot) their packages not archived: likewise an archiving
    PERFORM 1 FROM raw_data_package p
    WHERE p.id IN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = ANY (files))
      AND p.state <> 'archived'
    ORDER BY p.id FOR SHARE;
    -- 3. (a fresh snapshot) the pairs of the archived ones, waiting for a schedule that holds one
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT f.raw_data_package_id, n.data_location_id
    FROM new_rows n
    JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
    JOIN raw_data_file f ON f.id = n.raw_data_file_id
    JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
    WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at;
    RETURN NULL;
END;
$$;
