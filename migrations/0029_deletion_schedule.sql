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
-- 3. A file copy back to present (or deletion_possible) while its package is archived, or while its
--    file is packaged into an archived package: the same, between the deletion guard's requeue and
--    the archiving or the packaging.
--    Both now serialise on the package row: the file side (the packaging trigger; a new row
--    trigger on copies back to present, which fires before the guard's requeue) takes FOR SHARE on
--    the packages it sees not archived, then queues in the next statement (a fresh snapshot). An
--    archiving in flight is waited for and seen; an archiving that comes later waits for the file
--    side to commit (FOR SHARE conflicts with its UPDATE) and its queueing then sees the file.
--    Archived is final (archived -> archived only): a package seen archived needs no lock.
--    The copy side also takes FOR SHARE on the copy's file while unpackaged (a packaging of that file
--    in flight is waited for and seen; one that comes later waits, then sees the copy present).
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
-- statement trigger, which fires after this row trigger): its file locked FOR SHARE unless packaged
-- on this snapshot (a packaging of it in flight is waited for, a later one waits for this
-- transaction), then its package FOR SHARE unless archived on the snapshot after that lock (likewise
-- an archiving). The guard's requeue then reads both on a fresh snapshot.
CREATE OR REPLACE FUNCTION opsdb_lock_requeue_sources() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- a file seen packaged keeps its package (only a repair changes it): no packaging can be in flight
    PERFORM 1 FROM raw_data_file f WHERE f.id = NEW.raw_data_file_id AND f.raw_data_package_id IS NULL FOR SHARE;
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

-- -- the schedule's sizes, one row per batch -------------------------------------------------------

-- A schedule hands its walk's sizes to the copy counters as one row (the copies' ids and their files'
-- sizes, two arrays; copy_id 0, no copy's) instead of a row per copy (1,000 inserts, 1,000 index
-- probes in the counters, 1,000 deletes per batch). Same table, same privileges: only the owner
-- writes it, empty at every commit. The claim's per-copy rows are read as before.
ALTER TABLE copy_size_hint ADD COLUMN IF NOT EXISTS copy_ids bigint[];
ALTER TABLE copy_size_hint ADD COLUMN IF NOT EXISTS sizes bigint[];
-- stored out of line uncompressed (compressing 16 kB of ids and sizes cost more than writing them)
ALTER TABLE copy_size_hint ALTER COLUMN copy_ids SET STORAGE EXTERNAL;
ALTER TABLE copy_size_hint ALTER COLUMN sizes SET STORAGE EXTERNAL;

-- The copy counters (0024, 0028): rows whose status or location moved, grouped first by their old
-- and new (location, type, status) (a schedule of 1,000 is one group), each group's bytes summed once;
-- a file copy's size from the batch hints, else from a per-copy hint (both joined by hash), else by
-- a probe of its file, as before.
CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    EXECUTE $q$
        WITH batch AS (
            SELECT u.id, max(u.size_bytes) AS size_bytes
            FROM copy_size_hint h CROSS JOIN LATERAL unnest(h.copy_ids, h.sizes) AS u(id, size_bytes)
            WHERE h.copy_id = 0 AND h.copy_ids IS NOT NULL  -- by its index (the claim's rows are many)
            GROUP BY u.id
        ),
        -- the per-copy hints (the claim's) of this statement's file copies, in one scan of their
        -- index over the sorted ids (was a probe per row)
        single AS (
            SELECT h.copy_id AS id, max(h.size_bytes) AS size_bytes
            FROM copy_size_hint h
            WHERE h.copy_id = ANY(ARRAY(SELECT n.id FROM new_copies n WHERE n.type = 'raw_data_file' ORDER BY n.id))
              AND h.copy_ids IS NULL
            GROUP BY h.copy_id
        ),
        m AS (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   (o.type = n.type AND o.raw_data_file_id IS NOT DISTINCT FROM n.raw_data_file_id
                    AND o.raw_data_package_id IS NOT DISTINCT FROM n.raw_data_package_id
                    AND o.data_transfer_package_id IS NOT DISTINCT FROM n.data_transfer_package_id) AS same,
                   coalesce(b.size_bytes, s.size_bytes, CASE n.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
                       ELSE (SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = n.data_transfer_package_id)
                   END, 0) AS nsize
            FROM old_copies o JOIN new_copies n ON n.id = o.id
            LEFT JOIN batch b ON b.id = n.id
            LEFT JOIN single s ON s.id = n.id
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
            OFFSET 0  -- each size probed once
        ),
        g AS (
            SELECT m.data_location_id, m.type, m.status, m.nloc, m.ntype, m.nstatus, count(*) AS k,
                   sum(m.nsize) AS nbytes,
                   sum(CASE WHEN m.same THEN m.nsize
                       ELSE coalesce(CASE m.type
                           WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = m.raw_data_file_id)
                           WHEN 'raw_data_package' THEN
                               (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = m.raw_data_package_id)
                           ELSE (SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = m.data_transfer_package_id)
                       END, 0) END) AS obytes
            FROM m
            GROUP BY 1, 2, 3, 4, 5, 6
        )
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.b)
        FROM g CROSS JOIN LATERAL (VALUES
            (g.data_location_id, g.type, g.status, -g.k, -g.obytes),
            (g.nloc, g.ntype, g.nstatus, g.k, g.nbytes)) AS v (loc, t, s, c, b)
        GROUP BY 1, 2, 3
        HAVING sum(v.c) <> 0 OR sum(v.b) <> 0
    $q$;
    INSERT INTO package_copy_delta (raw_data_package_id, verified)
    SELECT pkg, sum(v) FROM (
        SELECT o.raw_data_package_id AS pkg,
               -(o.status IN ('present', 'staged') AND o.checksum_verified_at IS NOT NULL)::int AS v
        FROM old_copies o WHERE o.type = 'raw_data_package'
        UNION ALL
        SELECT n.raw_data_package_id, (n.status IN ('present', 'staged') AND n.checksum_verified_at IS NOT NULL)::int
        FROM new_copies n WHERE n.type = 'raw_data_package'
    ) moved GROUP BY 1 HAVING sum(v) <> 0;
    RETURN NULL;
END
$$;

-- -- the schedule ---------------------------------------------------------------------------------

-- As 0028 (the same copies scheduled, the same pairs settled, the same rows in the same order); the
-- walk's sizes go to the counters as one row.
CREATE OR REPLACE FUNCTION opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    wanted integer := max_rows;
    candidate bigint[];
    sizes bigint[];
    found bigint[];
    found_sizes bigint[];
    found_pairs integer[];
    pkgs bigint[];
    locs bigint[];
    ok_pkgs bigint[];
    ok_locs bigint[];
    no_pkgs bigint[];
    no_locs bigint[];
    -- pairs walked to their end, the copies found there (and their pair's place), blocked pairs
    walked_pkgs bigint[] := '{}';
    walked_locs bigint[] := '{}';
    walked_copies bigint[] := '{}';
    walked_of integer[] := '{}';
    blocked_pkgs bigint[] := '{}';
    blocked_locs bigint[] := '{}';
    cutoff integer;
    last_package bigint := -1;
    last_location bigint := -1;
    chunk integer := 16;  -- doubles per round, up to 1024: few pairs judged for a small answer
    scheduled bigint[];
    hint tid;
BEGIN
    IF wanted IS NULL OR wanted <= 0 THEN
        RETURN;
    END IF;
    candidate := ARRAY(SELECT d FROM opsdb_deletion_scan_items(locations, wanted) AS d);
    sizes := array_fill(NULL::bigint, ARRAY[cardinality(candidate)]);
    wanted := wanted - cardinality(candidate);
    WHILE wanted > 0 LOOP
        -- the next chunk of the queue, locked (pairs another scheduler holds are skipped)
        SELECT array_agg(x.p ORDER BY x.p, x.l), array_agg(x.l ORDER BY x.p, x.l) INTO pkgs, locs
        FROM (SELECT q.raw_data_package_id AS p, q.data_location_id AS l
              FROM deletion_file_queue q
              WHERE (q.raw_data_package_id, q.data_location_id) > (last_package, last_location)
                AND (locations IS NULL OR q.data_location_id = ANY(locations))
              ORDER BY q.raw_data_package_id, q.data_location_id
              LIMIT chunk
              FOR UPDATE OF q SKIP LOCKED) x;
        EXIT WHEN pkgs IS NULL;
        last_package := pkgs[array_upper(pkgs, 1)];
        last_location := locs[array_upper(locs, 1)];
        chunk := least(chunk * 2, 1024);
        -- judged on this statement's snapshot, taken after the locks
        SELECT array_agg(u.package_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               array_agg(u.location_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               coalesce(array_agg(u.package_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}'),
               coalesce(array_agg(u.location_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}')
          INTO ok_pkgs, ok_locs, no_pkgs, no_locs
        FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
        LEFT JOIN (SELECT DISTINCT x.raw_data_package_id, x.data_location_id
                   FROM opsdb_deletion_pairs_blocked(pkgs, locs) x) b
               ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id;
        blocked_pkgs := blocked_pkgs || no_pkgs;
        blocked_locs := blocked_locs || no_locs;
        CONTINUE WHEN ok_pkgs IS NULL;
        SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(w.size_bytes), '{}'),
               coalesce(array_agg(w.pair), '{}')
          INTO found, found_sizes, found_pairs
        FROM opsdb_deletion_pair_copies(ok_pkgs, ok_locs, wanted) AS w;
        -- walked to the end: every pair when fewer than wanted were found, else those before the
        -- last one reached (which the limit may have cut)
        cutoff := CASE WHEN cardinality(found) < wanted THEN cardinality(ok_pkgs) + 1
                       ELSE (SELECT max(p) FROM unnest(found_pairs) AS p) END;
        SELECT walked_copies || coalesce(array_agg(f.id), '{}'),
               walked_of || coalesce(array_agg(cardinality(walked_pkgs) + f.n), '{}')
          INTO walked_copies, walked_of
        FROM unnest(found, found_pairs) AS f(id, n) WHERE f.n < cutoff;
        walked_pkgs := walked_pkgs || ok_pkgs[1:cutoff - 1];
        walked_locs := walked_locs || ok_locs[1:cutoff - 1];
        candidate := candidate || found;
        sizes := sizes || found_sizes;
        wanted := wanted - cardinality(found);
    END LOOP;

    IF cardinality(candidate) > 0 THEN
        -- the walk's sizes for the copy counters, one row (see copy_size_hint)
        INSERT INTO copy_size_hint (copy_id, size_bytes, copy_ids, sizes) VALUES (0, 0, candidate, sizes)
        RETURNING ctid INTO hint;
        WITH locked AS (
            SELECT c.id FROM physical_copy c
            WHERE c.id = ANY(candidate) AND c.status IN ('present', 'deletion_possible', 'staged')
            ORDER BY c.id
            FOR UPDATE OF c SKIP LOCKED
        ), done AS (
            UPDATE physical_copy c
            SET status = 'deletion_scheduled', next_attempt_at = now(), attempts = 0, last_error = NULL,
                claimed_by = NULL, claim_token = NULL, lease_until = NULL, updated_at = now(),
                -- the location's priority, set here for the whole batch (the trigger then finds
                -- nothing to correct)
                priority = LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
            FROM locked, data_location l
            WHERE c.id = locked.id AND l.id = c.data_location_id
            RETURNING c.id
        )
        SELECT coalesce(array_agg(done.id ORDER BY done.id), '{}') INTO scheduled FROM done;
        DELETE FROM copy_size_hint h WHERE h.ctid = hint;
    END IF;

    -- settled pairs leave the queue: walked to their end with every copy found scheduled here (no
    -- second walk: the lock held since before the walk keeps what it did not see in the queue),
    -- or blocked with nothing left to delete (checked now, under the same lock)
    IF cardinality(walked_pkgs) > 0 OR cardinality(blocked_pkgs) > 0 THEN
        DELETE FROM deletion_file_queue q
        USING (
            SELECT w.p, w.l
            FROM unnest(walked_pkgs, walked_locs) WITH ORDINALITY AS w(p, l, n)
            LEFT JOIN (
                SELECT f.n FROM unnest(walked_copies, walked_of) AS f(id, n)
                LEFT JOIN unnest(coalesce(scheduled, '{}')) AS s(id) ON s.id = f.id
                WHERE s.id IS NULL) unscheduled ON unscheduled.n = w.n
            WHERE unscheduled.n IS NULL
            UNION
            SELECT b.p, b.l FROM unnest(blocked_pkgs, blocked_locs) AS b(p, l)
            WHERE NOT EXISTS (
                SELECT 1 FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = b.l
                WHERE f.raw_data_package_id = b.p AND c.status IN ('present', 'deletion_possible'))
        ) s
        WHERE q.raw_data_package_id = s.p AND q.data_location_id = s.l;
    END IF;
    RETURN QUERY SELECT unnest(coalesce(scheduled, '{}'));
END;
$$;

-- Package, bundle and staged copies the rule allows now (as 0028), judged only when a necessary
-- condition of the rule holds (rule 2: at a source or buffer, every package the copy holds is
-- archived; archived is final): the copies of packages still in flight at the buffers were judged
-- in full by every schedule (1.6 ms per call for 84 of them at 200,000 files); with none left the rule
-- is not called (its planning alone cost about 1 ms a call). Staged copies at processing locations
-- (rule 7) are all judged.
CREATE OR REPLACE FUNCTION opsdb_deletion_scan_items(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    ids bigint[];
BEGIN
    ids := ARRAY(
        SELECT c.id FROM data_location l
        -- OFFSET 0: per location, one range of the (location, status) index (never a join planned
        -- over every non-file copy, deleted ones included)
        CROSS JOIN LATERAL (
            SELECT pc.id, pc.type, pc.raw_data_package_id, pc.data_transfer_package_id FROM physical_copy pc
            WHERE pc.data_location_id = l.id AND pc.type <> 'raw_data_file'
              AND pc.status = CASE WHEN l.location_type = 'processing' THEN 'staged' ELSE 'present' END
              AND (l.location_type <> 'processing' OR pc.type = 'raw_data_package')
            OFFSET 0) c
        WHERE l.location_type IN ('source', 'buffer', 'processing')
          AND (locations IS NULL OR l.id = ANY(locations))
          -- the necessary condition, by a probe per copy
          AND (l.location_type = 'processing'
               OR (c.type = 'raw_data_package'
                   AND (SELECT p.state FROM raw_data_package p WHERE p.id = c.raw_data_package_id) = 'archived')
               OR (c.type = 'data_transfer_package'
                   AND (SELECT bool_and(p.state = 'archived') FROM raw_data_package p
                        WHERE p.data_transfer_package_id = c.data_transfer_package_id) IS NOT FALSE)));
    -- nothing to judge: the rule is not even planned
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT d FROM opsdb_deletable(ids) AS d ORDER BY d LIMIT max_rows;
END;
$$;
