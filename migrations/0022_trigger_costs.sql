-- Cheaper triggers on physical_copy for claims, completions and deletions (issue 13), with
-- the same guarantees (docs/performance.md, "Trigger costs"):
--
-- 1. Early exits. PostgreSQL fires the AFTER UPDATE statement triggers of physical_copy for
--    every INSERT ... ON CONFLICT DO UPDATE (a work completion's effect), even when no row
--    conflicted, with empty transition tables: the copy counters, the priority fix-up and the
--    deletion guard planned and ran their joins (EXECUTE) for nothing. Each now first asks
--    whether any row of the statement can concern it (a cheap scan of the transition table,
--    a cached plan) and returns at once when none does; otherwise it runs as in 0021.
-- 2. The actor check of copy updates (0017's opsdb_actor_physical_copy_update) is one
--    statement trigger over the transition tables instead of a PL/pgSQL call per row: the
--    owner (its SECURITY DEFINER paths: scheduling, claims, confirmations) passes after one
--    membership test per statement; any other role is judged set-based with exactly 0017's
--    rules, refusals and messages (the first refused copy in id order; the statement writes
--    nothing). Being an AFTER trigger, it runs after the per-row CHECK constraints: an update
--    that is both forbidden to its role and breaks a CHECK now fails with the CHECK's error.
-- 3. opsdb_deletable (0016) carries each copy's columns through its archive-backed branch
--    instead of joining that branch back to the copies: the planner, misled by the CTEs'
--    estimates (6 rows for 1,000), made the join a nested loop of 1,000 x 1,000 per claim of
--    1,000 (273 of opsdb_deletable's 294 ms; about half of a claim's time). Same rules, same
--    answer.
-- 4. opsdb_work_order (0020) computes the same instants with immutable operators only
--    (timestamptz - interval is STABLE in PostgreSQL, so the IMMUTABLE SQL function was never
--    inlined: one SQL-function call per row for every claim's order and every work index
--    entry, ~1.1 us against ~0.2 us inlined). Subtracting a pure seconds interval from the
--    UTC wall-clock time is the same instant whatever the session's time zone, so the work
--    indexes of 0020 hold exactly the values the new body computes: they stay valid and are
--    not rebuilt (tests/test_trigger_costs.py compares both bodies over time zones and
--    priorities).
-- depends: 0021_deletion_speed

-- -- 1. early exits --------------------------------------------------------------------------

-- 0021's copy counters; nothing to count when the statement updated no copy.
CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither)
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT m.loc, m.t, m.s, sum(m.c),
               sum(m.c * coalesce(CASE m.t WHEN 'raw_data_file' THEN f.size_bytes
                                           WHEN 'raw_data_package' THEN p.size_bytes
                                           ELSE b.size_bytes END, 0))
        FROM (
            SELECT v.* FROM old_copies o JOIN new_copies n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                (o.data_location_id, o.type, o.status, -1, o.raw_data_file_id, o.raw_data_package_id,
                 o.data_transfer_package_id),
                (n.data_location_id, n.type, n.status, 1, n.raw_data_file_id, n.raw_data_package_id,
                 n.data_transfer_package_id)) AS v (loc, t, s, c, file_id, package_id, bundle_id)
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
        ) m
        LEFT JOIN raw_data_file f ON m.t = 'raw_data_file' AND f.id = m.file_id
        LEFT JOIN raw_data_package p ON m.t = 'raw_data_package' AND p.id = m.package_id
        LEFT JOIN data_transfer_package b ON m.t NOT IN ('raw_data_file', 'raw_data_package') AND b.id = m.bundle_id
        GROUP BY 1, 2, 3
        HAVING sum(m.c) <> 0
            OR sum(m.c * coalesce(CASE m.t WHEN 'raw_data_file' THEN f.size_bytes
                                           WHEN 'raw_data_package' THEN p.size_bytes
                                           ELSE b.size_bytes END, 0)) <> 0
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

-- 0021's priority fix-up; only copies now deletion_scheduled can need it.
CREATE OR REPLACE FUNCTION opsdb_deletion_priority_fixup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    wrong bigint[];
    wanted integer[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.status = 'deletion_scheduled') THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        SELECT array_agg(n.id ORDER BY n.id), array_agg(LEAST(100, GREATEST(-100, coalesce(l.priority, 0))) ORDER BY n.id)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN data_location l ON l.id = n.data_location_id
        WHERE n.status = 'deletion_scheduled' AND o.status NOT IN ('deletion_scheduled', 'deletion_in_progress')
          AND n.priority <> LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
    $q$ INTO wrong, wanted;
    -- only when there is something to correct: the correction fires this trigger again, and
    -- finds nothing
    IF wrong IS NOT NULL THEN
        UPDATE physical_copy c SET priority = u.priority
        FROM unnest(wrong, wanted) AS u(id, priority)
        WHERE c.id = u.id;
    END IF;
    RETURN NULL;
END;
$$;

-- 0021's deletion guard. It judges only rows that were deletion_in_progress, or that are now
-- deletion_in_progress or deleted, and requeues only file copies now present or
-- deletion_possible: a statement with none of these (a completion's insert, scheduling,
-- cancelling, counters) has nothing to judge.
CREATE OR REPLACE FUNCTION opsdb_guard_deletion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
$$;

-- -- 2. the actor check of copy updates, once per statement ----------------------------------

-- 0017's opsdb_actor_check_copy_update, judged over the statement's rows: for each copy whose
-- status, verification, or what or where it holds changed (0017's WHEN clause), in this order:
-- * what it holds or where changed: only the owner;
-- * status changed into a deletion state: only the deletion daemon;
--   status changed out of deletion_scheduled, deletion_possible or deletion_failed by the
--   deletion daemon, verification unchanged: allowed (a cancelled deletion);
--   status changed to staged: only the staging daemon;
--   any other status change: as placing the copy (below);
-- * verification changed, or the status change above: only an actor that may place a copy of
--   this type at this kind of location (opsdb_actor_may_place).
-- The first refused copy (lowest id) raises 0017's refusal (42501, same message and hint); the
-- statement then writes nothing. The owner and superusers pass (SECURITY DEFINER paths).
CREATE OR REPLACE FUNCTION opsdb_actor_check_copy_updates() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    refused record;
BEGIN
    -- (an INSERT ... ON CONFLICT DO UPDATE that only inserted fires this with no rows)
    IF NOT EXISTS (SELECT 1 FROM opsdb_actor_new_rows) OR opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        WITH changed AS (
            SELECT n.id, n.type, n.status AS new_status, n.data_location_id,
                   (n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id, n.data_location_id)
                       IS DISTINCT FROM
                   (o.type, o.raw_data_file_id, o.raw_data_package_id, o.data_transfer_package_id, o.data_location_id)
                       AS moved,
                   n.status IS DISTINCT FROM o.status AS status_changed,
                   n.checksum_verified_at IS DISTINCT FROM o.checksum_verified_at AS verified_changed,
                   o.status AS old_status
            FROM opsdb_actor_new_rows n JOIN opsdb_actor_old_rows o ON o.id = n.id
        ),
        sorted AS (
            SELECT c.*,
                   CASE WHEN NOT c.status_changed THEN NULL
                        WHEN c.new_status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible',
                                              'deleted', 'deletion_failed')
                            THEN CASE WHEN NOT $1 THEN 'deletion' END
                        WHEN c.old_status IN ('deletion_scheduled', 'deletion_possible', 'deletion_failed') AND $1
                             AND NOT c.verified_changed THEN NULL
                        WHEN c.new_status = 'staged' THEN CASE WHEN NOT $2 THEN 'staged' END
                        ELSE 'place'
                   END AS status_rule
            FROM changed c
            WHERE c.moved OR c.status_changed OR c.verified_changed
        ),
        placements AS (
            SELECT DISTINCT l.location_type, s.type, s.data_location_id
            FROM sorted s LEFT JOIN data_location l ON l.id = s.data_location_id
            WHERE NOT s.moved AND s.status_rule IS DISTINCT FROM 'deletion' AND s.status_rule IS DISTINCT FROM 'staged'
              AND (s.status_rule = 'place' OR s.verified_changed)
        ),
        placed AS (
            SELECT p.*, opsdb_actor_may_place(p.location_type, p.type, $3) AS allowed FROM placements p
        )
        SELECT s.id, s.new_status,
               CASE WHEN s.moved THEN 'moved' WHEN s.status_rule IN ('deletion', 'staged') THEN s.status_rule
                    ELSE 'place' END AS rule,
               p.location_type
        FROM sorted s LEFT JOIN placed p ON p.data_location_id = s.data_location_id AND p.type = s.type
        WHERE s.moved OR s.status_rule IN ('deletion', 'staged') OR p.allowed IS FALSE
        ORDER BY s.id
        LIMIT 1
    $q$ INTO refused
    USING opsdb_actor_is('opsdb_deletion_daemon', TG_RELID), opsdb_actor_is('opsdb_staging_daemon', TG_RELID),
          TG_RELID;
    IF refused.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF refused.rule = 'moved' THEN
        PERFORM opsdb_actor_refuse(format('change what physical_copy %s holds or where', refused.id), 'the owner');
    ELSIF refused.rule = 'deletion' THEN
        PERFORM opsdb_actor_refuse(format('move physical_copy %s to %s', refused.id, refused.new_status),
                                   'opsdb_deletion_daemon');
    ELSIF refused.rule = 'staged' THEN
        PERFORM opsdb_actor_refuse(format('move physical_copy %s to staged', refused.id), 'opsdb_staging_daemon');
    ELSE
        PERFORM opsdb_actor_refuse(
            format('change the status or verification of physical_copy %s at %s location %s', refused.id,
                   refused.location_type, (SELECT n.data_location_id FROM opsdb_actor_new_rows n WHERE n.id = refused.id)),
            CASE refused.location_type WHEN 'long_term_archive' THEN 'opsdb_archive_daemon'
                 WHEN 'processing' THEN 'opsdb_staging_daemon'
                 WHEN 'source' THEN 'opsdb_instrument (file copies) and opsdb_packager'
                 ELSE 'opsdb_packager and opsdb_transfer_daemon' END);
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION opsdb_actor_check_copy_updates() FROM PUBLIC;

DROP TRIGGER IF EXISTS opsdb_actor_physical_copy_update ON physical_copy;
-- (named so it fires first among physical_copy's AFTER UPDATE statement triggers)
CREATE TRIGGER opsdb_actor_physical_copy_update AFTER UPDATE ON physical_copy
    REFERENCING OLD TABLE AS opsdb_actor_old_rows NEW TABLE AS opsdb_actor_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_actor_check_copy_updates();

-- -- 3. the safe-deletion rule without a quadratic join --------------------------------------

-- 0016's text; only the archive-backed branch's shape changed (see the header).
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

-- -- 4. the claim order, inlinable -------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_work_order(due timestamptz, priority integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT timezone('UTC', timezone('UTC', due) - make_interval(secs => priority * 300))
$$;
