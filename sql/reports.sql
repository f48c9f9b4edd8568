-- Reports for operators (opsdb/reports.py). Each reads counters kept by the writes (copy_space,
-- package_copy_count in sql/schema.sql, folded from their delta tables first) or a partial
-- index holding exactly the rows of the answer (live queues, failed items, unpackaged files):
-- none scans history. tests/test_cli_reports.py proves the plans with EXPLAIN.

-- report_fold --
-- Fold pending copy deltas into the counters; the number of delta rows folded.
SELECT opsdb_fold_copy_deltas()

-- report_at_risk_packages --
-- Packages with at most one verified copy, grouped by where their copy is (the verified one; else any copy not deleted; else where they were built).
SELECT s.short_name AS site, l.name AS location, k.verified, count(*) AS packages,
       coalesce(sum(p.size_bytes), 0)::bigint AS bytes
FROM package_copy_count k
JOIN raw_data_package p ON p.id = k.raw_data_package_id
LEFT JOIN LATERAL (
    SELECT c.data_location_id FROM physical_copy c
    WHERE c.raw_data_package_id = k.raw_data_package_id AND c.type = 'raw_data_package' AND c.status <> 'deleted'
    ORDER BY (c.status IN ('present', 'staged') AND c.checksum_verified_at IS NOT NULL) DESC, c.id LIMIT 1
) c ON true
JOIN data_location l ON l.id = coalesce(c.data_location_id, p.origin_location_id)
JOIN site s ON s.id = l.site_id
WHERE k.verified <= 1
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3

-- report_at_risk_package_list --
-- The at-risk packages themselves (at most $1), oldest first.
SELECT p.id, p.name, k.verified, p.state, p.status, p.size_bytes, p.created_at
FROM package_copy_count k
JOIN raw_data_package p ON p.id = k.raw_data_package_id
WHERE k.verified <= 1
ORDER BY k.raw_data_package_id
LIMIT $1

-- report_at_risk_files --
-- Files not yet in a package: their only copies are the unverified ones at the source, per location.
SELECT s.short_name AS site, l.name AS location, count(*) AS files, coalesce(sum(f.size_bytes), 0)::bigint AS bytes
FROM raw_data_file f
JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.type = 'raw_data_file' AND c.status IN ('present', 'staged')
JOIN data_location l ON l.id = c.data_location_id
JOIN site s ON s.id = l.site_id
WHERE f.raw_data_package_id IS NULL
GROUP BY 1, 2
ORDER BY 1, 2

-- report_space --
-- Copies and bytes per location, copy type and status (the counters).
SELECT s.short_name AS site, l.name AS location, l.location_type, c.type, c.status, c.copies, c.bytes
FROM copy_space c
JOIN data_location l ON l.id = c.data_location_id
JOIN site s ON s.id = l.site_id
WHERE c.copies <> 0 OR c.bytes <> 0
ORDER BY 1, 2, 4, 5

-- report_queue_of_kind --
-- Template, one kind of work: depth, running, expired leases and oldest queued age, then failed items, per location, from the partial queue and failed indexes. opsdb/reports.py fills the names in braces for each kind from opsdb.work.KINDS (static SQL, never values) and joins the kinds with UNION ALL.
SELECT '{kind}' AS kind, s.short_name AS site, l.name AS location,
       count(*) FILTER (WHERE t.{status} IN ({queued})) AS queued,
       count(*) FILTER (WHERE t.{status} = '{running}') AS running,
       count(*) FILTER (WHERE t.{status} = '{running}' AND t.{lease_until} < now()) AS expired_leases,
       extract(epoch FROM now() - min(t.{since}))::float8 AS oldest_seconds,
       0::bigint AS failed
FROM {table} t JOIN data_location l ON l.id = t.{location} JOIN site s ON s.id = l.site_id
WHERE t.{status} IN ({queued}, '{running}') {live}
GROUP BY 1, 2, 3
UNION ALL
SELECT '{kind}', s.short_name, l.name, 0, 0, 0, NULL, count(*)
FROM {table} t JOIN data_location l ON l.id = t.{location} JOIN site s ON s.id = l.site_id
WHERE t.{status} = '{failed}'
GROUP BY 1, 2, 3

-- report_vacuum_tables --
-- Vacuum debt of the tables named in $1 (absent ones skipped), in that order: pages, tuples at the last vacuum or analyze, live and dead tuples, changes since the last vacuum and analyze, when each last ran, all-frozen pages (PostgreSQL 18, else NULL), transaction ID age and the table's own storage options (pg_class and pg_stat_all_tables only: cost set by the number of tables, never by their rows).
SELECT c.relname AS table_name, c.relpages::bigint AS pages, c.reltuples::float8 AS reltuples,
       (to_jsonb(c) ->> 'relallfrozen')::bigint AS all_frozen_pages,
       s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count,
       age(c.relfrozenxid)::bigint AS xid_age, c.relpersistence = 'u' AS unlogged,
       coalesce((SELECT jsonb_object_agg(o.option_name, o.option_value)
                 FROM pg_options_to_table(c.reloptions) o), '{}'::jsonb)::text AS options
FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ord)
JOIN pg_class c ON c.oid = to_regclass(t.name)
JOIN pg_stat_all_tables s ON s.relid = c.oid
ORDER BY t.ord

-- report_vacuum_indexes --
-- The partial indexes of the tables named in $1: size in pages now (the file; pages a vacuum emptied stay, to be reused), index tuples at its last vacuum or analyze, scans, and its predicate (catalog only).
SELECT t.relname AS table_name, i.relname AS index_name,
       (pg_relation_size(i.oid) / current_setting('block_size')::int)::bigint AS pages,
       i.reltuples::float8 AS index_tuples, s.idx_scan, pg_get_expr(x.indpred, x.indrelid) AS predicate
FROM unnest($1::text[]) WITH ORDINALITY AS n(name, ord)
JOIN pg_class t ON t.oid = to_regclass(n.name)
JOIN pg_index x ON x.indrelid = t.oid AND x.indpred IS NOT NULL
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_stat_all_indexes s ON s.indexrelid = i.oid
ORDER BY n.ord, i.relname

-- report_vacuum_counters --
-- Live rows per table and state from the counters the writes keep, deltas not yet folded included: copies per type and status (copy_space), the work tables' states (state_count); cost: the states, never the rows.
SELECT 'physical_copy' AS table_name, jsonb_build_object('type', type, 'status', status)::text AS state,
       sum(copies)::bigint AS n
FROM (SELECT type, status, copies FROM copy_space
      UNION ALL SELECT type, status, copies FROM copy_space_delta) c
GROUP BY type, status
UNION ALL
SELECT table_name, jsonb_build_object(column_name, value)::text, sum(n)::bigint
FROM (SELECT table_name, column_name, value, n FROM state_count
      UNION ALL SELECT table_name, column_name, value, n FROM state_count_delta) s
GROUP BY table_name, column_name, value

-- report_vacuum_settings --
-- The server's autovacuum settings (pg_settings; names absent from older servers are simply missing).
SELECT name, setting FROM pg_settings
WHERE name LIKE 'autovacuum%' OR name IN ('track_counts', 'vacuum_failsafe_age')
