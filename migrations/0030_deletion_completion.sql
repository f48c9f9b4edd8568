-- Deletion confirmation and completion (issue 13 item 6): the same judgement, planned once per session.
--
-- A deletion's completion (an UPDATE to deleted, judged again by the deletion guard) and its batch
-- confirmation (opsdb_confirm_deletions) each judged the rule with a static statement over
-- opsdb_deletable_rows, an SQL function the planner inlines: some twenty joins, planned again at
-- every call (the plan cache kept choosing a custom plan for the statement's array parameters),
-- ~2.7 ms of planning per call at 200k files, more than the judgement itself (~1.5 ms per 1,000
-- copies). The guard also scanned the statement's rows three times (sort them out, read the judged
-- ones' columns, find a refused one). Now:
--
-- 1. opsdb_deletable_judged(ids, types, packages, bundles, locations): the ids the rule allows, as an
--    array, by the same opsdb_deletable_rows, in a function whose statement runs a generic plan
--    (SET plan_cache_mode = force_generic_plan: planned once per session; the plan does not depend
--    on the arrays' contents, every table the rule reads is reached by an index or is small). It
--    reads on its caller's statement's snapshot (STABLE), which each caller takes after the
--    backing's locks, as before. Only the owner's functions call it.
-- 2. The deletion guard sorts the statement's rows out and reads the judged ones' columns in one
--    pass (the copies a claim function judged in the same statement stay out, as before), probes
--    each file copy's file once for its package (a static statement: no planning per call),
--    takes the backing's locks, judges with (1) and compares counts; only a refusal looks for the
--    copy to name (the smallest refused id, its old and new states, as before). Same refusals,
--    same messages, same requeue, same repair exemption.
-- 3. opsdb_confirm_deletions judges with (1); otherwise unchanged.
--
-- The rule itself (opsdb_deletable_rows), the locks (opsdb_lock_package_backing), the claim, the
-- schedule and the counters are untouched. Equivalence with 0028 (both run over the same rows,
-- rolled back): tests/test_deletion_completion_equivalence.py.
-- depends: 0029_deletion_schedule

-- -- 1. the rule's verdict, planned once per session ----------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_deletable_judged(ids bigint[], types text[], packages bigint[], bundles bigint[],
                                                  locations bigint[])
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN ARRAY(SELECT d FROM opsdb_deletable_rows(ids, types, packages, bundles, locations) AS d);
END;
$$;

REVOKE ALL ON FUNCTION opsdb_deletable_judged(bigint[], text[], bigint[], bigint[], bigint[]) FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    -- the owner's guard and confirmation call it; nobody else needs it (opsdb_deletable_rows is
    -- the rule for whoever may ask)
    FOREACH r IN ARRAY ARRAY['opsdb_writer', 'opsdb_access_admin', 'opsdb_reader', 'opsdb_instrument',
                             'opsdb_packager', 'opsdb_transfer_daemon', 'opsdb_archive_daemon',
                             'opsdb_staging_daemon', 'opsdb_deletion_daemon', 'opsdb_operator'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON FUNCTION opsdb_deletable_judged(bigint[], text[], bigint[], bigint[], bigint[]) FROM %I', r);
        END IF;
    END LOOP;
END
$$;

-- -- 2. the deletion guard ---------------------------------------------------------------------------

-- The deletion guard (0016, 0021, 0022, 0028): copies entering deletion_in_progress (other than the
-- claim's judged ones) or deleted are judged on their rows, read from the statement's new rows in
-- the same pass that sorts them out, under the backing's locks taken by package. Same refusals.
CREATE OR REPLACE FUNCTION opsdb_guard_deletion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    bad bigint[];
    bad_states text[];
    requeue boolean;
    j_ids bigint[];
    j_types text[];
    j_files uuid[];
    j_packages bigint[];
    j_bundles bigint[];
    j_locations bigint[];
    j_old text[];
    j_new text[];
    ok bigint[];
    refused bigint;
    at integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n
                   WHERE n.status IN ('deletion_in_progress', 'deleted')
                      OR (n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')))
       AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.status = 'deletion_in_progress') THEN
        RETURN NULL;
    END IF;
    -- one pass over the statement's rows sorts them out and reads what the rule needs of the judged
    -- ones: entering deletion_in_progress (new, or under another token) unless the claim function
    -- of this statement judged it a moment ago under the same locks (deletion_claim_verdict), or
    -- becoming deleted (EXECUTE: planned for this statement's row count, a hash join for a batch)
    EXECUTE $q$
        WITH s AS (
            SELECT n.id, n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id,
                   n.data_location_id, n.status, o.status AS old_status,
                   o.status = 'deletion_in_progress'
                       AND n.status NOT IN ('deletion_in_progress', 'deleted', 'deletion_scheduled', 'deletion_failed',
                                            'lost') AS bad,
                   (n.status = 'deletion_in_progress'
                       AND (o.status <> 'deletion_in_progress' OR o.claim_token IS DISTINCT FROM n.claim_token)
                       AND NOT EXISTS (SELECT 1 FROM deletion_claim_verdict v WHERE v.copy_id = n.id))
                   OR (n.status = 'deleted' AND o.status <> 'deleted') AS judged,
                   n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
                       AND o.status NOT IN ('present', 'deletion_possible') AS requeue
            FROM new_rows n JOIN old_rows o ON o.id = n.id
        )
        SELECT array_agg(s.id ORDER BY s.id) FILTER (WHERE s.bad),
               array_agg(s.status ORDER BY s.id) FILTER (WHERE s.bad),
               coalesce(bool_or(s.requeue), false),
               array_agg(s.id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.type ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.raw_data_file_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.raw_data_package_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.data_transfer_package_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.data_location_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.old_status ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.status ORDER BY s.id) FILTER (WHERE s.judged)
        FROM s
    $q$ INTO bad, bad_states, requeue, j_ids, j_types, j_files, j_packages, j_bundles, j_locations, j_old, j_new;

    -- an owner's explicit repair (0015: opsdb.repair) moves copies outside the rules, recorded
    IF (bad IS NOT NULL OR j_ids IS NOT NULL) AND NOT opsdb_repairing(TG_RELID) THEN
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'physical_copy %: being deleted, it cannot become % (retry once the deletion has finished)',
                bad[1], bad_states[1]
                USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status';
        END IF;
        IF j_ids IS NOT NULL THEN
            -- each file copy's file probed once for its package (ids in order: the judged rows'
            -- order), then the backing's locks and the rule on a fresh snapshot (the next
            -- statement's), as opsdb_deletable_locked does
            j_packages := ARRAY(
                SELECT CASE WHEN u.type = 'raw_data_file'
                            THEN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = u.file_id)
                            ELSE u.package_id END
                FROM unnest(j_types, j_files, j_packages) WITH ORDINALITY AS u(type, file_id, package_id, n)
                ORDER BY u.n);
            PERFORM opsdb_lock_package_backing(ARRAY(
                SELECT p FROM unnest(j_packages) AS p WHERE p IS NOT NULL
                UNION
                SELECT p.id FROM raw_data_package p
                WHERE p.data_transfer_package_id = ANY(j_bundles) AND p.data_transfer_package_id IS NOT NULL));
            ok := opsdb_deletable_judged(j_ids, j_types, j_packages, j_bundles, j_locations);
            -- the rule's answer is a subset of the judged copies (distinct ids): the same size
            -- means none was refused
            IF cardinality(ok) < cardinality(j_ids) THEN
                SELECT min(j.id) INTO refused FROM unnest(j_ids) AS j(id)
                WHERE j.id NOT IN (SELECT x FROM unnest(ok) AS x);
                at := array_position(j_ids, refused);
                RAISE EXCEPTION 'physical_copy %: deletion refused (% -> %): the safe-deletion rule does not hold',
                    refused, j_old[at], j_new[at]
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

-- -- 3. the batch confirmation ----------------------------------------------------------------------

-- The batch confirmation (0021, 0028): the claimed copies locked and read once, the backing locked by
-- package, the rule by rows through (1). Same verdicts and the same refused copies back in the queue.
CREATE OR REPLACE FUNCTION opsdb_confirm_deletions(ids bigint[], tokens uuid[])
RETURNS TABLE (copy_id bigint, verdict text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp
-- every statement planned for its arrays: the generic plan of the first one (the plan cache's choice
-- from the sixth call of a session on) nested-looped the copies in progress against the batch
SET plan_cache_mode = force_custom_plan
AS $$
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
    ok := opsdb_deletable_judged(held, h_types, h_packages, h_bundles, h_locations);
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
