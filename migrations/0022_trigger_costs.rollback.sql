-- Back to 0021: the physical_copy statement triggers without early exits, 0017's per-row actor
-- check of copy updates.

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

DROP TRIGGER IF EXISTS opsdb_actor_physical_copy_update ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_actor_check_copy_updates();
CREATE OR REPLACE TRIGGER opsdb_actor_physical_copy_update BEFORE UPDATE ON physical_copy
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.checksum_verified_at IS DISTINCT FROM NEW.checksum_verified_at
        OR (OLD.type, OLD.raw_data_file_id, OLD.raw_data_package_id, OLD.data_transfer_package_id, OLD.data_location_id)
           IS DISTINCT FROM
           (NEW.type, NEW.raw_data_file_id, NEW.raw_data_package_id, NEW.data_transfer_package_id, NEW.data_location_id))
    EXECUTE FUNCTION opsdb_actor_check_copy_update();

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

CREATE OR REPLACE FUNCTION opsdb_work_order(due timestamptz, priority integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT due - make_interval(secs => priority * 300)
$$;
