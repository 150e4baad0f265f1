-- Server-side Python actions (issue 10): one row per run.
-- Retention: the newest 1000 runs of each app are kept; older rows are
-- deleted after each run is recorded (host/src/actions.rs, RUNS_KEPT_PER_APP).
CREATE TABLE action_runs (
    id                 TEXT PRIMARY KEY NOT NULL,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id             TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    action             TEXT NOT NULL,
    -- builder, platform, api_key, app_user
    caller_kind        TEXT NOT NULL,
    -- ok, timeout, memory, forbidden, error, busy
    status             TEXT NOT NULL,
    duration_ms        INTEGER NOT NULL,
    peak_memory_bytes  INTEGER NOT NULL,
    error              TEXT,
    -- stdout and stderr, for builders' runs only
    logs               TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX action_runs_app_idx ON action_runs (app_id, created_at);
