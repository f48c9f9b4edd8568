-- User accounts, roles and permissions (opsdb/repositories/users.py).

-- insert_user_account --
-- Create a user account.
INSERT INTO user_account (username, email, display_name, active) VALUES ($1, $2, $3, $4) RETURNING *

-- get_user_account --
-- A user by id.
SELECT * FROM user_account WHERE id = $1

-- get_user_account_by_username --
-- A user by username (natural key).
SELECT * FROM user_account WHERE username = $1

-- list_user_accounts --
-- Users in id order, keyset-paged, optionally only active (NULL = any) ones.
SELECT * FROM user_account WHERE ($1::boolean IS NULL OR active = $1) AND id > $2 ORDER BY id LIMIT $3

-- insert_role --
-- Create a role.
INSERT INTO role (name, description) VALUES ($1, $2) RETURNING *

-- get_role --
-- A role by id.
SELECT * FROM role WHERE id = $1

-- get_role_by_name --
-- A role by name (natural key).
SELECT * FROM role WHERE name = $1

-- list_roles --
-- Every role, by name.
SELECT * FROM role ORDER BY name

-- insert_permission --
-- Create a permission.
INSERT INTO permission (name, description) VALUES ($1, $2) RETURNING *

-- get_permission --
-- A permission by id.
SELECT * FROM permission WHERE id = $1

-- get_permission_by_name --
-- A permission by name (natural key).
SELECT * FROM permission WHERE name = $1

-- list_permissions --
-- Every permission, by name.
SELECT * FROM permission ORDER BY name

-- grant_user_role --
-- Give a user a role; returns nothing when the user already held it.
INSERT INTO user_role (user_account_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING *

-- revoke_user_role --
-- Take a role from a user; returns the removed link, nothing when the user did not hold it.
DELETE FROM user_role WHERE user_account_id = $1 AND role_id = $2 RETURNING *

-- list_roles_of_user --
-- The roles a user holds, by name.
SELECT r.* FROM role r JOIN user_role ur ON ur.role_id = r.id WHERE ur.user_account_id = $1 ORDER BY r.name

-- grant_role_permission --
-- Give a role a permission; returns nothing when the role already had it.
INSERT INTO role_permission (role_id, permission_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING *

-- revoke_role_permission --
-- Take a permission from a role; returns the removed link, nothing when the role lacked it.
DELETE FROM role_permission WHERE role_id = $1 AND permission_id = $2 RETURNING *

-- list_permissions_of_role --
-- The permissions of one role, by name.
SELECT p.* FROM permission p JOIN role_permission rp ON rp.permission_id = p.id WHERE rp.role_id = $1 ORDER BY p.name

-- permissions_of_user --
-- Whether the user exists and is active, and the names of the permissions all its roles grant.
SELECT u.active,
       ARRAY(SELECT DISTINCT p.name
             FROM user_role ur
             JOIN role_permission rp ON rp.role_id = ur.role_id
             JOIN permission p ON p.id = rp.permission_id
             WHERE ur.user_account_id = u.id) AS permissions
FROM user_account u
WHERE u.id = $1
