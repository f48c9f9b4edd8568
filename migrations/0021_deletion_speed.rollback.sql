-- Back to 0020: the guard and copy counters with static joins, one NOTIFY call per row, claims as
-- one statement of sql/deletion.sql (no priorities, no caps).
DROP FUNCTION IF EXISTS opsdb_claim_deletions(text, integer, bigint[], text[], double precision);
DROP FUNCTION IF EXISTS opsdb_confirm_deletions(bigint[], uuid[]);
DROP TRIGGER IF EXISTS physical_copy_deletion_notify ON physical_copy;
DROP TRIGGER IF EXISTS physical_copy_deletion_priority ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_deletion_priority_fixup();
CREATE OR REPLACE TRIGGER physical_copy_deletion_priority BEFORE UPDATE OF status ON physical_copy
    FOR EACH ROW WHEN (NEW.status = 'deletion_scheduled'
                       AND OLD.status NOT IN ('deletion_scheduled', 'deletion_in_progress'))
    EXECUTE FUNCTION opsdb_deletion_priority_default();
DROP FUNCTION IF EXISTS opsdb_notify_deletions();
CREATE OR REPLACE TRIGGER physical_copy_deletion_notify AFTER UPDATE OF status ON physical_copy
    FOR EACH ROW WHEN (NEW.status = 'deletion_scheduled' AND OLD.status <> 'deletion_scheduled'
                       AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION opsdb_notify_work('physical_copy_deletion');

CREATE OR REPLACE FUNCTION opsdb_guard_deletion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- only rows whose status or location moved (claims and lease renewals change neither)
    INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
    SELECT loc, t, s, sum(c), sum(b) FROM (
        SELECT o.data_location_id AS loc, o.type AS t, o.status AS s, -1 AS c,
               -opsdb_copy_size(o.type, o.raw_data_file_id, o.raw_data_package_id, o.data_transfer_package_id) AS b
        FROM old_copies o JOIN new_copies n ON n.id = o.id
        WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
        UNION ALL
        SELECT n.data_location_id, n.type, n.status, 1,
               opsdb_copy_size(n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id)
        FROM old_copies o JOIN new_copies n ON n.id = o.id
        WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
    ) moved GROUP BY 1, 2, 3 HAVING sum(c) <> 0 OR sum(b) <> 0;
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


CREATE OR REPLACE FUNCTION opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
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
            claimed_by = NULL, claim_token = NULL, lease_until = NULL
        FROM locked
        WHERE c.id = locked.id
        RETURNING c.id;
END;
$$;


DROP TABLE IF EXISTS deletion_claim_verdict;
