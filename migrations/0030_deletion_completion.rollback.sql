-- Back to 0028: the deletion guard and the batch confirmation as 0028 left them (their definitions as
-- sql/schema.sql had them at 0028), then what 0030 added goes.

CREATE OR REPLACE FUNCTION public.opsdb_guard_deletion() RETURNS trigger
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

CREATE OR REPLACE FUNCTION public.opsdb_confirm_deletions(ids bigint[], tokens uuid[]) RETURNS TABLE(copy_id bigint, verdict text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
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

DROP FUNCTION IF EXISTS opsdb_deletable_judged(bigint[], text[], bigint[], bigint[], bigint[]);
