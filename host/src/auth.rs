//! Platform tokens and the extractors that authenticate callers.
//!
//! Access tokens are HS256 JWTs that live an hour (spec 001 §2). They carry
//! only who the caller is; what the caller may do is read from the database on
//! every request ([`accounts::load_principal`]), so disabling a user or
//! changing a role takes effect at once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::accounts::{self, Principal, BUILDER_ACCESS};
use crate::app_users::tokens::AppUserCaller;
use crate::custom_tables::Scope;
use crate::db::Id;
use crate::error::AppError;
use crate::integrations::{self, KeyOwner};
use crate::state::AppState;

/// Seconds an access token is valid (`expires_in` of the login answer).
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;

/// The audience of platform tokens. App-user tokens (spec 001 §19) will use
/// their own, so neither kind is ever accepted where the other belongs
/// (NOTES #12).
const PLATFORM_AUDIENCE: &str = "appbox:platform";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: uuid::Uuid,
    tid: uuid::Uuid,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks platform access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue_access_token(&self, user_id: Id, tenant_id: Id) -> Result<String, AppError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.0,
            tid: tenant_id.0,
            aud: PLATFORM_AUDIENCE.to_owned(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    /// The user id in a valid, unexpired platform token.
    pub(crate) fn verify(&self, token: &str) -> Option<Id> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[PLATFORM_AUDIENCE]);
        validation.leeway = 5;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| Id(data.claims.sub))
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, AppError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::Unauthorized(
                "Not authenticated: send `Authorization: Bearer <access_token>`".into(),
            )
        })?;
    header
        .to_str()
        .ok()
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AppError::Unauthorized(
                "The Authorization header must be `Bearer <access_token>`".into(),
            )
        })
}

/// A signed-in platform user (any permission).
pub struct PlatformUser(pub Principal);

impl FromRequestParts<AppState> for PlatformUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let user_id = state
            .tokens()
            .verify(token)
            .ok_or_else(|| AppError::Unauthorized("Invalid or expired token".into()))?;
        let principal = accounts::load_principal(state.db(), user_id)
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "The user of this token no longer exists or is disabled".into(),
                )
            })?;
        Ok(PlatformUser(principal))
    }
}

/// A signed-in platform user with `builder.access` (spec 001 §2).
pub struct Builder(pub Principal);

impl FromRequestParts<AppState> for Builder {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PlatformUser(principal) = PlatformUser::from_request_parts(parts, state).await?;
        if !principal.has(BUILDER_ACCESS) {
            return Err(AppError::Forbidden(format!(
                "Missing permission: {BUILDER_ACCESS}"
            )));
        }
        Ok(Builder(principal))
    }
}

/// A caller authenticated by `X-API-Key` (spec 000 §2.1): bound to one app
/// and its tenant.
pub struct ApiKeyCaller(pub KeyOwner);

impl FromRequestParts<AppState> for ApiKeyCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get("x-api-key")
            .ok_or_else(|| AppError::Unauthorized("Missing X-API-Key header".into()))?
            .to_str()
            .map_err(|_| AppError::Unauthorized("API Key 無效或已撤銷".into()))?
            .trim();
        let owner = integrations::authenticate_key(state.db(), key)
            .await?
            .ok_or_else(|| AppError::Unauthorized("API Key 無效或已撤銷".into()))?;
        // A browser call must come from one of the app's allowed origins.
        if let Some(origin) = parts
            .headers
            .get(axum::http::header::ORIGIN)
            .and_then(|o| o.to_str().ok())
        {
            if !owner.allows_origin(origin) {
                return Err(AppError::OriginNotAllowed(origin.to_owned()));
            }
        }
        Ok(ApiKeyCaller(owner))
    }
}

/// Which kind of caller the data routes under a prefix serve. The router
/// sets it per prefix (`/data`: platform users, `/open/data`: API keys), so
/// one set of handlers serves every prefix (`/ext/data`: app users).
#[derive(Debug, Clone, Copy)]
pub enum CallerKind {
    Platform,
    ApiKey,
    /// `/ext`: an app user's access token (spec 000 §2.3.7); the app and
    /// tenant come from the token.
    Ext,
}

/// The data scope of a request, however its caller authenticated.
pub struct DataCaller(pub Scope);

impl FromRequestParts<AppState> for DataCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let kind = parts
            .extensions
            .get::<CallerKind>()
            .copied()
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("data route without a CallerKind"))
            })?;
        match kind {
            CallerKind::ApiKey => {
                let ApiKeyCaller(owner) = ApiKeyCaller::from_request_parts(parts, state).await?;
                Ok(DataCaller(Scope {
                    tenant_id: owner.tenant_id,
                    app_id: Some(owner.app_id),
                }))
            }
            CallerKind::Ext => {
                let caller = AppUserCaller::from_request_parts(parts, state).await?;
                Ok(DataCaller(Scope {
                    tenant_id: caller.tenant(),
                    app_id: Some(caller.app.id),
                }))
            }
            CallerKind::Platform => {
                let Builder(user) = Builder::from_request_parts(parts, state).await?;
                Ok(DataCaller(Scope {
                    tenant_id: user.tenant_id,
                    app_id: app_hint(parts)?,
                }))
            }
        }
    }
}

/// The app a platform user's data request is about, from `X-App-Id` (the
/// SDK sends it) or `?app_id=`; without one, the whole tenant is in scope.
fn app_hint(parts: &Parts) -> Result<Option<Id>, AppError> {
    let from_header = parts
        .headers
        .get("x-app-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("app_id=").map(str::to_owned))
    });
    match from_header.or(from_query).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => uuid::Uuid::parse_str(&text)
            .map(|id| Some(Id(id)))
            .map_err(|_| AppError::Unprocessable(format!("app_id {text:?} is not a UUID"))),
    }
}
