-- Publish requests record what they propose, and every publish is kept
-- (spec 000 §3.8, spec 001 §9/§10; issue 8 point 3, issue 9 item 3).
--
-- A request stores the VFS version (NULL for an integration, which
-- publishes references only) and the reference snapshot it proposes;
-- approving it publishes exactly those. Requests filed before this
-- migration have no stored snapshot (NULL) and publish the live references.

ALTER TABLE publish_requests ADD COLUMN vfs_version BIGINT;
ALTER TABLE publish_requests ADD COLUMN proposed_references JSONB;

-- At most one pending request per app, even under concurrent filing.
CREATE UNIQUE INDEX publish_requests_one_pending ON publish_requests (app_id) WHERE status = 'pending';

-- Every publish of an app: direct, by approval, or by rollback.
-- `custom_apps.published_version` stays the one source of truth for what
-- end users get; this table is its history.
CREATE TABLE app_publications (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id        UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    -- NULL: a references-only publish (an integration).
    vfs_version   BIGINT,
    -- [{table_name, columns, permissions}] as published.
    refs          JSONB NOT NULL DEFAULT '[]',
    action        TEXT NOT NULL CHECK (action IN ('publish', 'approve', 'rollback')),
    request_id    UUID REFERENCES publish_requests(id) ON DELETE SET NULL,
    requested_by  UUID REFERENCES users(id) ON DELETE SET NULL,
    published_by  UUID REFERENCES users(id) ON DELETE SET NULL,
    published_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX app_publications_app_idx ON app_publications (app_id, published_at);
