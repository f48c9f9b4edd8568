-- Back to 1 to 4096 characters (0004).
CREATE OR REPLACE FUNCTION opsdb_relative_path_valid(path text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT length(path) BETWEEN 1 AND 4096
       AND path !~ '(^/|//|/$|(^|/)\.\.?(/|$)|[\x01-\x1f\x7f])'
$$;
