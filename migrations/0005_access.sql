-- Access control: user accounts, roles, permissions and API tokens.
-- The user table is "user_account": "user" is reserved in SQL (docs/schema.md).
-- depends: 0001_functions_and_infrastructure

CREATE TABLE IF NOT EXISTS user_account (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL CONSTRAINT user_account_username_format CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    email        text CONSTRAINT user_account_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    display_name text,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_account_username_key UNIQUE (username)
);

CREATE TABLE IF NOT EXISTS role (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT role_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT role_name_key UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS permission (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT permission_name_format CHECK (name ~ '^[a-z][a-z_]*:([a-z][a-z_]*|\*)$'),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT permission_name_key UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS user_role (
    user_account_id bigint NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    role_id         bigint NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_account_id, role_id)
);
CREATE INDEX IF NOT EXISTS user_role_role_idx ON user_role (role_id);

CREATE TABLE IF NOT EXISTS role_permission (
    role_id       bigint NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    permission_id bigint NOT NULL REFERENCES permission (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX IF NOT EXISTS role_permission_permission_idx ON role_permission (permission_id);

CREATE TABLE IF NOT EXISTS api_token (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_account_id bigint NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    name            text NOT NULL CONSTRAINT api_token_name_nonempty CHECK (name <> ''),
    token_hash      text NOT NULL CONSTRAINT api_token_token_hash_sha256 CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    prefix          text NOT NULL CONSTRAINT api_token_prefix_format CHECK (prefix ~ '^ops_api_token_[A-Za-z0-9_-]{0,8}$'),
    scopes          text[] NOT NULL DEFAULT '{}',
    active          boolean NOT NULL DEFAULT true,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    last_used_ip    inet,
    usage_count     bigint NOT NULL DEFAULT 0 CONSTRAINT api_token_usage_count_nonnegative CHECK (usage_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_token_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_token_user_name_key UNIQUE (user_account_id, name)
);

CREATE OR REPLACE TRIGGER user_account_touch BEFORE UPDATE ON user_account FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER role_touch BEFORE UPDATE ON role FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER api_token_touch BEFORE UPDATE ON api_token FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
