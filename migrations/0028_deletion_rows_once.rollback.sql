-- Back to 0026: the rule, the backing's locks, the copy counters, the claim, the scan, the schedule, the
-- deletion guard and the batch confirmation as 0026 left them (their definitions as sql/schema.sql had
-- them at 0026), then what 0028 added.

CREATE OR REPLACE FUNCTION public.opsdb_deletable(ids bigint[]) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    WITH c AS (
        SELECT pc.id, pc.type, pc.raw_data_file_id, pc.raw_data_package_id, pc.data_transfer_package_id,
               pc.data_location_id, l.location_type, l.site_id
        FROM physical_copy pc
        JOIN data_location l ON l.id = pc.data_location_id
        WHERE pc.id = ANY(ids)
    ),
    -- every (copy, package it holds) of the source and buffer copies (rule 1)
    held AS (
        SELECT c.id, c.raw_data_package_id AS package_id, c.data_location_id, c.type, c.data_transfer_package_id,
               c.site_id
        FROM c
        WHERE c.type = 'raw_data_package' AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, f.raw_data_package_id, c.data_location_id, c.type, c.data_transfer_package_id, c.site_id
        FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file' AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, p.id, c.data_location_id, c.type, c.data_transfer_package_id, c.site_id
        FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
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
        SELECT h.id, h.type, h.data_transfer_package_id, h.data_location_id, h.site_id FROM held h
        LEFT JOIN blocked b ON b.raw_data_package_id = h.package_id AND b.data_location_id = h.data_location_id
        GROUP BY h.id, h.type, h.data_transfer_package_id, h.data_location_id, h.site_id
        HAVING bool_and(h.package_id IS NOT NULL AND b.raw_data_package_id IS NULL)
    )
    SELECT c.id FROM archive_backed c
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

CREATE OR REPLACE FUNCTION public.opsdb_lock_deletion_backing(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

CREATE OR REPLACE FUNCTION public.opsdb_copy_deltas_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither)
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.c * v.size)
        FROM (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   n.raw_data_file_id AS nfile, n.raw_data_package_id AS npkg, n.data_transfer_package_id AS nbundle,
                   coalesce(CASE n.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
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
$_$;

CREATE OR REPLACE FUNCTION public.opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[], lease_seconds double precision) RETURNS SETOF public.physical_copy
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    capped boolean := EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = 'physical_copy_deletion');
    full_locations bigint[] := '{}';
    window_ids bigint[];
    window_locations bigint[];
    window_takeovers boolean[];
    window_ranks timestamptz[];
    allowed bigint[];
    chosen bigint[];
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
    -- the window, locked, with what the ranking below needs: read once, under the row locks
    -- (the copies cannot change until this transaction ends; the refusal below moves only
    -- copies that are not judged again)
    SELECT array_agg(w.id ORDER BY w.id), array_agg(w.data_location_id ORDER BY w.id),
           array_agg(w.status = 'deletion_in_progress' ORDER BY w.id), array_agg(w.rank_key ORDER BY w.id)
      INTO window_ids, window_locations, window_takeovers, window_ranks
    FROM (
        SELECT t.id, t.data_location_id, t.status, opsdb_work_order(t.next_attempt_at, t.priority) AS rank_key
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
        FOR UPDATE OF t SKIP LOCKED) w;
    IF coalesce(cardinality(window_ids), 0) = 0 THEN
        RETURN;
    END IF;

    allowed := ARRAY(SELECT d FROM opsdb_deletable_locked(window_ids) AS d);

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

    chosen := ARRAY(
        WITH judged AS (
            SELECT w.id, w.location_id, w.takeover, w.rank_key
            FROM unnest(window_ids, window_locations, window_takeovers, window_ranks)
                 AS w(id, location_id, takeover, rank_key)
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
        SELECT r.id FROM ranked r LEFT JOIN rooms here ON here.location_id = r.location_id
        WHERE r.takeover OR here.location_id IS NULL OR r.nth_here <= here.items
        ORDER BY r.rank_key, r.id
        LIMIT max_rows);
    IF cardinality(chosen) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO deletion_claim_verdict (copy_id) SELECT unnest(chosen);
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
END;
$$;

CREATE OR REPLACE FUNCTION public.opsdb_deletion_scan(locations bigint[], max_rows integer) RETURNS TABLE(id bigint, settled_package_id bigint, settled_location_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

CREATE OR REPLACE FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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
            claimed_by = NULL, claim_token = NULL, lease_until = NULL, updated_at = now(),
            -- the location's priority, set here for the whole batch (the trigger below then
            -- finds nothing to correct)
            priority = LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
        FROM locked, data_location l
        WHERE c.id = locked.id AND l.id = c.data_location_id
        RETURNING c.id;
END;
$$;

CREATE OR REPLACE FUNCTION public.opsdb_guard_deletion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    bad bigint[];
    entering bigint[];
    finishing bigint[];
    judged bigint[];
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
            PERFORM opsdb_lock_deletion_backing(judged);
            SELECT n.id, n.status AS new_status INTO refused
            FROM new_rows n
            WHERE n.id = ANY(judged) AND n.id NOT IN (SELECT d FROM opsdb_deletable(judged) AS d)
            ORDER BY n.id LIMIT 1;
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

CREATE OR REPLACE FUNCTION public.opsdb_confirm_deletions(ids bigint[], tokens uuid[]) RETURNS TABLE(copy_id bigint, verdict text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    held bigint[];
    ok bigint[];
BEGIN
    held := ARRAY(
        SELECT c.id FROM physical_copy c JOIN unnest(ids, tokens) AS u(id, token) ON c.id = u.id AND c.claim_token = u.token
        WHERE c.status = 'deletion_in_progress'
        ORDER BY c.id
        FOR UPDATE OF c);
    ok := ARRAY(SELECT d FROM opsdb_deletable_locked(held) AS d);
    UPDATE physical_copy c
    SET status = 'deletion_scheduled', next_attempt_at = clock_timestamp() + interval '60 seconds',
        claim_token = NULL, lease_until = NULL,
        last_error = 'refused at confirmation: the safe-deletion rule no longer held'
    WHERE c.id = ANY(held) AND NOT c.id = ANY(ok);
    RETURN QUERY
        SELECT u.id, CASE WHEN u.id = ANY(ok) THEN 'go' WHEN u.id = ANY(held) THEN 'refused' ELSE 'lost' END
        FROM unnest(ids) WITH ORDINALITY AS u(id, n)
        ORDER BY u.n;
END;
$$;

DROP FUNCTION IF EXISTS opsdb_deletion_pair_copies(bigint[], bigint[], integer);
DROP FUNCTION IF EXISTS opsdb_deletion_scan_items(bigint[], integer);
DROP FUNCTION IF EXISTS opsdb_lock_package_backing(bigint[]);
DROP FUNCTION IF EXISTS opsdb_deletable_rows(bigint[], text[], bigint[], bigint[], bigint[]);
DROP TABLE IF EXISTS copy_size_hint;
