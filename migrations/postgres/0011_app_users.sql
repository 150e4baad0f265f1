-- App users: the end users of external and self-built apps, their sessions
-- and refresh tokens, OAuth providers and identities (spec 000 §2.3-§2.4,
-- spec 001 §19).

CREATE TABLE custom_app_users (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id         UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    email          TEXT,
    password_hash  TEXT,
    display_name   TEXT NOT NULL,
    avatar_url     TEXT,
    extra_data     JSONB NOT NULL DEFAULT '{}',
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    last_login_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ,
    UNIQUE (app_id, email)
);

-- One row per signed-in device; revoked_at ends it (logout, reuse of a
-- rotated refresh token, disabling the user).
CREATE TABLE custom_app_sessions (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES custom_app_users(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX custom_app_sessions_user_idx ON custom_app_sessions (user_id);

-- Every refresh token a session was given, by SHA-256; spent_at marks a
-- rotated one, so presenting it again is detected.
CREATE TABLE custom_app_refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  UUID NOT NULL REFERENCES custom_app_sessions(id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    spent_at    TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX custom_app_refresh_tokens_session_idx ON custom_app_refresh_tokens (session_id);

-- An app's OAuth providers; client_secret is AES-256-GCM (nonce || ciphertext, hex).
CREATE TABLE custom_app_oauth_providers (
    app_id         UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    provider       TEXT NOT NULL,
    tenant_id      UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (app_id, provider)
);

CREATE TABLE custom_app_user_identities (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES custom_app_users(id) ON DELETE CASCADE,
    app_id      UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (app_id, provider, subject)
);

-- Single-use values by SHA-256: an authorize `state` (kind 'state') or an
-- `oauth_pending` token (kind 'pending'); data is JSON.
CREATE TABLE custom_app_oauth_tickets (
    token_hash  TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('state', 'pending')),
    app_id      UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    data        JSONB NOT NULL DEFAULT '{}',
    expires_at  TIMESTAMPTZ NOT NULL
);
