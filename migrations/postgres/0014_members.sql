-- Internal apps and their members (spec 001 §17): which roles may open an
-- app, invitations to join a tenant through an app's login page, and
-- password reset links. Tokens are random; only their SHA-256 is stored.

-- An app with no rows here is open to every role of its tenant; with rows,
-- only to users holding one of these roles.
CREATE TABLE app_allowed_roles (
    app_id   UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    role_id  UUID NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, role_id)
);

-- One invitation: one tenant, one app, one e-mail, the roles to grant.
-- accepted_at marks it spent.
CREATE TABLE invitations (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id       UUID NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    role_names   JSONB NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   UUID REFERENCES users(id) ON DELETE SET NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_tenant_idx ON invitations (tenant_id);

-- A password reset link; used_at marks it spent.
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
