-- Approval workflows over proxy writes, their requests, and the audit log
-- (spec 000 §5.7, spec 001 §7).

CREATE TABLE approval_workflows (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    table_name            TEXT NOT NULL,
    operation             TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    levels                BIGINT NOT NULL DEFAULT 1 CHECK (levels BETWEEN 1 AND 10),
    approved_state_field  TEXT,
    approved_state_value  TEXT,
    rejected_state_value  TEXT,
    allow_api_bypass      BOOLEAN NOT NULL DEFAULT FALSE,
    is_active             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, table_name, operation)
);

-- payload: the fields of a held update. decisions: [{level, user_id, decision, at}].
CREATE TABLE approval_requests (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    workflow_id    UUID REFERENCES approval_workflows(id) ON DELETE SET NULL,
    app_id         UUID REFERENCES custom_apps(id) ON DELETE SET NULL,
    table_name     TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    row_id         TEXT NOT NULL,
    payload        JSONB NOT NULL DEFAULT '{}',
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    levels         BIGINT NOT NULL,
    approved_levels BIGINT NOT NULL DEFAULT 0,
    decisions      JSONB NOT NULL DEFAULT '[]',
    created_at     TIMESTAMPTZ NOT NULL,
    decided_at     TIMESTAMPTZ
);
CREATE INDEX approval_requests_tenant_idx ON approval_requests (tenant_id, status, created_at);

CREATE TABLE audit_logs (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id      UUID REFERENCES custom_apps(id) ON DELETE SET NULL,
    user_id     UUID REFERENCES users(id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    table_name  TEXT,
    row_id      TEXT,
    detail      JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_logs_tenant_idx ON audit_logs (tenant_id, created_at);
