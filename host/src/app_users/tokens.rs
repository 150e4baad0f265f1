//! App-user access tokens (spec 000 §2.4) and the check every app-user
//! request goes through.
//!
//! The payload is exactly the spec's: `sub`, `custom_app_id`, `tenant_id`,
//! `auth_type: "custom_app_user"`, `scope: "app_runtime"`, `iat`, `exp`. The
//! key is derived from the JWT secret but differs from the platform's, so a
//! platform token never verifies here and an app-user token never verifies
//! on a platform route (NOTES #12), whatever their claims.

use axum::http::request::Parts;
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AppUserError, AuthApp};
use crate::db::{Db, Id};
use crate::error::AppError;
use crate::on_db;

/// Seconds an app-user access token is valid (spec 000 §2.4).
pub const ACCESS_TOKEN_SECONDS: i64 = 900;
pub const AUTH_TYPE: &str = "custom_app_user";
pub const SCOPE: &str = "app_runtime";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: uuid::Uuid,
    custom_app_id: uuid::Uuid,
    tenant_id: uuid::Uuid,
    auth_type: String,
    scope: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks app-user access tokens.
pub struct AppUserKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The app-user signing key for a JWT secret: SHA-256 of a label and the
/// secret (documented in the README so other services can verify tokens).
pub fn derive_key(jwt_secret: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"appbox custom-app-user tokens\0");
    hasher.update(jwt_secret);
    hasher.finalize().into()
}

impl AppUserKeys {
    pub fn new(jwt_secret: &[u8]) -> AppUserKeys {
        let key = derive_key(jwt_secret);
        AppUserKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }

    pub fn issue(&self, user: Id, app: Id, tenant: Id) -> Result<String, AppError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            custom_app_id: app.0,
            tenant_id: tenant.0,
            auth_type: AUTH_TYPE.into(),
            scope: SCOPE.into(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    /// `(user, app, tenant)` of a valid, unexpired app-user token. Only
    /// HS256 is accepted (`alg: none` and every other algorithm fail).
    /// Says nothing of whether the user is still active: `authenticate` does.
    pub fn verify(&self, token: &str) -> Option<(Id, Id, Id)> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        (claims.auth_type == AUTH_TYPE && claims.scope == SCOPE).then_some((
            Id(claims.sub),
            Id(claims.custom_app_id),
            Id(claims.tenant_id),
        ))
    }
}

/// An app user whose token is valid and who is active now, with their app.
#[derive(Debug, Clone)]
pub struct AppUserCaller {
    pub user: Id,
    pub app: AuthApp,
}

impl AppUserCaller {
    pub fn tenant(&self) -> Id {
        self.app.tenant_id
    }
}

fn bearer(parts: &Parts) -> Result<&str, AppUserError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(AppUserError::NoToken)?;
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppUserError::InvalidToken)
}

/// Checks the bearer token and loads its user on every request: a disabled
/// (403) or deleted (401) user is refused at once, whatever the token says.
/// The origin is checked against the app's `allowed_origins`.
pub async fn authenticate(
    parts: &Parts,
    db: &Db,
    keys: &AppUserKeys,
) -> Result<AppUserCaller, AppUserError> {
    let token = bearer(parts)?;
    let (user, app_id, tenant) = keys.verify(token).ok_or(AppUserError::InvalidToken)?;
    let row = load_user(db, user).await?;
    let Some((user_app, user_tenant, active)) = row else {
        return Err(AppUserError::UserGone);
    };
    if user_app != app_id || user_tenant != tenant {
        return Err(AppUserError::InvalidToken);
    }
    if !active {
        return Err(AppUserError::Disabled);
    }
    let app = super::auth_app_by_id(db, app_id)
        .await?
        .filter(|a| a.access_mode != "internal" && a.tenant_id == tenant)
        .ok_or(AppUserError::UserGone)?;
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    app.check_origin(
        header(axum::http::header::ORIGIN),
        header(axum::http::header::HOST),
    )?;
    Ok(AppUserCaller { user, app })
}

async fn load_user(db: &Db, user: Id) -> Result<Option<(Id, Id, bool)>, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_as("SELECT app_id, tenant_id, is_active FROM custom_app_users WHERE id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await
    })
}
