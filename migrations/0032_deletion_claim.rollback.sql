-- Back to 0031: the deletion claim as 0028 left it and the deletion guard as 0030 left it (their
-- definitions as sql/schema.sql had them at 0031).

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

CREATE OR REPLACE FUNCTION public.opsdb_guard_deletion() RETURNS trigger
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
