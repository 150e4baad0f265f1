-- Server-side Python actions (issue 10): one row per run.
-- Retention: the newest 1000 runs of each app are kept; older rows are
-- deleted after each run is recorded (host/src/actions.rs, RUNS_KEPT_PER_APP).
CREATE TABLE action_runs (
    id                 UUID PRIMARY KEY,
    tenant_id          UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id             UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    action             TEXT NOT NULL,
    -- builder, platform, api_key, app_user
    caller_kind        TEXT NOT NULL,
    -- ok, timeout, memory, forbidden, error, busy
    status             TEXT NOT NULL,
    duration_ms        BIGINT NOT NULL,
    peak_memory_bytes  BIGINT NOT NULL,
    error              TEXT,
    -- stdout and stderr, for builders' runs only
    logs               TEXT,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX action_runs_app_idx ON action_runs (app_id, created_at);
