-- Relative paths: at most 2048 bytes (was 4096 characters). raw_data_file's paths sit in the
-- unique index (instrument_module_id, relative_path), whose entries hold at most ~2700 bytes: a
-- longer path that does not compress failed the insert with "index row size exceeds maximum"
-- instead of a named check. The models check the same bound (opsdb.schemas.base.MAX_PATH_BYTES).
-- depends: 0012_staged_cleanup

CREATE OR REPLACE FUNCTION opsdb_relative_path_valid(path text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT octet_length(path) BETWEEN 1 AND 2048
       AND path !~ '(^/|//|/$|(^|/)\.\.?(/|$)|[\x01-\x1f\x7f])'
$$;
