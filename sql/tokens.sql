-- API tokens (opsdb/repositories/tokens.py). Only SHA-256 hashes are stored; listings
-- name their columns so that the hash never leaves the database in one.

-- insert_api_token --
-- Store a new token's hash and display prefix; returns the row without the hash.
INSERT INTO api_token (user_account_id, name, token_hash, prefix, scopes, expires_at)
VALUES (:user_account_id, :name, :token_hash, :prefix, :scopes, :expires_at)
RETURNING id, user_account_id, name, prefix, scopes, active, expires_at, last_used_at, last_used_ip,
          usage_count, created_at, updated_at

-- get_api_token --
-- A token by id, without its hash.
SELECT id, user_account_id, name, prefix, scopes, active, expires_at, last_used_at, last_used_ip,
       usage_count, created_at, updated_at
FROM api_token WHERE id = $1

-- get_api_token_by_hash --
-- The full token row for a SHA-256 hash.
SELECT * FROM api_token WHERE token_hash = $1

-- list_api_tokens_of_user --
-- A user's tokens without hashes, keyset-paged, optionally only active (NULL = any) ones.
SELECT id, user_account_id, name, prefix, scopes, active, expires_at, last_used_at, last_used_ip,
       usage_count, created_at, updated_at
FROM api_token
WHERE user_account_id = $1 AND ($2::boolean IS NULL OR active = $2) AND id > $3
ORDER BY id
LIMIT $4

-- verify_api_token --
-- A token by hash with what verification needs: its owner's state, whether it has expired
-- (by the database clock) and the permissions the owner's roles grant.
SELECT t.id, t.user_account_id, t.name, t.prefix, t.scopes, t.active, t.expires_at, t.last_used_at,
       t.last_used_ip, t.usage_count, t.created_at, t.updated_at,
       u.username, u.active AS user_active,
       (t.expires_at IS NOT NULL AND t.expires_at <= now()) AS expired,
       ARRAY(SELECT DISTINCT p.name
             FROM user_role ur
             JOIN role_permission rp ON rp.role_id = ur.role_id
             JOIN permission p ON p.id = rp.permission_id
             WHERE ur.user_account_id = u.id) AS role_permissions
FROM api_token t
JOIN user_account u ON u.id = t.user_account_id
WHERE t.token_hash = $1

-- revoke_api_token --
-- Deactivate an active token (guarded: nothing when it is already inactive, missing or,
-- when $2 is given, owned by someone else).
UPDATE api_token SET active = false
WHERE id = $1 AND active AND ($2::bigint IS NULL OR user_account_id = $2)
RETURNING id, user_account_id, name, prefix, scopes, active, expires_at, last_used_at, last_used_ip,
          usage_count, created_at, updated_at

-- touch_api_token_throttled --
-- Record one use of the token with hash $1 from $2, but only when the last recorded use is
-- older than $3 seconds: a token used a thousand times a second costs one write per interval,
-- not one per request. A row another transaction is recording right now is skipped rather than
-- waited for. Usage fields change only through record_token_use (sql/schema.sql).
SELECT record_token_use($1, $2, $3) AS id

-- flush_api_token_usage --
-- Add accumulated uses ($1 ids, $2 counts, $3 last times, $4 last addresses) to many tokens at
-- once (record_token_uses, sql/schema.sql): rows locked in id order so two flushing processes
-- cannot deadlock; counts only grow, a last use moves only forward and never past now().
SELECT id FROM record_token_uses($1, $2, $3, $4) AS id
