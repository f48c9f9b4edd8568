-- Remove the seeded roles and permissions (and, by cascade, who held them).
DELETE FROM role WHERE name IN ('admin', 'observer', 'viewer', 'service');
DELETE FROM permission WHERE name IN (
    'read:*', 'read:observations', 'read:files', 'read:transfers', 'read:locations', 'read:users',
    'write:*', 'write:observations', 'write:planning', 'write:files', 'write:transfers', 'write:locations',
    'claim:*', 'claim:work', 'delete:*', 'delete:copies',
    'manage:*', 'manage:users', 'manage:roles', 'manage:tokens'
);
