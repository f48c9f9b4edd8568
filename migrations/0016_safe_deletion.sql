-- Safe deletion enforced by the database at every step, set-based and independent of history
-- (issues 10, 13, 16; docs/workflows.md "What the database guarantees about deletion").
--
-- 1. The rule, set-based: opsdb_deletion_pairs_blocked judges (package, location) pairs once,
--    opsdb_deletable(ids) judges many copies in one query (file copies share their package's
--    verdict). opsdb_copy_deletable (0009, 0011, 0012) stays as the per-copy reference the
--    tests compare against.
-- 2. Lock order: the copies to delete are locked first (claims: SKIP LOCKED, never waited
--    for), then the long-term-archive copies their verdict rests on, FOR SHARE, in id order
--    (opsdb_deletable_locked). Copies at archive locations are never deletion items, so the
--    two sets are disjoint and claimers never wait for one another. Evidence withdrawal
--    (lost, corrupt, verification withdrawn) updates one copy: it waits for deleters holding
--    that copy, and deleters wait for it.
-- 3. A statement trigger on physical_copy re-judges, under those locks, every copy that
--    enters deletion_in_progress (a claim or a lease takeover) or deleted (a completion),
--    whoever sends the statement, and refuses a copy being deleted going anywhere but
--    deleted / back to the queue / failed / lost (SQLSTATE OP001). An owner's explicit repair
--    (0015, opsdb.repair) is exempt, and recorded as such in state_history.
-- 4. A queue of (archived package, location) pairs that still hold file copies at a source or
--    buffer: deletion candidates start there, never from every copy ever recorded.
-- depends: 0015_state_machines

-- -- the rule, set-based ---------------------------------------------------------------------

-- The (package, location) pairs (zipped arrays) the archive-backed rule blocks: the package is
-- not archived with a present, verified long-term-archive copy (rule 2), the location is a
-- buffer at a site whose own active archive lacks it (rule 5), the location is the source of
-- an unfinished bundle build or archive transfer of it (rule 3), or an active staging job wants
-- it (rule 4).
CREATE OR REPLACE FUNCTION opsdb_deletion_pairs_blocked(package_ids bigint[], location_ids bigint[])
RETURNS TABLE (raw_data_package_id bigint, data_location_id bigint)
LANGUAGE sql STABLE AS $$
    -- every look-up is a LATERAL ... LIMIT 1 on an index, per pair: the cost follows the pairs
    -- asked about, never the archived packages or copies ever recorded
    SELECT pl.package_id, pl.location_id
    FROM (SELECT DISTINCT u.package_id, u.location_id FROM unnest(package_ids, location_ids) AS u(package_id, location_id)) pl
    JOIN data_location here ON here.id = pl.location_id
    LEFT JOIN raw_data_package p ON p.id = pl.package_id
    LEFT JOIN LATERAL (
        SELECT true AS found FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
        WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
          AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
          AND al.location_type = 'long_term_archive'
        LIMIT 1) archived ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM data_location l
        WHERE here.location_type = 'buffer' AND l.site_id = here.site_id
          AND l.location_type = 'long_term_archive' AND l.active
        LIMIT 1) site_archive ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
        WHERE site_archive.found AND a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
          AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
          AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id
        LIMIT 1) at_site ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM data_transfer_package d
        WHERE d.id = p.data_transfer_package_id AND d.origin_location_id = pl.location_id AND d.status <> 'completed'
        LIMIT 1) building ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM long_term_archive_transfer t
        WHERE t.raw_data_package_id = p.id AND t.origin_location_id = pl.location_id AND t.status <> 'completed'
        LIMIT 1) archiving ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM staging_job_package sp JOIN staging_job j ON j.id = sp.staging_job_id
        WHERE sp.raw_data_package_id = p.id AND j.status IN ('pending', 'scheduled', 'in_progress')
        LIMIT 1) staging ON true
    WHERE p.id IS NULL OR p.state <> 'archived'                  -- rule 2
       OR archived.found IS NULL
       OR (site_archive.found AND at_site.found IS NULL)         -- rule 5
       OR building.found OR archiving.found                      -- rule 3
       OR staging.found                                          -- rule 4
$$;

-- The copies among `ids` the safe-deletion rule allows to delete now (rules 1-7, the union of
-- opsdb_archive_backed_deletable and opsdb_staged_copy_expired), judged in one query.
CREATE OR REPLACE FUNCTION opsdb_deletable(ids bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT pc.id, pc.type, pc.raw_data_file_id, pc.raw_data_package_id, pc.data_transfer_package_id,
               pc.data_location_id, l.location_type, l.site_id
        FROM physical_copy pc
        JOIN data_location l ON l.id = pc.data_location_id
        WHERE pc.id = ANY(ids)
    ),
    -- every (copy, package it holds) of the source and buffer copies (rule 1)
    held AS (
        SELECT c.id, c.raw_data_package_id AS package_id, c.data_location_id FROM c
        WHERE c.type = 'raw_data_package' AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, f.raw_data_package_id, c.data_location_id FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file' AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, p.id, c.data_location_id FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
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
        -- at least one package, none unpackaged, none blocked at this copy's location
        SELECT h.id FROM held h
        LEFT JOIN blocked b ON b.raw_data_package_id = h.package_id AND b.data_location_id = h.data_location_id
        GROUP BY h.id
        HAVING bool_and(h.package_id IS NOT NULL AND b.raw_data_package_id IS NULL)
    )
    SELECT ab.id FROM archive_backed ab JOIN c ON c.id = ab.id
    WHERE c.type <> 'data_transfer_package'
       OR (
            -- a bundle copy: no unfinished transfer from here, no unfinished unpack here (rule 3)
            NOT EXISTS (
                SELECT 1 FROM data_transfer t
                WHERE t.data_transfer_package_id = c.data_transfer_package_id
                  AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                    OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
            -- nor a copy a route's leg starts from, until the route's destination has it (rule 6)
            AND NOT EXISTS (
                SELECT 1 FROM data_transfer_package d
                JOIN data_location origin ON origin.id = d.origin_location_id
                JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
                WHERE d.id = c.data_transfer_package_id
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
            WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = c.raw_data_package_id
              AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
              AND al.location_type = 'long_term_archive')
      AND EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.raw_data_package_id
              AND j.destination_location_id = c.data_location_id AND j.status = 'completed')
      AND NOT EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.raw_data_package_id
              AND j.destination_location_id = c.data_location_id
              AND (j.status IN ('pending', 'scheduled', 'in_progress')
                   OR (j.status = 'completed' AND (j.retention_until IS NULL OR j.retention_until > now()))))
$$;

-- Lock, FOR SHARE and in id order, the long-term-archive copies the verdict on copies `ids`
-- rests on: a concurrent withdrawal of one of them (lost, corrupt, verification withdrawn)
-- finishes first and is seen, or waits until this transaction ends.
CREATE OR REPLACE FUNCTION opsdb_lock_deletion_backing(ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      -- the packages, once (an InitPlan), then one index probe per package
      AND a.raw_data_package_id = ANY(ARRAY(
            SELECT pc.raw_data_package_id FROM physical_copy pc
            WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_package'
            UNION
            SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
            WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_file'
            UNION
            SELECT p.id FROM physical_copy pc
            JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
            WHERE pc.id = ANY(ids) AND pc.type = 'data_transfer_package'))
    ORDER BY a.id
    FOR SHARE OF a;
END;
$$;

-- The rule as deleters apply it: lock the backing first, then judge on a fresh snapshot (each
-- statement of a VOLATILE function takes one in READ COMMITTED) that includes any withdrawal
-- committed while this waited.
CREATE OR REPLACE FUNCTION opsdb_deletable_locked(ids bigint[]) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM opsdb_lock_deletion_backing(ids);
    RETURN QUERY SELECT d FROM opsdb_deletable(ids) AS d;
END;
$$;

-- The per-copy judge of the generic claim (opsdb/work.py) uses the same locks and rule.
CREATE OR REPLACE FUNCTION opsdb_claim_deletable(copy_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM opsdb_deletable_locked(ARRAY[copy_id]));
END;
$$;

-- -- the file-copy queue ----------------------------------------------------------------------

-- (archived package, source or buffer location) pairs that may still hold present (or
-- deletion_possible) file copies there. Filled by triggers; pruned by scheduling once a pair
-- holds none. Candidates start here: their cost follows the copies still to delete, not the
-- copies ever recorded.
CREATE TABLE IF NOT EXISTS deletion_file_queue (
    raw_data_package_id bigint NOT NULL,
    data_location_id    bigint NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (raw_data_package_id, data_location_id)
);
REVOKE ALL ON deletion_file_queue FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_writer', 'opsdb_access_admin', 'opsdb_reader'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON deletion_file_queue FROM %I', r);
            EXECUTE format('GRANT SELECT ON deletion_file_queue TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- Queue the pairs of packages `package_ids` that hold present or deletion_possible file copies
-- at a source or buffer location, when the package is archived.
CREATE OR REPLACE FUNCTION opsdb_queue_file_deletions(package_ids bigint[]) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT p.id, c.data_location_id
    FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE p.id = ANY(package_ids) AND p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
$$;

CREATE OR REPLACE FUNCTION opsdb_queue_archived_package() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER raw_data_package_archived_queue AFTER UPDATE OF state ON raw_data_package
    FOR EACH ROW WHEN (NEW.state = 'archived' AND OLD.state <> 'archived')
    EXECUTE FUNCTION opsdb_queue_archived_package();
CREATE OR REPLACE TRIGGER raw_data_package_archived_insert_queue AFTER INSERT ON raw_data_package
    FOR EACH ROW WHEN (NEW.state = 'archived')
    EXECUTE FUNCTION opsdb_queue_archived_package();

-- files put into an (already archived) package
CREATE OR REPLACE FUNCTION opsdb_queue_packaged_files() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY(
        SELECT DISTINCT n.raw_data_package_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL));
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER raw_data_file_packaged_queue AFTER UPDATE ON raw_data_file
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_queue_packaged_files();

-- -- the guard --------------------------------------------------------------------------------

-- After every UPDATE of physical_copy: copies entering deletion_in_progress (claim, lease
-- takeover) or deleted (completion) are re-judged under lock; a copy being deleted may only
-- go on to deleted, back to deletion_scheduled (a failure with attempts left), to
-- deletion_failed or to lost. File copies back to present or deletion_possible re-enter the
-- queue.
CREATE OR REPLACE FUNCTION opsdb_guard_deletion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    bad bigint[];
    judged bigint[];
    requeue boolean;
    refused record;
BEGIN
    -- one pass over the statement's rows sorts them out
    SELECT array_agg(n.id ORDER BY n.id) FILTER (
               WHERE o.status = 'deletion_in_progress'
                 AND n.status NOT IN ('deletion_in_progress', 'deleted', 'deletion_scheduled', 'deletion_failed', 'lost')),
           array_agg(n.id ORDER BY n.id) FILTER (
               WHERE (n.status = 'deletion_in_progress'
                      AND (o.status <> 'deletion_in_progress' OR o.claim_token IS DISTINCT FROM n.claim_token))
                  OR (n.status = 'deleted' AND o.status <> 'deleted')),
           bool_or(n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
                   AND o.status NOT IN ('present', 'deletion_possible'))
      INTO bad, judged, requeue
    FROM new_rows n JOIN old_rows o ON o.id = n.id;

    -- an owner's explicit repair (0015: opsdb.repair) moves copies outside the rules, recorded
    IF (bad IS NOT NULL OR judged IS NOT NULL) AND NOT opsdb_repairing(TG_RELID) THEN
        IF bad IS NOT NULL THEN
            SELECT n.id, n.status INTO refused FROM new_rows n WHERE n.id = bad[1];
            RAISE EXCEPTION 'physical_copy %: being deleted, it cannot become % (retry once the deletion has finished)',
                refused.id, refused.status
                USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status';
        END IF;
        PERFORM opsdb_lock_deletion_backing(judged);
        SELECT n.id, o.status AS old_status, n.status AS new_status INTO refused
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.id = ANY(judged) AND n.id NOT IN (SELECT d FROM opsdb_deletable(judged) AS d)
        ORDER BY n.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'physical_copy %: deletion refused (% -> %): the safe-deletion rule does not hold',
                refused.id, refused.old_status, refused.new_status
                USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status',
                      HINT = 'do not remove its bytes; if they are gone already, mark the copy lost';
        END IF;
    END IF;

    IF requeue THEN
        INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
        SELECT DISTINCT f.raw_data_package_id, n.data_location_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN raw_data_file f ON f.id = n.raw_data_file_id
        JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
        JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
        WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
          AND o.status NOT IN ('present', 'deletion_possible')
        ORDER BY 1, 2
        ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at;
    END IF;
    RETURN NULL;
END;
$$;
-- named to fire after 0015's physical_copy_state_updated (triggers fire in name order): a
-- forbidden transition is reported as such before the rule is judged
CREATE OR REPLACE TRIGGER physical_copy_transition_deletion_rule AFTER UPDATE ON physical_copy
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_guard_deletion();

-- -- candidates and scheduling ----------------------------------------------------------------

-- One pass over what may be deleted: candidate copies (id), at most max_rows, and the queue
-- pairs found settled (no present or deletion_possible file copy left there; id NULL).
-- Package and bundle copies come from the (location, status) index of non-file copies; file
-- copies from the queue, in key order and in growing chunks: a chunk's pairs are judged first, and only
-- the files of allowed pairs are read, until max_rows copies are found.
CREATE OR REPLACE FUNCTION opsdb_deletion_scan(locations bigint[], max_rows integer)
RETURNS TABLE (id bigint, settled_package_id bigint, settled_location_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
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
    -- package and bundle copies at sources and buffers, staged copies at processing locations
    RETURN QUERY
        SELECT d, NULL::bigint, NULL::bigint
        FROM opsdb_deletable(ARRAY(
            -- per location, one range of the (location, status) index of non-file copies: never
            -- the archive copies, which stay present forever
            SELECT c.id FROM data_location l
            CROSS JOIN LATERAL (
                SELECT pc.id FROM physical_copy pc
                WHERE pc.data_location_id = l.id AND pc.type <> 'raw_data_file'
                  AND pc.status = CASE WHEN l.location_type = 'processing' THEN 'staged' ELSE 'present' END
                  AND (l.location_type <> 'processing' OR pc.type = 'raw_data_package')) c
            WHERE l.location_type IN ('source', 'buffer', 'processing')
              AND (locations IS NULL OR l.id = ANY(locations)))) AS d
        ORDER BY d
        LIMIT wanted;
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
                SELECT u.package_id, u.location_id, u.n
                FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
                LEFT JOIN blocked b ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id
                WHERE b.raw_data_package_id IS NULL
                ORDER BY u.n
            )
            SELECT fc.id, NULL::bigint, NULL::bigint
            FROM allowed a
            CROSS JOIN LATERAL (
                SELECT c.id FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = a.location_id
                WHERE f.raw_data_package_id = a.package_id AND c.status IN ('present', 'deletion_possible')) fc
            LIMIT wanted;
        GET DIAGNOSTICS found_rows = ROW_COUNT;
        wanted := wanted - found_rows;
        -- settled pairs: nothing left to delete there, whatever the rule says
        RETURN QUERY
            SELECT NULL::bigint, u.package_id, u.location_id
            FROM unnest(pkgs, locs) AS u(package_id, location_id)
            WHERE NOT EXISTS (
                SELECT 1 FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = u.location_id
                WHERE f.raw_data_package_id = u.package_id AND c.status IN ('present', 'deletion_possible'));
        chunk := least(chunk * 2, 1024);
    END LOOP;
END;
$$;

-- Copies the rule allows to delete now, at most max_rows (NULL locations = any).
CREATE OR REPLACE FUNCTION opsdb_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT s.id FROM opsdb_deletion_scan(locations, max_rows) s WHERE s.id IS NOT NULL
$$;

-- Schedule up to max_rows copies the rule allows (present, deletion_possible or staged ->
-- deletion_scheduled, due now; rows another session holds are skipped) and prune settled
-- queue pairs; returns the copies scheduled. A pair is pruned under its row lock and re-checked
-- on a fresh snapshot, so a file copy put back to present meanwhile (whose trigger touches the
-- pair) keeps it.
CREATE OR REPLACE FUNCTION opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
DECLARE
    candidate bigint[];
    pkgs bigint[];
    locs bigint[];
BEGIN
    SELECT array_agg(s.id ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL),
           array_agg(s.settled_package_id) FILTER (WHERE s.id IS NULL),
           array_agg(s.settled_location_id) FILTER (WHERE s.id IS NULL)
      INTO candidate, pkgs, locs
    FROM opsdb_deletion_scan(locations, max_rows) s;
    IF pkgs IS NOT NULL THEN
        PERFORM 1 FROM deletion_file_queue q JOIN unnest(pkgs, locs) AS u(p, l)
            ON q.raw_data_package_id = u.p AND q.data_location_id = u.l
        ORDER BY q.raw_data_package_id, q.data_location_id
        FOR UPDATE OF q;
        DELETE FROM deletion_file_queue q USING unnest(pkgs, locs) AS u(p, l)
        WHERE q.raw_data_package_id = u.p AND q.data_location_id = u.l
          AND NOT EXISTS (
                SELECT 1 FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = u.l
                WHERE f.raw_data_package_id = u.p AND c.status IN ('present', 'deletion_possible'));
    END IF;
    IF candidate IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        WITH locked AS (
            SELECT c.id FROM physical_copy c
            WHERE c.id = ANY(candidate) AND c.status IN ('present', 'deletion_possible', 'staged')
            ORDER BY c.id
            FOR UPDATE OF c SKIP LOCKED
        )
        UPDATE physical_copy c
        SET status = 'deletion_scheduled', next_attempt_at = now(), attempts = 0, last_error = NULL,
            claimed_by = NULL, claim_token = NULL, lease_until = NULL
        FROM locked
        WHERE c.id = locked.id
        RETURNING c.id;
END;
$$;

-- -- the last go/no-go -----------------------------------------------------------------------

-- A deleter's last check before removing bytes: lock its claimed copy (FOR UPDATE: a staging
-- job for it, or a withdrawal of the copy itself, waits), then the backing, then judge.
-- 'go': remove (the locks hold until the caller's transaction ends); 'lost': the claim is no
-- longer the caller's; 'refused': the rule no longer holds, and the copy went back to the
-- queue (deletion_scheduled, due in a minute) with the reason in last_error.
CREATE OR REPLACE FUNCTION opsdb_confirm_deletion(copy_id bigint, token uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM 1 FROM physical_copy c
    WHERE c.id = copy_id AND c.claim_token = token AND c.status = 'deletion_in_progress'
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'lost';
    END IF;
    IF EXISTS (SELECT 1 FROM opsdb_deletable_locked(ARRAY[copy_id])) THEN
        RETURN 'go';
    END IF;
    UPDATE physical_copy c
    SET status = 'deletion_scheduled', next_attempt_at = now() + interval '60 seconds',
        claim_token = NULL, lease_until = NULL,
        last_error = 'refused at confirmation: the safe-deletion rule no longer held'
    WHERE c.id = copy_id;
    RETURN 'refused';
END;
$$;

-- -- evidence ----------------------------------------------------------------------------------

-- The checksum verification of copy `copy_id` no longer holds: checksum_verified_at back to
-- NULL, and a row in state_history (0015; not a status change, so no trigger records it).
-- Waits for deleters holding the copy (FOR SHARE). Returns the withdrawn verification time and
-- when the change took its lock; no row when the copy was not verified.
CREATE OR REPLACE FUNCTION opsdb_withdraw_verification(copy_id bigint)
RETURNS TABLE (previous timestamptz, locked_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
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

-- SECURITY DEFINER functions search this schema, then pg_temp (as 0014 made the others)
DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.prosecdef AND p.pronamespace = current_schema()::regnamespace
          AND p.proname IN ('opsdb_lock_deletion_backing', 'opsdb_deletable_locked', 'opsdb_queue_file_deletions',
                            'opsdb_queue_archived_package', 'opsdb_queue_packaged_files', 'opsdb_guard_deletion',
                            'opsdb_deletion_scan', 'opsdb_schedule_deletions', 'opsdb_confirm_deletion',
                            'opsdb_withdraw_verification')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', fn, current_schema());
    END LOOP;
END
$$;

-- functions that write or lock: not for readers (nor PUBLIC); writers keep them (per-actor
-- roles may narrow this further). Reading the rule (opsdb_deletable, candidates) stays open.
DO $$
DECLARE
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['opsdb_lock_deletion_backing(bigint[])', 'opsdb_deletable_locked(bigint[])',
                              'opsdb_claim_deletable(bigint)', 'opsdb_queue_file_deletions(bigint[])',
                              'opsdb_schedule_deletions(bigint[], integer)', 'opsdb_confirm_deletion(bigint, uuid)',
                              'opsdb_withdraw_verification(bigint)'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_reader') THEN
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM opsdb_reader', fn);
        END IF;
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_writer') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO opsdb_writer', fn);
        END IF;
    END LOOP;
END
$$;

-- the queue starts with what is waiting today
DO $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY(SELECT id FROM raw_data_package WHERE state = 'archived'));
END
$$;
