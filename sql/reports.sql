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
