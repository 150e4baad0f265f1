//! The extractors that authenticate a request's caller: a platform user, a
//! builder, an API key, an app user, or any of those on the data routes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::accounts::{self, Principal, BUILDER_ACCESS};
use crate::app_users::tokens::{self, AppUserCaller};
use crate::builder::apps::{self, AccessMode, AppRecord};
use crate::builder::integrations::{self, KeyOwner};
use crate::data::custom_tables::Scope;
use crate::db::Id;
use crate::error::AppError;
use crate::members::{self, Refusal};
use crate::state::AppState;

use super::pub_edge::PublicVisitor;

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
    /// `/pub/…/{slug}`: an anonymous visitor of a public app (spec 001
    /// §18); read-only, public tables and references only.
    Pub,
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
                Ok(DataCaller(Scope::of(owner.tenant_id, Some(owner.app_id))))
            }
            CallerKind::Ext => {
                let caller = AppUserCaller::from_request_parts(parts, state).await?;
                Ok(DataCaller(Scope::of(caller.tenant(), Some(caller.app.id))))
            }
            CallerKind::Pub => {
                let PublicVisitor(visitor) =
                    PublicVisitor::from_request_parts(parts, state).await?;
                Ok(DataCaller(Scope {
                    tenant_id: visitor.tenant,
                    app_id: Some(visitor.app),
                    public_only: true,
                }))
            }
            CallerKind::Platform => {
                let PlatformUser(user) = PlatformUser::from_request_parts(parts, state).await?;
                let app_id = app_hint(parts)?;
                if user.has(BUILDER_ACCESS) {
                    return Ok(DataCaller(Scope::of(user.tenant_id, app_id)));
                }
                // A member (no builder.access): one internal app they may open.
                let app = app_id.ok_or_else(|| {
                    AppError::Forbidden(format!(
                        "Missing permission: {BUILDER_ACCESS}. Members reach one app's data: send X-App-Id (the SDK does)"
                    ))
                })?;
                let app = member_app(state, &user, &app.to_string()).await?;
                Ok(DataCaller(Scope::of(user.tenant_id, Some(Id(app.id)))))
            }
        }
    }
}

/// The data scope of a schema change (tables, fields): builders only.
pub struct BuilderScope(pub Scope);

impl FromRequestParts<AppState> for BuilderScope {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Builder(user) = Builder::from_request_parts(parts, state).await?;
        Ok(BuilderScope(Scope::of(user.tenant_id, app_hint(parts)?)))
    }
}

/// The app (`key`: id, slug or subdomain) a platform user without
/// builder.access uses as a member: a published internal app of their
/// tenant that their role may open (spec 001 §17.3). Another tenant's app
/// is a 404; an app they may not open, a 403 saying why.
pub async fn member_app(
    state: &AppState,
    user: &Principal,
    key: &str,
) -> Result<AppRecord, AppError> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), key).await?;
    match members::refusal(state.db(), user, &app).await? {
        Some(Refusal::NotPublished) => Err(AppError::NotFound(
            "App not found, or not published yet".into(),
        )),
        Some(refusal) => Err(AppError::Forbidden(format!(
            "{}: ask an admin to add your role to the app's allow-list",
            refusal.reason()
        ))),
        None if app.access_mode != AccessMode::Internal => Err(AppError::Forbidden(format!(
            "Missing permission: {BUILDER_ACCESS}. Members reach internal apps only; this app's users sign in with its own accounts (/ext)"
        ))),
        None => Ok(app),
    }
}

/// The app whose files a storage request touches (spec 001 §15): an app
/// user's token names its app; a platform token (an internal app's page
/// holds one) needs `X-App-Id`, and a member must be allowed to open that
/// app, as on `/api/v1/data`.
pub struct StorageCaller(pub crate::edge::storage::Owner);

impl FromRequestParts<AppState> for StorageCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use crate::edge::storage::Owner;
        if state.tokens().verify(bearer_token(parts)?).is_none() {
            let caller = AppUserCaller::from_request_parts(parts, state).await?;
            return Ok(StorageCaller(Owner {
                tenant: caller.tenant(),
                app: caller.app.id,
            }));
        }
        let PlatformUser(user) = PlatformUser::from_request_parts(parts, state).await?;
        let key = app_hint(parts)?
            .map(|id| id.to_string())
            .or_else(|| runtime_page_app(parts))
            .ok_or_else(|| {
                AppError::BadRequest(
                    "Which app's files? Send X-App-Id with a platform token, or call from the app's page".into(),
                )
            })?;
        let app = if user.has(BUILDER_ACCESS) {
            apps::find_app(state.db(), Some(user.tenant_id), &key).await?
        } else {
            member_app(state, &user, &key).await?
        };
        Ok(StorageCaller(Owner {
            tenant: user.tenant_id,
            app: Id(app.id),
        }))
    }
}

/// The app of an internal app's page (`/runtime/{slug}`) a request comes
/// from, by its `Referer`: the spec's storage snippet (001 §15) sends only
/// the token. It only picks the app; the caller must still be allowed it.
fn runtime_page_app(parts: &Parts) -> Option<String> {
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)?
        .to_str()
        .ok()?;
    let rest = referer.split_once("://")?.1;
    let slug = rest[rest.find('/')?..].strip_prefix("/runtime/")?;
    let slug = slug.split(['/', '?', '#']).next()?;
    (!slug.is_empty()).then(|| slug.to_owned())
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

impl FromRequestParts<AppState> for AppUserCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(tokens::authenticate(parts, state.db(), state.app_user_keys()).await?)
    }
}
