-- Deletion throughput at 20M files (issue 13 item 2): each copy's file, package and size read once,
-- each queued pair walked once. Same rule, same locks, same history rows, same counters.
--
-- A claim of 1,000 file copies looked every copy's file up (a random uuid key: several ms of CPU per
-- 1,000 at 20M files) in the lock of the backing (opsdb_lock_deletion_backing), again in the rule
-- (opsdb_deletable, which also probed each copy again) and again in the copy counters (the size);
-- the completion's guard and the batch confirmation did the first two as well. A schedule walked a
-- queued (package, location) pair's copies up to four times: in the scan, again in the next call
-- (a pair it had just finished stayed queued), in the scan's settled-pair check and in the delete's
-- re-check. Now:
--
-- 1. The rule takes rows: opsdb_deletable_rows(ids, types, packages, bundles, locations) is the one
--    place the safe-deletion rule is written (0022's opsdb_deletable, reading the copy's columns from
--    its arguments instead of from physical_copy and raw_data_file); opsdb_deletable(ids) reads those
--    rows from the tables and calls it, so every other caller judges exactly as before.
-- 2. The backing's locks by package: opsdb_lock_package_backing(packages) (the same FOR SHARE locks
--    in id order); opsdb_lock_deletion_backing(ids) derives the packages and calls it.
-- 3. opsdb_claim_deletions reads each window copy's file once, after the window's row locks (its
--    package and size), locks the backing of those packages and judges those rows in the next
--    statement (a fresh snapshot, as opsdb_deletable_locked does). Same copies claimed, refused,
--    failed.
-- 4. The copy counters take the sizes a deletion function has just read: copy_size_hint, an unlogged
--    table only the owner writes, filled by the claim and the schedule for the copies of their UPDATE
--    and emptied before they return (empty at every commit, like deletion_claim_verdict).
-- 5. opsdb_schedule_deletions locks each chunk of the file queue first (FOR UPDATE SKIP LOCKED), then
--    judges and walks its pairs on a fresh snapshot (opsdb_deletion_pair_copies, which also returns
--    each file's size) and settles a pair it walked to the end and scheduled whole in the same call,
--    without walking it again: a copy that returns to present queues its pair again through the
--    guard's INSERT ... ON CONFLICT DO UPDATE, which waits for this lock. Blocked pairs with nothing
--    left are settled as before (checked under the lock). The package, bundle and staged copies come
--    from opsdb_deletion_scan_items, which the candidates' scan (opsdb_deletion_scan) uses too.
-- 6. The deletion guard (completions) and opsdb_confirm_deletions judge rows read once (from the
--    statement's new rows; from the locked claimed copies) and look membership up by hash joins
--    instead of searching arrays per row.
--
-- Equivalence with 0026 (both run over the same rows, rolled back): tests/test_deletion_rows_once.py.
-- depends: 0026_deletion_throughput

-- -- 4. the sizes a deletion function read, for the counters ------------------------------------

-- (no unique key: a uniqueness check would wait for another transaction's uncommitted hint of the
-- same copy, e.g. an operator's schedule racing a scheduler's walk; every hint of one copy holds the
-- same size, its file's, and a transaction sees its own hints only)
CREATE UNLOGGED TABLE IF NOT EXISTS copy_size_hint (
    copy_id bigint NOT NULL,
    size_bytes bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS copy_size_hint_copy_idx ON copy_size_hint (copy_id);
REVOKE ALL ON copy_size_hint FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_writer', 'opsdb_access_admin', 'opsdb_reader', 'opsdb_instrument',
                             'opsdb_packager', 'opsdb_transfer_daemon', 'opsdb_archive_daemon',
                             'opsdb_staging_daemon', 'opsdb_deletion_daemon', 'opsdb_operator'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON copy_size_hint FROM %I', r);
        END IF;
    END LOOP;
    -- reading it is harmless (it is empty at every commit), writing it is the owner's alone
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_reader') THEN
        GRANT SELECT ON copy_size_hint TO opsdb_reader;
    END IF;
END
$$;

-- -- 1. the rule, over rows ---------------------------------------------------------------------

-- The safe-deletion rule (0016, 0022) for the copies described by the arrays (zipped): id, type,
-- package (a package copy's own; a file copy's file's, NULL when unpackaged; NULL for a bundle
-- copy), bundle (a bundle copy's), location. Returns the ids the rule allows. Only as good as its
-- rows: the functions that act on its answer read them from the tables themselves.
CREATE OR REPLACE FUNCTION opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[],
                                                locations bigint[])
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT u.id, u.type, u.package_id, u.bundle_id, u.data_location_id, l.location_type, l.site_id
        FROM unnest(ids, types, packages, bundles, locations) AS u(id, type, package_id, bundle_id, data_location_id)
        JOIN data_location l ON l.id = u.data_location_id
    ),
    -- every (copy, package it holds) of the source and buffer copies (rule 1)
    held AS (
        SELECT c.id, c.package_id, c.data_location_id, c.type, c.bundle_id, c.site_id
        FROM c
        WHERE c.type IN ('raw_data_package', 'raw_data_file') AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, p.id, c.data_location_id, c.type, c.bundle_id, c.site_id
        FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.bundle_id
        WHERE c.type = 'data_transfer_package' AND c.location_type IN ('source', 'buffer')
    ),
    pairs AS (
        SELECT array_agg(package_id) AS packages, array_agg(data_location_id) AS locations
        FROM (SELECT DISTINCT package_id, data_location_id FROM held WHERE package_id IS NOT NULL) d
    ),
    blocked AS (
        SELECT b.* FROM pairs, opsdb_deletion_pairs_blocked(pairs.packages, pairs.locations) b
    ),
    archive_backed AS (
        -- at least one package, none unpackaged, none blocked at this copy's location (the copy's
        -- own columns ride along: one row per copy, no join back to c)
        SELECT h.id, h.type, h.bundle_id, h.data_location_id, h.site_id FROM held h
        LEFT JOIN blocked b ON b.raw_data_package_id = h.package_id AND b.data_location_id = h.data_location_id
        GROUP BY h.id, h.type, h.bundle_id, h.data_location_id, h.site_id
        HAVING bool_and(h.package_id IS NOT NULL AND b.raw_data_package_id IS NULL)
    )
    SELECT c.id FROM archive_backed c
    WHERE c.type <> 'data_transfer_package'
       OR (
            -- a bundle copy: no unfinished transfer from here, no unfinished unpack here (rule 3)
            NOT EXISTS (
                SELECT 1 FROM data_transfer t
                WHERE t.data_transfer_package_id = c.bundle_id
                  AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                    OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
            -- nor a copy a route's leg starts from, until the route's destination has it (rule 6)
            AND NOT EXISTS (
                SELECT 1 FROM data_transfer_package d
                JOIN data_location origin ON origin.id = d.origin_location_id
                JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
                WHERE d.id = c.bundle_id
                  AND (c.data_location_id = coalesce(r.origin_location_id, d.origin_location_id)
                       OR (r.route_type = 'relay' AND c.site_id = r.relay_site_id))
                  AND NOT EXISTS (
                        SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                        WHERE t.data_transfer_package_id = d.id AND tl.site_id = r.destination_site_id
                          AND t.status = 'completed')))
    UNION
    -- a staged package copy at a processing location whose staging jobs are over (rule 7)
    SELECT c.id FROM c
    WHERE c.type = 'raw_data_package' AND c.location_type = 'processing'
      AND EXISTS (
            SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
            WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = c.package_id
              AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
              AND al.location_type = 'long_term_archive')
      AND EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.package_id
              AND j.destination_location_id = c.data_location_id AND j.status = 'completed')
      AND NOT EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.package_id
              AND j.destination_location_id = c.data_location_id
              AND (j.status IN ('pending', 'scheduled', 'in_progress')
                   OR (j.status = 'completed' AND (j.retention_until IS NULL OR j.retention_until > now()))))
$$;

-- The rule for copies by id: their rows read from the tables (one probe of each copy, one of each
-- file copy's file), judged by opsdb_deletable_rows.
CREATE OR REPLACE FUNCTION opsdb_deletable(ids bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT d
    FROM (
        SELECT array_agg(pc.id) AS ids, array_agg(pc.type) AS types,
               array_agg(CASE WHEN pc.type = 'raw_data_file'
                              THEN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = pc.raw_data_file_id)
                              ELSE pc.raw_data_package_id END) AS packages,
               array_agg(pc.data_transfer_package_id) AS bundles, array_agg(pc.data_location_id) AS locations
        FROM physical_copy pc
        WHERE pc.id = ANY(ids)
    ) r
    CROSS JOIN LATERAL opsdb_deletable_rows(r.ids, r.types, r.packages, r.bundles, r.locations) AS d
$$;

REVOKE ALL ON FUNCTION opsdb_deletable_rows(bigint[], text[], bigint[], bigint[], bigint[]) FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    -- whoever may ask the rule by ids may ask it by rows (a judgement, nothing acts on it but
    -- functions that read their rows themselves)
    FOREACH r IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION opsdb_deletable_rows(bigint[], text[], bigint[], bigint[], bigint[]) TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- -- 2. the backing's locks, by package ---------------------------------------------------------

-- FOR SHARE, in id order, the long-term-archive copies of the packages (the locks evidence
-- withdrawal and every deletion step take before judging the rule).
CREATE OR REPLACE FUNCTION opsdb_lock_package_backing(packages bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      AND a.raw_data_package_id = ANY(packages)
    ORDER BY a.id
    FOR SHARE OF a;
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_lock_deletion_backing(ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT pc.raw_data_package_id FROM physical_copy pc
        WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_package'
        UNION
        SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
        WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_file'
        UNION
        SELECT p.id FROM physical_copy pc
        JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
        WHERE pc.id = ANY(ids) AND pc.type = 'data_transfer_package'));
END;
$$;

REVOKE ALL ON FUNCTION opsdb_lock_package_backing(bigint[]) FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_reader', 'opsdb_access_admin'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON FUNCTION opsdb_lock_package_backing(bigint[]) FROM %I', r);
        END IF;
    END LOOP;
    -- the same callers as opsdb_lock_deletion_backing
    FOREACH r IN ARRAY ARRAY['opsdb_writer', 'opsdb_deletion_daemon'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION opsdb_lock_package_backing(bigint[]) TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- -- 4. the counters take hinted sizes -----------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither); a file
    -- copy's size from copy_size_hint when the deletion function that sent this UPDATE read it
    -- already (only the owner writes that table), else by a probe of its file
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.c * v.size)
        FROM (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   n.raw_data_file_id AS nfile, n.raw_data_package_id AS npkg, n.data_transfer_package_id AS nbundle,
                   coalesce(CASE n.type
                       WHEN 'raw_data_file' THEN
                           coalesce((SELECT h.size_bytes FROM copy_size_hint h WHERE h.copy_id = n.id LIMIT 1),
                                    (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id))
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
                       ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = n.data_transfer_package_id)
                   END, 0) AS nsize
            FROM old_copies o JOIN new_copies n ON n.id = o.id
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
            OFFSET 0  -- each size probed once (flattened, both VALUES rows below repeat the probe)
        ) m
        CROSS JOIN LATERAL (VALUES
            (m.data_location_id, m.type, m.status, -1,
             CASE WHEN m.type = m.ntype AND m.raw_data_file_id IS NOT DISTINCT FROM m.nfile
                       AND m.raw_data_package_id IS NOT DISTINCT FROM m.npkg
                       AND m.data_transfer_package_id IS NOT DISTINCT FROM m.nbundle THEN m.nsize
                  ELSE coalesce(CASE m.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = m.raw_data_file_id)
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = m.raw_data_package_id)
                       ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = m.data_transfer_package_id)
                  END, 0) END),
            (m.nloc, m.ntype, m.nstatus, 1, m.nsize)) AS v (loc, t, s, c, size)
        GROUP BY 1, 2, 3
        HAVING sum(v.c) <> 0 OR sum(v.c * v.size) <> 0
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

-- -- 3. the claim: rows read once ----------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[],
                                                 lease_seconds double precision)
RETURNS SETOF physical_copy
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    capped boolean := EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = 'physical_copy_deletion');
    full_locations bigint[] := '{}';
    window_ids bigint[];
    window_locations bigint[];
    window_takeovers boolean[];
    window_ranks timestamptz[];
    window_types text[];
    window_packages bigint[];
    window_bundles bigint[];
    window_sizes bigint[];
    allowed bigint[];
    chosen bigint[];
    chosen_sizes bigint[];
BEGIN
    IF coalesce(worker, '') = '' OR coalesce(max_rows, 0) <= 0 OR coalesce(lease_seconds, 0) <= 0 THEN
        RAISE EXCEPTION 'a claim needs a worker, a positive limit and a positive lease' USING ERRCODE = '22023';
    END IF;
    -- this function runs as the owner (0017's actor triggers see the owner): the caller must be
    -- the deletion daemon (EXECUTE is granted to it alone; opsdb_writer is a member)
    IF NOT (pg_has_role(opsdb_acting_role(), 'opsdb_deletion_daemon', 'USAGE')
            OR pg_has_role(opsdb_acting_role(), (SELECT c.relowner FROM pg_class c WHERE c.oid = 'physical_copy'::regclass),
                           'USAGE')) THEN
        RAISE EXCEPTION 'only the deletion daemon may claim deletions, not %', opsdb_acting_role()
            USING ERRCODE = '42501';
    END IF;

    IF capped THEN
        -- locations whose cap has no room left on this snapshot: their backlog does not fill
        -- the window (a cheap pre-filter; the exact count comes below)
        full_locations := ARRAY(SELECT r.location_id FROM opsdb_work_cap_room('physical_copy_deletion', NULL, NULL, false) r
                                WHERE r.items <= 0);
    END IF;
    -- the window, locked, with what the ranking and the rule below need: read once, under the
    -- row locks (the copies cannot change until this transaction ends; the refusal below moves
    -- only copies that are not judged again), each file copy's file probed once for its package
    -- and its size
    SELECT array_agg(w.id ORDER BY w.id), array_agg(w.data_location_id ORDER BY w.id),
           array_agg(w.status = 'deletion_in_progress' ORDER BY w.id), array_agg(w.rank_key ORDER BY w.id),
           array_agg(w.type ORDER BY w.id),
           array_agg(CASE WHEN w.type = 'raw_data_file' THEN f.raw_data_package_id ELSE w.raw_data_package_id END
                     ORDER BY w.id),
           array_agg(w.data_transfer_package_id ORDER BY w.id), array_agg(f.size_bytes ORDER BY w.id)
      INTO window_ids, window_locations, window_takeovers, window_ranks, window_types, window_packages, window_bundles,
           window_sizes
    FROM (
        SELECT t.id, t.data_location_id, t.status, opsdb_work_order(t.next_attempt_at, t.priority) AS rank_key,
               t.type, t.raw_data_file_id, t.raw_data_package_id, t.data_transfer_package_id
        FROM physical_copy t
        WHERE t.status IN ('deletion_scheduled', 'deletion_in_progress')
          AND t.next_attempt_at <= statement_timestamp()
          AND t.data_location_id IN (
                SELECT l.id FROM data_location l
                WHERE l.location_type <> 'long_term_archive'
                  AND (locations IS NULL OR l.id = ANY(locations))
                  AND (sites IS NULL OR l.site_id IN (SELECT s.id FROM site s WHERE s.short_name = ANY(sites))))
          AND (t.status = 'deletion_in_progress' OR NOT t.data_location_id = ANY(full_locations))
        ORDER BY opsdb_work_order(t.next_attempt_at, t.priority), t.next_attempt_at
        LIMIT max_rows + 16
        FOR UPDATE OF t SKIP LOCKED) w
    -- after the locks, one probe per file copy (OFFSET 0: never a join planned over the file table)
    LEFT JOIN LATERAL (
        SELECT rf.raw_data_package_id, rf.size_bytes FROM raw_data_file rf
        WHERE w.type = 'raw_data_file' AND rf.id = w.raw_data_file_id
        OFFSET 0) f ON true;
    IF coalesce(cardinality(window_ids), 0) = 0 THEN
        RETURN;
    END IF;

    -- the rule under the backing's locks (FOR SHARE, id order), judged in the next statement (a
    -- fresh snapshot: whatever the locks waited for is seen), as opsdb_deletable_locked does
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT p FROM unnest(window_packages) AS p WHERE p IS NOT NULL
        UNION
        SELECT p.id FROM raw_data_package p
        WHERE p.data_transfer_package_id = ANY(window_bundles) AND p.data_transfer_package_id IS NOT NULL));
    allowed := ARRAY(SELECT d FROM opsdb_deletable_rows(window_ids, window_types, window_packages, window_bundles,
                                                        window_locations) AS d);

    -- the rule's answer is a subset of the window: the same size means nothing was refused
    IF cardinality(allowed) < cardinality(window_ids) THEN
        UPDATE physical_copy t
        SET next_attempt_at = clock_timestamp() + interval '60 seconds',
            status = CASE WHEN t.status = 'deletion_in_progress' THEN 'deletion_failed' ELSE t.status END,
            last_error = CASE WHEN t.status = 'deletion_in_progress'
                THEN 'lease of ' || t.claimed_by || ' expired mid-deletion and the safe-deletion rule no longer holds: '
                     || 'its bytes may be partly removed; check the copy, then reset it or mark it lost or corrupt'
                ELSE t.last_error END,
            claim_token = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.claim_token END,
            lease_until = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.lease_until END,
            updated_at = now()
        WHERE t.id = ANY(window_ids) AND NOT t.id = ANY(allowed);
    END IF;

    SELECT array_agg(x.id ORDER BY x.rank_key, x.id), array_agg(x.size_bytes ORDER BY x.rank_key, x.id)
      INTO chosen, chosen_sizes
    FROM (
        WITH judged AS (
            SELECT w.id, w.location_id, w.takeover, w.rank_key, w.size_bytes
            FROM unnest(window_ids, window_locations, window_takeovers, window_ranks, window_sizes)
                 AS w(id, location_id, takeover, rank_key, size_bytes)
            WHERE w.id IN (SELECT unnest(allowed))
        ),
        rooms AS (
            -- waits for the caps' other claimers to commit, then counts on a fresh snapshot
            SELECT r.location_id, r.items FROM opsdb_work_cap_room(
                'physical_copy_deletion',
                (SELECT coalesce(array_agg(DISTINCT j.location_id), '{}') FROM judged j WHERE NOT j.takeover),
                '{}', true) r
            WHERE capped
        ),
        ranked AS (
            SELECT j.*, count(*) FILTER (WHERE NOT j.takeover)
                            OVER (PARTITION BY j.location_id ORDER BY j.rank_key, j.id) AS nth_here
            FROM judged j
        )
        SELECT r.id, r.rank_key, r.size_bytes FROM ranked r LEFT JOIN rooms here ON here.location_id = r.location_id
        WHERE r.takeover OR here.location_id IS NULL OR r.nth_here <= here.items
        ORDER BY r.rank_key, r.id
        LIMIT max_rows) x;
    IF coalesce(cardinality(chosen), 0) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO deletion_claim_verdict (copy_id) SELECT unnest(chosen);
    INSERT INTO copy_size_hint (copy_id, size_bytes)
    SELECT h.id, h.size_bytes FROM unnest(chosen, chosen_sizes) AS h(id, size_bytes) WHERE h.size_bytes IS NOT NULL;
    RETURN QUERY
        WITH claimed AS (
            UPDATE physical_copy t
            SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'deletion_failed' ELSE 'deletion_in_progress' END,
                attempts = LEAST(t.attempts + 1, t.max_attempts),
                last_error = CASE
                    WHEN t.status = 'deletion_in_progress' AND t.attempts >= t.max_attempts
                        THEN 'lease of ' || t.claimed_by || ' expired; no attempts left'
                    WHEN t.status = 'deletion_in_progress' THEN 'lease of ' || t.claimed_by || ' expired'
                    ELSE t.last_error END,
                claimed_by = CASE WHEN t.attempts >= t.max_attempts THEN t.claimed_by ELSE worker END,
                claim_token = CASE WHEN t.attempts >= t.max_attempts THEN NULL ELSE gen_random_uuid() END,
                -- leases run from the moment of the claim, not from the start of the transaction
                lease_until = CASE WHEN t.attempts >= t.max_attempts THEN NULL
                                   ELSE clock_timestamp() + make_interval(secs => lease_seconds) END,
                next_attempt_at = CASE WHEN t.attempts >= t.max_attempts THEN t.next_attempt_at
                                       ELSE clock_timestamp() + make_interval(secs => lease_seconds) END,
                updated_at = now()
            WHERE t.id = ANY(chosen)
            RETURNING t.*
        )
        SELECT * FROM claimed c WHERE c.status = 'deletion_in_progress' ORDER BY c.id;
    DELETE FROM deletion_claim_verdict v WHERE v.copy_id = ANY(chosen);
    DELETE FROM copy_size_hint h WHERE h.copy_id = ANY(chosen);
END;
$$;

-- -- 5. scheduling: one walk per queued pair, sizes handed to the counters ------------------------

-- Package, bundle and staged copies the rule allows now (per location, one range of the
-- (location, status) index of non-file copies: never the archive copies, which stay present
-- forever), at most max_rows, by id. The first part of a scan.
CREATE OR REPLACE FUNCTION opsdb_deletion_scan_items(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT d
    FROM opsdb_deletable(ARRAY(
        SELECT c.id FROM data_location l
        CROSS JOIN LATERAL (
            SELECT pc.id FROM physical_copy pc
            WHERE pc.data_location_id = l.id AND pc.type <> 'raw_data_file'
              AND pc.status = CASE WHEN l.location_type = 'processing' THEN 'staged' ELSE 'present' END
              AND (l.location_type <> 'processing' OR pc.type = 'raw_data_package')) c
        WHERE l.location_type IN ('source', 'buffer', 'processing')
          AND (locations IS NULL OR l.id = ANY(locations)))) AS d
    ORDER BY d
    LIMIT max_rows
$$;

-- The present (or deletion_possible) file copies of the (package, location) pairs, walked pair by
-- pair in the order given (the rule has allowed these pairs: the caller asks
-- opsdb_deletion_pairs_blocked first), at most max_rows: (copy, its file's size, the pair's
-- ordinal). A pair before the last one returned was walked to its end.
CREATE OR REPLACE FUNCTION opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer)
RETURNS TABLE (id bigint, size_bytes bigint, pair integer)
LANGUAGE sql STABLE AS $$
    WITH pairs AS MATERIALIZED (
        SELECT u.package_id, u.location_id, u.n
        FROM unnest(packages, locations) WITH ORDINALITY AS u(package_id, location_id, n)
        ORDER BY u.n
    )
    SELECT fc.id, fc.size_bytes, a.n::integer
    FROM pairs a
    -- OFFSET 0: a nested loop over the pairs in their order (never a join planned over the file
    -- table), so the limit stops within the last pair reached
    CROSS JOIN LATERAL (
        SELECT c.id, f.size_bytes FROM raw_data_file f
        JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = a.location_id
        WHERE f.raw_data_package_id = a.package_id AND c.status IN ('present', 'deletion_possible')
        OFFSET 0) fc
    LIMIT max_rows
$$;

REVOKE ALL ON FUNCTION opsdb_deletion_scan_items(bigint[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION opsdb_deletion_pair_copies(bigint[], bigint[], integer) FROM PUBLIC;

-- The candidates' scan (opsdb_deletion_candidates): the same copies as before, through the two
-- functions above; it no longer reports settled pairs (the schedule settles its own, below).
CREATE OR REPLACE FUNCTION opsdb_deletion_scan(locations bigint[], max_rows integer)
RETURNS TABLE (id bigint, settled_package_id bigint, settled_location_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    wanted integer := max_rows;
    found_rows integer;
    pkgs bigint[];
    locs bigint[];
    last_package bigint := -1;
    last_location bigint := -1;
    chunk integer := 16;  -- doubles per round, up to 1024: few pairs judged for a small answer
BEGIN
    IF wanted IS NULL OR wanted <= 0 THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT d, NULL::bigint, NULL::bigint FROM opsdb_deletion_scan_items(locations, wanted) AS d;
    GET DIAGNOSTICS found_rows = ROW_COUNT;
    wanted := wanted - found_rows;
    -- file copies of the queued pairs the rule allows
    WHILE wanted > 0 LOOP
        SELECT array_agg(x.p ORDER BY x.p, x.l), array_agg(x.l ORDER BY x.p, x.l) INTO pkgs, locs
        FROM (SELECT q.raw_data_package_id AS p, q.data_location_id AS l
              FROM deletion_file_queue q
              WHERE (q.raw_data_package_id, q.data_location_id) > (last_package, last_location)
                AND (locations IS NULL OR q.data_location_id = ANY(locations))
              ORDER BY q.raw_data_package_id, q.data_location_id
              LIMIT chunk) x;
        EXIT WHEN pkgs IS NULL;
        last_package := pkgs[array_upper(pkgs, 1)];
        last_location := locs[array_upper(locs, 1)];
        RETURN QUERY
            WITH blocked AS MATERIALIZED (
                SELECT * FROM opsdb_deletion_pairs_blocked(pkgs, locs)
            ),
            allowed AS MATERIALIZED (
                SELECT array_agg(u.package_id ORDER BY u.n) AS packages, array_agg(u.location_id ORDER BY u.n) AS locations
                FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
                LEFT JOIN blocked b ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id
                WHERE b.raw_data_package_id IS NULL
            )
            SELECT w.id, NULL::bigint, NULL::bigint
            FROM allowed a CROSS JOIN LATERAL opsdb_deletion_pair_copies(a.packages, a.locations, wanted) AS w;
        GET DIAGNOSTICS found_rows = ROW_COUNT;
        wanted := wanted - found_rows;
        chunk := least(chunk * 2, 1024);
    END LOOP;
END;
$$;

-- Scheduling: the package, bundle and staged copies the rule allows, then the file copies of the
-- queued pairs, chunk by chunk: each chunk of the queue is locked first (FOR UPDATE SKIP LOCKED:
-- two schedulers take different pairs), then judged and walked on a fresh snapshot. A pair walked
-- to its end whose copies found are all scheduled here leaves the queue without being walked
-- again: a copy that returns to present queues its pair again (opsdb_guard_deletion's INSERT ...
-- ON CONFLICT DO UPDATE), which waits for this transaction's lock of the pair, so whatever the
-- walk did not see comes back into the queue. A blocked pair leaves it when no copy is left to
-- delete (checked after the locks, as before). The size of each file copy the walk found is handed
-- to the copy counters (copy_size_hint) for the UPDATE.
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
        INSERT INTO copy_size_hint (copy_id, size_bytes)
        SELECT h.id, h.size_bytes FROM unnest(candidate, sizes) AS h(id, size_bytes) WHERE h.size_bytes IS NOT NULL;
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
        DELETE FROM copy_size_hint h WHERE h.copy_id = ANY(candidate);
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


-- -- 6. completions and confirmations judge rows read once -----------------------------------------

-- The deletion guard (0021, 0022): copies entering deletion_in_progress (other than the claim's
-- judged ones) or deleted are judged on their rows read once from the statement's new rows (each
-- file copy's file probed once), under the backing's locks taken by package. Same refusals.
CREATE OR REPLACE FUNCTION opsdb_guard_deletion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    bad bigint[];
    entering bigint[];
    finishing bigint[];
    judged bigint[];
    r_ids bigint[];
    r_types text[];
    r_packages bigint[];
    r_bundles bigint[];
    r_locations bigint[];
    requeue boolean;
    refused record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n
                   WHERE n.status IN ('deletion_in_progress', 'deleted')
                      OR (n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')))
       AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.status = 'deletion_in_progress') THEN
        RETURN NULL;
    END IF;
    -- one pass over the statement's rows sorts them out (EXECUTE: planned for this statement's
    -- row count, a hash join for a batch)
    EXECUTE $q$
        SELECT array_agg(n.id ORDER BY n.id) FILTER (
                   WHERE o.status = 'deletion_in_progress'
                     AND n.status NOT IN ('deletion_in_progress', 'deleted', 'deletion_scheduled', 'deletion_failed',
                                          'lost')),
               array_agg(n.id ORDER BY n.id) FILTER (
                   WHERE n.status = 'deletion_in_progress'
                     AND (o.status <> 'deletion_in_progress' OR o.claim_token IS DISTINCT FROM n.claim_token)),
               array_agg(n.id ORDER BY n.id) FILTER (WHERE n.status = 'deleted' AND o.status <> 'deleted'),
               coalesce(bool_or(n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
                                AND o.status NOT IN ('present', 'deletion_possible')), false)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
    $q$ INTO bad, entering, finishing, requeue;

    -- an owner's explicit repair (0015: opsdb.repair) moves copies outside the rules, recorded
    IF (bad IS NOT NULL OR entering IS NOT NULL OR finishing IS NOT NULL) AND NOT opsdb_repairing(TG_RELID) THEN
        IF bad IS NOT NULL THEN
            SELECT n.id, n.status INTO refused FROM new_rows n WHERE n.id = bad[1];
            RAISE EXCEPTION 'physical_copy %: being deleted, it cannot become % (retry once the deletion has finished)',
                refused.id, refused.status
                USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status';
        END IF;
        IF entering IS NOT NULL THEN
            -- judged a moment ago, under the same locks, by the claim function of this statement
            entering := ARRAY(SELECT e FROM unnest(entering) AS e
                              WHERE NOT EXISTS (SELECT 1 FROM deletion_claim_verdict v WHERE v.copy_id = e));
        END IF;
        judged := ARRAY(SELECT DISTINCT x FROM unnest(coalesce(entering, '{}') || coalesce(finishing, '{}')) AS x
                        ORDER BY x);
        IF cardinality(judged) > 0 THEN
            -- the judged copies' rows read once, from this statement's new rows (each file copy's
            -- file probed once for its package), then the backing's locks and the rule on them
            EXECUTE $q$
                SELECT array_agg(n.id), array_agg(n.type),
                       array_agg(CASE WHEN n.type = 'raw_data_file'
                                      THEN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
                                      ELSE n.raw_data_package_id END),
                       array_agg(n.data_transfer_package_id), array_agg(n.data_location_id)
                FROM new_rows n JOIN unnest($1) AS j(id) ON j.id = n.id
            $q$ INTO r_ids, r_types, r_packages, r_bundles, r_locations USING judged;
            PERFORM opsdb_lock_package_backing(ARRAY(
                SELECT p FROM unnest(r_packages) AS p WHERE p IS NOT NULL
                UNION
                SELECT p.id FROM raw_data_package p
                WHERE p.data_transfer_package_id = ANY(r_bundles) AND p.data_transfer_package_id IS NOT NULL));
            -- judged in a statement after the locks (a fresh snapshot), as opsdb_deletable_locked does
            SELECT j.id, n.status AS new_status INTO refused
            FROM unnest(r_ids) AS j(id)
            JOIN new_rows n ON n.id = j.id
            WHERE j.id NOT IN (SELECT d FROM opsdb_deletable_rows(r_ids, r_types, r_packages, r_bundles, r_locations) AS d)
            ORDER BY j.id LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'physical_copy %: deletion refused (% -> %): the safe-deletion rule does not hold',
                    refused.id, (SELECT o.status FROM old_rows o WHERE o.id = refused.id), refused.new_status
                    USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status',
                          HINT = 'do not remove its bytes; if they are gone already, mark the copy lost';
            END IF;
        END IF;
    END IF;

    IF requeue THEN
        EXECUTE $q$
            INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
            SELECT DISTINCT f.raw_data_package_id, n.data_location_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN raw_data_file f ON f.id = n.raw_data_file_id
            JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
            JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
            WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
              AND o.status NOT IN ('present', 'deletion_possible')
            ORDER BY 1, 2
            ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
        $q$;
    END IF;
    RETURN NULL;
END;
$_$;

-- The batch confirmation (0021): the claimed copies locked and read once, the backing locked by
-- package, the rule by rows; membership by hash joins (was a linear search of the arrays per row).
-- Same verdicts and the same refused copies back in the queue.
CREATE OR REPLACE FUNCTION opsdb_confirm_deletions(ids bigint[], tokens uuid[])
RETURNS TABLE (copy_id bigint, verdict text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    held bigint[];
    h_types text[];
    h_packages bigint[];
    h_bundles bigint[];
    h_locations bigint[];
    ok bigint[];
BEGIN
    -- the claimed copies, locked (id order), with what the rule needs: read once (each file copy's
    -- file probed once, after the locks)
    SELECT array_agg(h.id ORDER BY h.id), array_agg(h.type ORDER BY h.id),
           array_agg(CASE WHEN h.type = 'raw_data_file' THEN f.raw_data_package_id ELSE h.raw_data_package_id END
                     ORDER BY h.id),
           array_agg(h.data_transfer_package_id ORDER BY h.id), array_agg(h.data_location_id ORDER BY h.id)
      INTO held, h_types, h_packages, h_bundles, h_locations
    FROM (
        SELECT c.id, c.type, c.raw_data_file_id, c.raw_data_package_id, c.data_transfer_package_id, c.data_location_id
        FROM physical_copy c JOIN unnest(ids, tokens) AS u(id, token) ON c.id = u.id AND c.claim_token = u.token
        WHERE c.status = 'deletion_in_progress'
        ORDER BY c.id
        FOR UPDATE OF c) h
    LEFT JOIN LATERAL (
        SELECT rf.raw_data_package_id FROM raw_data_file rf
        WHERE h.type = 'raw_data_file' AND rf.id = h.raw_data_file_id
        OFFSET 0) f ON true;
    held := coalesce(held, '{}');
    -- the backing's locks, then the rule on a fresh snapshot (as opsdb_deletable_locked does)
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT p FROM unnest(h_packages) AS p WHERE p IS NOT NULL
        UNION
        SELECT p.id FROM raw_data_package p
        WHERE p.data_transfer_package_id = ANY(h_bundles) AND p.data_transfer_package_id IS NOT NULL));
    ok := ARRAY(SELECT d FROM opsdb_deletable_rows(held, h_types, h_packages, h_bundles, h_locations) AS d);
    -- the rule's answer is a subset of the held copies: the same size means none was refused
    IF cardinality(ok) < cardinality(ARRAY(SELECT DISTINCT h FROM unnest(held) AS h)) THEN
        UPDATE physical_copy c
        SET status = 'deletion_scheduled', next_attempt_at = clock_timestamp() + interval '60 seconds',
            claim_token = NULL, lease_until = NULL,
            last_error = 'refused at confirmation: the safe-deletion rule no longer held'
        WHERE c.id = ANY(held) AND c.id NOT IN (SELECT unnest(ok));
    END IF;
    RETURN QUERY
        SELECT u.id, CASE WHEN g.id IS NOT NULL THEN 'go' WHEN h.id IS NOT NULL THEN 'refused' ELSE 'lost' END
        FROM unnest(ids) WITH ORDINALITY AS u(id, n)
        LEFT JOIN (SELECT DISTINCT x AS id FROM unnest(ok) AS x) g ON g.id = u.id
        LEFT JOIN (SELECT DISTINCT x AS id FROM unnest(held) AS x) h ON h.id = u.id
        ORDER BY u.n;
END;
$$;
