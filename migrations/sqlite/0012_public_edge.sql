-- The public edge (spec 001 §18): every anonymous /pub call is one row of
-- usage_events (§18.7 "計費記錄"), and a reference's public flag is part of
-- its published snapshot, like its columns and permissions.
-- Retention: rows older than 90 days are deleted as new ones are written
-- (host/src/edge/usage.rs, KEEP_DAYS).
CREATE TABLE usage_events (
    id          TEXT PRIMARY KEY NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    -- pub.data, pub.proxy, pub.actions
    kind        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX usage_events_tenant_idx ON usage_events (tenant_id, created_at);
CREATE INDEX usage_events_created_idx ON usage_events (created_at);

-- NULL until published; /pub serves only references whose published flag is set.
ALTER TABLE app_data_references ADD COLUMN published_is_public_readable INTEGER
    CHECK (published_is_public_readable IN (0, 1));
UPDATE app_data_references SET published_is_public_readable = is_public_readable
    WHERE published_columns IS NOT NULL;
