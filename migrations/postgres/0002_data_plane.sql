-- Integrations (self-built apps) with API keys, and Custom Tables
-- (spec 000 §2.1, §3, §6; spec 001 §13).

ALTER TABLE custom_apps ADD COLUMN live_url TEXT;
ALTER TABLE custom_apps ADD COLUMN allowed_origins JSONB NOT NULL DEFAULT '[]';

-- Keys are shown once; only their SHA-256 is kept. key_prefix is the first
-- 12 characters ("sk_live_a1b2"), for telling keys apart in lists.
CREATE TABLE api_keys (
    id            UUID PRIMARY KEY,
    app_id        UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_prefix    TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    last_used_at  TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ,
    created_by    UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_app_idx ON api_keys (app_id);

CREATE TABLE custom_objects (
    id                  UUID PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id              UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    api_slug            TEXT NOT NULL,
    is_public_readable  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (app_id, api_slug)
);
CREATE INDEX custom_objects_tenant_idx ON custom_objects (tenant_id);

CREATE TABLE custom_fields (
    id           UUID PRIMARY KEY,
    object_id    UUID NOT NULL REFERENCES custom_objects(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    field_key    TEXT NOT NULL,
    field_type   TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'relation')),
    is_required  BOOLEAN NOT NULL DEFAULT FALSE,
    sequence     BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (object_id, field_key)
);

CREATE TABLE custom_records (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    object_id   UUID NOT NULL REFERENCES custom_objects(id) ON DELETE CASCADE,
    data        JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ
);
CREATE INDEX custom_records_object_idx ON custom_records (object_id, created_at);
