-- What server-side actions may reach beyond the app's data (issue 10):
-- per-app secrets (ctx.secrets.get) and outbound services (ctx.http.call).
-- Both are live settings of the app, not versioned with its files: a
-- published app and a builder's test run read the same rows.

-- value_encrypted: AES-256-GCM (app_users/secrets.rs, the key of
-- APPBOX_SECRET_KEY), hex of nonce || ciphertext+tag. hint: the masked form
-- the API lists ("…" and the last 4 characters of a value of 16 or more,
-- else empty); no read endpoint returns the value.
CREATE TABLE app_secrets (
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id           TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    value_encrypted  TEXT NOT NULL,
    hint             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (app_id, name)
);

-- A service: the base URL every ctx.http.call endpoint is appended to, and
-- headers the host adds (JSON {"Header": "text"} or {"Header": {"secret":
-- "NAME", "prefix": "Bearer "}}, the secret read at call time).
CREATE TABLE app_services (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    base_url    TEXT NOT NULL,
    headers     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (app_id, name)
);
