-- Data references (which ERP tables, columns and operations an app may
-- use) with their published snapshots, and publish requests
-- (spec 000 §3.8, §4).

CREATE TABLE app_data_references (
    id                     TEXT PRIMARY KEY NOT NULL,
    tenant_id              TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id                 TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    table_name             TEXT NOT NULL,
    columns                TEXT NOT NULL DEFAULT '[]',
    permissions            TEXT NOT NULL DEFAULT '[]',
    is_public_readable     INTEGER NOT NULL DEFAULT 0 CHECK (is_public_readable IN (0, 1)),
    -- NULL until the app is published; /open and /ext use only these.
    published_columns      TEXT,
    published_permissions  TEXT,
    published_at           TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    UNIQUE (app_id, table_name)
);

CREATE TABLE publish_requests (
    id             TEXT PRIMARY KEY NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id         TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    requested_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    reject_reason  TEXT,
    decided_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    decided_at     TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX publish_requests_app_idx ON publish_requests (app_id, created_at);
