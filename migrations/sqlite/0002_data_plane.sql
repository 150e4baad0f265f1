-- Integrations (self-built apps) with API keys, and Custom Tables
-- (spec 000 §2.1, §3, §6; spec 001 §13).

ALTER TABLE custom_apps ADD COLUMN live_url TEXT;
ALTER TABLE custom_apps ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '[]';

-- Keys are shown once; only their SHA-256 is kept. key_prefix is the first
-- 12 characters ("sk_live_a1b2"), for telling keys apart in lists.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    app_id        TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_prefix    TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    last_used_at  TEXT,
    expires_at    TEXT,
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX api_keys_app_idx ON api_keys (app_id);

CREATE TABLE custom_objects (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id              TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    api_slug            TEXT NOT NULL,
    is_public_readable  INTEGER NOT NULL DEFAULT 0 CHECK (is_public_readable IN (0, 1)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (app_id, api_slug)
);
CREATE INDEX custom_objects_tenant_idx ON custom_objects (tenant_id);

CREATE TABLE custom_fields (
    id           TEXT PRIMARY KEY NOT NULL,
    object_id    TEXT NOT NULL REFERENCES custom_objects(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    field_key    TEXT NOT NULL,
    field_type   TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'relation')),
    is_required  INTEGER NOT NULL DEFAULT 0 CHECK (is_required IN (0, 1)),
    sequence     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (object_id, field_key)
);

CREATE TABLE custom_records (
    id          TEXT PRIMARY KEY NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    object_id   TEXT NOT NULL REFERENCES custom_objects(id) ON DELETE CASCADE,
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT
);
CREATE INDEX custom_records_object_idx ON custom_records (object_id, created_at);
