-- Seed the standard permissions and the roles admin, observer, viewer and service with
-- their grants (docs/security.md). Idempotent: existing rows are left as they are.
-- depends: 0006_copies_and_transfers

INSERT INTO permission (name, description) VALUES
    ('read:*',               'read anything'),
    ('read:observations',    'read planning, executions and observation metadata'),
    ('read:files',           'read raw data files, packages and their copies'),
    ('read:transfers',       'read transfers, archive transfers and staging jobs'),
    ('read:locations',       'read sites, storage locations and routes'),
    ('read:users',           'read user accounts and roles'),
    ('write:*',              'create and change any data (not users or tokens)'),
    ('write:observations',   'record executions and observation metadata'),
    ('write:planning',       'edit programs, sources and obs units'),
    ('write:files',          'register raw data files, packages and copies'),
    ('write:transfers',      'create and progress transfers and staging jobs'),
    ('write:locations',      'edit sites, storage locations and routes'),
    ('claim:*',              'claim any kind of work item'),
    ('claim:work',           'claim work items (packaging, transfers, deletion, staging)'),
    ('delete:*',             'schedule the deletion of any data'),
    ('delete:copies',        'schedule and carry out the deletion of physical copies'),
    ('manage:*',             'administer users, roles and tokens'),
    ('manage:users',         'create, change and deactivate user accounts and their roles'),
    ('manage:roles',         'create roles and change their permissions'),
    ('manage:tokens',        'issue and revoke API tokens of any user')
ON CONFLICT (name) DO NOTHING;

INSERT INTO role (name, description) VALUES
    ('admin',    'operators who administer opsdb: everything'),
    ('observer', 'astronomers at the telescope: read all, record observations and plans'),
    ('viewer',   'read-only access (web UI, reports)'),
    ('service',  'daemons and instruments: register data, move it, claim work')
ON CONFLICT (name) DO NOTHING;

INSERT INTO role_permission (role_id, permission_id)
SELECT r.id, p.id
FROM (VALUES
    ('admin', 'read:*'), ('admin', 'write:*'), ('admin', 'claim:*'), ('admin', 'delete:*'), ('admin', 'manage:*'),
    ('observer', 'read:*'), ('observer', 'write:observations'), ('observer', 'write:planning'),
    ('viewer', 'read:*'),
    ('service', 'read:*'), ('service', 'write:observations'), ('service', 'write:files'),
    ('service', 'write:transfers'), ('service', 'claim:work'), ('service', 'delete:copies')
) AS grants (role_name, permission_name)
JOIN role r ON r.name = grants.role_name
JOIN permission p ON p.name = grants.permission_name
ON CONFLICT DO NOTHING;
