-- Data references (which ERP tables, columns and operations an app may
-- use) with their published snapshots, and publish requests
-- (spec 000 §3.8, §4).

CREATE TABLE app_data_references (
    id                     UUID PRIMARY KEY,
    tenant_id              UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id                 UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    table_name             TEXT NOT NULL,
    columns                JSONB NOT NULL DEFAULT '[]',
    permissions            JSONB NOT NULL DEFAULT '[]',
    is_public_readable     BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL until the app is published; /open and /ext use only these.
    published_columns      JSONB,
    published_permissions  JSONB,
    published_at           TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (app_id, table_name)
);

CREATE TABLE publish_requests (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id         UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    requested_by   UUID REFERENCES users(id) ON DELETE SET NULL,
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    reject_reason  TEXT,
    decided_by     UUID REFERENCES users(id) ON DELETE SET NULL,
    decided_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX publish_requests_app_idx ON publish_requests (app_id, created_at);
