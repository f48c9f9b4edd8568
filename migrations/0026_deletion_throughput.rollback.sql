-- Back to 0024: 0023's state trigger, 0019's and 0024's copy counters, 0006's touch trigger, 0019's queue index,
-- 0021's claim and schedule functions.

CREATE OR REPLACE FUNCTION physical_copy_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'physical_copy_status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'physical_copy', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('physical_copy', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- one set-based join per statement (a registration batch), not a lookup per row
    INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
    SELECT n.data_location_id, n.type, n.status, count(*),
           coalesce(sum(coalesce(f.size_bytes, p.size_bytes, b.size_bytes)), 0)
    FROM new_copies n
    LEFT JOIN raw_data_file f ON n.type = 'raw_data_file' AND f.id = n.raw_data_file_id
    LEFT JOIN raw_data_package p ON n.type = 'raw_data_package' AND p.id = n.raw_data_package_id
    LEFT JOIN data_transfer_package b ON n.type = 'data_transfer_package' AND b.id = n.data_transfer_package_id
    GROUP BY 1, 2, 3;
    IF EXISTS (SELECT FROM new_copies WHERE type = 'raw_data_package') THEN
        INSERT INTO package_copy_delta (raw_data_package_id, verified)
        SELECT n.raw_data_package_id, count(*) FROM new_copies n
        WHERE n.type = 'raw_data_package' AND n.status IN ('present', 'staged') AND n.checksum_verified_at IS NOT NULL
        GROUP BY 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER physical_copy_touch BEFORE UPDATE ON physical_copy FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();

CREATE INDEX IF NOT EXISTS physical_copy_deletion_queue_idx ON physical_copy (data_location_id, updated_at)
    WHERE status IN ('deletion_scheduled', 'deletion_in_progress');

CREATE OR REPLACE FUNCTION opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[],
                                                 lease_seconds double precision)
RETURNS SETOF physical_copy
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    capped boolean := EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = 'physical_copy_deletion');
    full_locations bigint[] := '{}';
    window_ids bigint[];
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
    window_ids := ARRAY(
        SELECT w.id FROM (
            SELECT t.id FROM physical_copy t
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
        ORDER BY w.id);
    IF cardinality(window_ids) = 0 THEN
        RETURN;
    END IF;

    allowed := ARRAY(SELECT d FROM opsdb_deletable_locked(window_ids) AS d);

    UPDATE physical_copy t
    SET next_attempt_at = clock_timestamp() + interval '60 seconds',
        status = CASE WHEN t.status = 'deletion_in_progress' THEN 'deletion_failed' ELSE t.status END,
        last_error = CASE WHEN t.status = 'deletion_in_progress'
            THEN 'lease of ' || t.claimed_by || ' expired mid-deletion and the safe-deletion rule no longer holds: '
                 || 'its bytes may be partly removed; check the copy, then reset it or mark it lost or corrupt'
            ELSE t.last_error END,
        claim_token = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.claim_token END,
        lease_until = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.lease_until END
    WHERE t.id = ANY(window_ids) AND NOT t.id = ANY(allowed);

    chosen := ARRAY(
        WITH judged AS (
            SELECT t.id, t.data_location_id AS location_id, t.status = 'deletion_in_progress' AS takeover,
                   opsdb_work_order(t.next_attempt_at, t.priority) AS rank_key
            FROM physical_copy t WHERE t.id = ANY(allowed)
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
                                       ELSE clock_timestamp() + make_interval(secs => lease_seconds) END
            WHERE t.id = ANY(chosen)
            RETURNING t.*
        )
        SELECT * FROM claimed c WHERE c.status = 'deletion_in_progress' ORDER BY c.id;
    DELETE FROM deletion_claim_verdict v WHERE v.copy_id = ANY(chosen);
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
            claimed_by = NULL, claim_token = NULL, lease_until = NULL,
            -- the location's priority, set here for the whole batch (the trigger below then
            -- finds nothing to correct)
            priority = LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
        FROM locked, data_location l
        WHERE c.id = locked.id AND l.id = c.data_location_id
        RETURNING c.id;
END;
$$;
