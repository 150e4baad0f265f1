-- Platform tables: tenants, users, roles and permissions, refresh tokens,
-- custom apps and their versioned VFS (spec 001 §3-§5, §9).

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    logo_url    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A user is a member of exactly one tenant (organisation).
CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_idx ON users (tenant_id);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE role_permissions (
    role_id     TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission  TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

-- Refresh tokens are opaque random strings; only their SHA-256 is stored.
-- A refresh rotates the token: the old row is marked used.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE custom_apps (
    id                      TEXT PRIMARY KEY NOT NULL,
    tenant_id               TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    slug                    TEXT NOT NULL UNIQUE,
    subdomain               TEXT UNIQUE,
    access_mode             TEXT NOT NULL CHECK (access_mode IN ('internal', 'external', 'self_built')),
    status                  TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    allow_anonymous_access  INTEGER NOT NULL DEFAULT 0 CHECK (allow_anonymous_access IN (0, 1)),
    vfs_version             INTEGER NOT NULL DEFAULT 1,
    published_version       INTEGER,
    published_at            TEXT,
    created_by              TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX custom_apps_tenant_idx ON custom_apps (tenant_id);

-- File contents, stored once per app and content hash (SHA-256 hex).
CREATE TABLE vfs_blobs (
    app_id   TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    hash     TEXT NOT NULL,
    content  TEXT NOT NULL,
    size     INTEGER NOT NULL,
    PRIMARY KEY (app_id, hash)
);

-- Every version of every app's VFS: `files` maps path -> blob hash.
CREATE TABLE vfs_versions (
    app_id         TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    files          TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'put', 'patch', 'delete', 'restore')),
    restored_from  INTEGER,
    author_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (app_id, version)
);
