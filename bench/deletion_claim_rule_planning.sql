-- The claim's rule statement (0028: a static statement over opsdb_deletable_rows) against
-- opsdb_deletable_judged (0030), timed 10 times each in one session on the same 1,000 scheduled file
-- copies. Rolled back. psql "host=/tmp port=54999 user=postgres dbname=opsdb_scale_20000000" -f bench/deletion_claim_rule_planning.sql
BEGIN;
SET LOCAL statement_timeout = 0;
SELECT count(*) FROM opsdb_schedule_deletions(NULL, 1000);
CREATE FUNCTION pg_temp.old_rule(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[])
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE allowed bigint[];
BEGIN
    allowed := ARRAY(SELECT d FROM opsdb_deletable_rows(ids, types, packages, bundles, locations) AS d);
    RETURN allowed;
END $$;
DO $$
DECLARE
    i bigint[]; t text[]; p bigint[]; b bigint[]; l bigint[];
    s timestamptz; r bigint[]; k int; msg text := '';
BEGIN
    SELECT array_agg(c.id), array_agg(c.type), array_agg(f.raw_data_package_id), array_agg(c.data_transfer_package_id), array_agg(c.data_location_id)
      INTO i, t, p, b, l
    FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
    WHERE c.status = 'deletion_scheduled';
    msg := 'n=' || cardinality(i) || ' old:';
    FOR k IN 1..10 LOOP
        s := clock_timestamp();
        r := pg_temp.old_rule(i, t, p, b, l);
        msg := msg || ' ' || round(extract(epoch FROM clock_timestamp() - s) * 1000, 2);
    END LOOP;
    msg := msg || ' | judged:';
    FOR k IN 1..10 LOOP
        s := clock_timestamp();
        r := opsdb_deletable_judged(i, t, p, b, l);
        msg := msg || ' ' || round(extract(epoch FROM clock_timestamp() - s) * 1000, 2);
    END LOOP;
    RAISE NOTICE '%', msg;
END $$;
ROLLBACK;
