-- Observing programs and sub-programs (opsdb/repositories/programs.py).

-- insert_observing_program --
-- Create an observing program.
INSERT INTO observing_program (name, short_name, description, pi_name, contact_email)
VALUES ($1, $2, $3, $4, $5)
RETURNING *

-- get_observing_program --
-- A program by id.
SELECT * FROM observing_program WHERE id = $1

-- get_observing_program_by_short_name --
-- A program by its short name (natural key, e.g. 'GEco').
SELECT * FROM observing_program WHERE short_name = $1

-- list_observing_programs --
-- Programs in id order, keyset-paged.
SELECT * FROM observing_program WHERE id > $1 ORDER BY id LIMIT $2

-- insert_sub_observing_program --
-- Create a sub-program of a program.
INSERT INTO sub_observing_program (observing_program_id, name, short_name) VALUES ($1, $2, $3) RETURNING *

-- get_sub_observing_program --
-- A sub-program by id.
SELECT * FROM sub_observing_program WHERE id = $1

-- get_sub_observing_program_by_short_name --
-- A sub-program by (program id, sub-program short name) (natural key).
SELECT * FROM sub_observing_program WHERE observing_program_id = $1 AND short_name = $2

-- list_sub_observing_programs --
-- Sub-programs filtered by program (NULL = any), in id order, keyset-paged.
SELECT * FROM sub_observing_program
WHERE ($1::bigint IS NULL OR observing_program_id = $1)
  AND id > $2
ORDER BY id
LIMIT $3
