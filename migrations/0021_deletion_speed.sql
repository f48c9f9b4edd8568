-- Deletion at the speed of its statements (issue 13), claims that honour priorities and caps
-- (issue 16), docs/workflows.md "What the database guarantees about deletion":
--
-- 1. Statement triggers on physical_copy plan their join of the transition tables for the
--    statement at hand (EXECUTE). A static query in a PL/pgSQL trigger keeps the plan of its
--    first call: a first small statement left a nested loop that cost O(rows^2) for every
--    later batch of 1,000 (the deletion guard; the copy counters of 0019, which also looked
--    each copy's size up through a SQL function call per row).
-- 2. One NOTIFY hint per statement that makes deletions due, instead of one trigger call per
--    row (0009's physical_copy_deletion_notify).
-- 3. Claims are one SECURITY DEFINER function, opsdb_claim_deletions: the due window in
--    priority order (opsdb_work_order, 0020), full caps skipped, judged set-based under the
--    backing's locks, the exact cap room counted (opsdb_work_cap_room), then claimed. It
--    records the copies it judged in deletion_claim_verdict, a table only the owner writes
--    and that is empty outside this function; the deletion guard accepts those copies
--    entering deletion_in_progress without judging them again, and judges everything else as
--    before (every other statement, every role, completions always).
-- depends: 0020_work_steering

-- -- 1. the verdicts a claim hands to the guard -------------------------------------------------

-- Copies opsdb_claim_deletions judged allowed, under the backing's locks, for the UPDATE it runs
-- next; it deletes them again before it returns, so the table is empty at every commit.
CREATE UNLOGGED TABLE IF NOT EXISTS deletion_claim_verdict (
    copy_id bigint PRIMARY KEY
);
REVOKE ALL ON deletion_claim_verdict FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_writer', 'opsdb_access_admin', 'opsdb_reader', 'opsdb_instrument',
                             'opsdb_packager', 'opsdb_transfer_daemon', 'opsdb_archive_daemon',
                             'opsdb_staging_daemon', 'opsdb_deletion_daemon', 'opsdb_operator'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON deletion_claim_verdict FROM %I', r);
        END IF;
    END LOOP;
    -- reading it is harmless (it is empty at every commit), writing it is the owner's alone
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_reader') THEN
        GRANT SELECT ON deletion_claim_verdict TO opsdb_reader;
    END IF;
END
$$;

-- -- 2. the guard ------------------------------------------------------------------------------

-- After every UPDATE of physical_copy: copies entering deletion_in_progress (claim, lease
-- takeover) or deleted (completion) are re-judged under the backing's locks, except copies
-- entering deletion_in_progress that opsdb_claim_deletions judged in this statement; a copy
-- being deleted may only go on to deleted, back to the queue, deletion_failed or lost; file
-- copies back to present return to the deletion queue.
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

-- The copy counters of 0019, same deltas: the moved rows' join planned per statement, sizes
-- joined set-based (was one opsdb_copy_size call per moved row and side).
CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
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

-- -- 3. one NOTIFY per statement ---------------------------------------------------------------

-- A hint for deletion daemons when a statement made deletions due (the hint may repeat for
-- an UPDATE of copies already scheduled and due: a listener then finds nothing new).
CREATE OR REPLACE FUNCTION opsdb_notify_deletions() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE n.status = 'deletion_scheduled' AND n.next_attempt_at <= now())
       AND pg_notification_queue_usage()
           < coalesce(nullif(current_setting('opsdb.notify_queue_max_usage', true), '')::double precision, 0.5) THEN
        PERFORM pg_notify('opsdb_work', 'physical_copy_deletion');
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS physical_copy_deletion_notify ON physical_copy;
CREATE TRIGGER physical_copy_deletion_notify AFTER UPDATE ON physical_copy
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_notify_deletions();

-- -- 4. the claim --------------------------------------------------------------------------------

-- Claim up to max_rows due deletions for `worker` (locations / sites NULL = any) with a lease of
-- lease_seconds, highest priority first (aged by waiting: opsdb_work_order) and within the
-- caps of work_cap: the window of max_rows + 16 due copies (never archive copies: the lock
-- order of 0016) is locked SKIP LOCKED, judged set-based under the backing's FOR SHARE locks;
-- refused copies step aside a minute (an expired claim the rule no longer allows fails: its
-- bytes may be partly gone); new claims at a capped location fill its room in claim order, a
-- takeover takes none. Returns the copies now deletion_in_progress.
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
REVOKE ALL ON FUNCTION opsdb_claim_deletions(text, integer, bigint[], text[], double precision) FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer', 'opsdb_access_admin'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON FUNCTION opsdb_claim_deletions(text, integer, bigint[], text[], double precision) FROM %I', r);
        END IF;
    END LOOP;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_deletion_daemon') THEN
        GRANT EXECUTE ON FUNCTION opsdb_claim_deletions(text, integer, bigint[], text[], double precision)
            TO opsdb_deletion_daemon;
    END IF;
END
$$;

-- -- 5. the last go/no-go for a batch -------------------------------------------------------------

-- opsdb_confirm_deletion for many claims (ids and tokens, zipped) in one statement: locks the
-- claimed copies (FOR UPDATE, id order), then the backing, judges once; per claim 'go', 'lost'
-- (not the caller's claim any more) or 'refused' (back in the queue, due in a minute).
CREATE OR REPLACE FUNCTION opsdb_confirm_deletions(ids bigint[], tokens uuid[])
RETURNS TABLE (copy_id bigint, verdict text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON FUNCTION opsdb_confirm_deletions(bigint[], uuid[]) FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer', 'opsdb_access_admin'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON FUNCTION opsdb_confirm_deletions(bigint[], uuid[]) FROM %I', r);
        END IF;
    END LOOP;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_deletion_daemon') THEN
        GRANT EXECUTE ON FUNCTION opsdb_confirm_deletions(bigint[], uuid[]) TO opsdb_deletion_daemon;
    END IF;
END
$$;

-- -- 6. a deletion's priority, set per statement ----------------------------------------------

-- Scheduling (as in 0016) sets each copy's priority to its location's, in the same UPDATE.
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


-- A copy entering deletion_scheduled takes its location's priority (0020's rule, unchanged;
-- not when a failed attempt puts it back: an operator's change stays). Was a BEFORE trigger
-- per row; now one statement trigger that corrects only the rows whose statement did not set
-- that priority itself (scheduling does: it pays one join, no second write).
CREATE OR REPLACE FUNCTION opsdb_deletion_priority_fixup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    wrong bigint[];
    wanted integer[];
BEGIN
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
DROP TRIGGER IF EXISTS physical_copy_deletion_priority ON physical_copy;
CREATE TRIGGER physical_copy_deletion_priority AFTER UPDATE ON physical_copy
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_deletion_priority_fixup();
