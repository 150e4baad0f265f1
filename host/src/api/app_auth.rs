//! App users' sign-in (spec 000 §2.3, spec 001 §19.3-§19.4):
//! `/api/v1/custom-app-auth/{app_slug}/…` for the app's own users, and
//! `/api/v1/custom-app-auth/manage/{app_id}/…` for builders (users and
//! OAuth providers).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::app_users::oauth::{self, OAuthError, ProviderInfo};
use crate::app_users::tokens::AppUserCaller;
use crate::app_users::{self, AppUser, AppUserError, AuthApp, SignedIn};
use crate::builder::apps;
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiResult, AppError, ErrorBody};
use crate::state::{AppState, LoginRefusal};

/// Largest body these routes read: a few short strings.
const AUTH_BODY_BYTES: usize = 16 * 1024;
/// Bounds checked before any work (the validation messages come after).
const MAX_EMAIL_BYTES: usize = 1024;
const MAX_PASSWORD_BYTES: usize = 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(me))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(list_users))
        .routes(routes!(update_user, delete_user))
        .routes(routes!(list_providers))
        .routes(routes!(set_provider, delete_provider))
        .layer(DefaultBodyLimit::max(AUTH_BODY_BYTES))
}

impl From<AppUserError> for AppError {
    fn from(err: AppUserError) -> Self {
        let text = err.to_string();
        match err {
            AppUserError::AppNotFound | AppUserError::UserNotFound => AppError::NotFound(text),
            AppUserError::AuthNotSupported
            | AppUserError::OriginNotAllowed
            | AppUserError::Disabled => AppError::Forbidden(text),
            AppUserError::EmailTaken => AppError::Conflict(text),
            AppUserError::BadCredentials
            | AppUserError::InvalidRefreshToken
            | AppUserError::RefreshTokenExpired
            | AppUserError::UserGone
            | AppUserError::NoToken
            | AppUserError::InvalidToken => AppError::Unauthorized(text),
            AppUserError::Invalid(_) => AppError::Unprocessable(text),
            AppUserError::OAuth(oauth) => match oauth {
                OAuthError::UnknownProvider(_) | OAuthError::NotEnabled(_) => {
                    AppError::NotFound(text)
                }
                OAuthError::InvalidState
                | OAuthError::InvalidPending
                | OAuthError::BadRequest(_) => AppError::BadRequest(text),
                OAuthError::InvalidLiffToken => AppError::Unauthorized(text),
                OAuthError::Provider(_) => AppError::Unavailable(text),
                OAuthError::Secret(_) => AppError::Internal(anyhow::anyhow!(text)),
            },
            AppUserError::Database(db) => db.into(),
            AppUserError::Hashing(account) => account.into(),
        }
    }
}

/// The app of the path, if its users may sign in from this origin.
pub(super) async fn auth_app(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
) -> ApiResult<AuthApp> {
    let app = app_users::find_auth_app(state.db(), key).await?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    app.check_origin(
        header(axum::http::header::ORIGIN),
        header(axum::http::header::HOST),
    )?;
    Ok(app)
}

/// The token answer of register, login, refresh (spec 000 §2.3.2).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AppTokens {
    /// HS256 JWT for `Authorization: Bearer …` on `/ext/…` and `…/me`.
    access_token: String,
    /// 64 hex characters; single use: `…/refresh` rotates it.
    refresh_token: String,
    /// 900 seconds.
    expires_in: i64,
    /// `Bearer`.
    token_type: &'static str,
    user: AppUser,
}

pub(super) fn tokens(state: &AppState, app: &AuthApp, signed: SignedIn) -> ApiResult<AppTokens> {
    Ok(AppTokens {
        access_token: state
            .app_user_keys()
            .issue(Id(signed.user.id), app.id, app.tenant_id)?,
        refresh_token: signed.refresh_token,
        expires_in: app_users::tokens::ACCESS_TOKEN_SECONDS,
        token_type: "Bearer",
        user: signed.user,
    })
}

/// Counts an attempt against the per-address and per-account limits of the
/// platform login (README: login attempts).
pub(super) fn limit(
    state: &AppState,
    connection: Option<&ConnectInfo<SocketAddr>>,
    app: &AuthApp,
    email: &str,
) -> ApiResult<crate::state::LoginSlot> {
    let address = super::auth::client_address(connection);
    let account = format!("{}:{}", app.id, email.trim().to_lowercase());
    state
        .login_attempt(address, &account)
        .map_err(|refusal| match refusal {
            LoginRefusal::Address(seconds) | LoginRefusal::Account(seconds) => {
                AppError::TooManyRequests {
                    detail: "請求過於頻繁,請稍後再試".into(),
                    retry_after_seconds: seconds,
                }
            }
            LoginRefusal::Busy => AppError::TooManyRequests {
                detail: "請求過於頻繁,請稍後再試".into(),
                retry_after_seconds: 1,
            },
        })
}

fn bound(email: &str, password: &str) -> ApiResult<()> {
    if email.len() > MAX_EMAIL_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::Unprocessable(
            "email or password is far too long".into(),
        ));
    }
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RegisterRequest {
    /// A valid e-mail, 1-255 characters; stored lowercased.
    email: String,
    /// 6-128 characters.
    password: String,
    /// 1-100 characters.
    display_name: String,
}

/// Signs a new user up (201) and signs them in.
#[utoipa::path(post, path = "/api/v1/custom-app-auth/{app_slug}/register", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = RegisterRequest,
    responses((status = 201, body = AppTokens), (status = 403, body = ErrorBody, description = "此 App 不支援用戶認證 / 此來源不在白名單中"),
        (status = 404, body = ErrorBody, description = "App 不存在"), (status = 409, body = ErrorBody, description = "此 Email 已被註冊"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, ApiJson<AppTokens>)> {
    bound(&body.email, &body.password)?;
    let app = auth_app(&state, &app_slug, &headers).await?;
    let email = app_users::normalize_email(&body.email)?;
    app_users::check_password(&body.password)?;
    let name = app_users::check_display_name(&body.display_name)?;
    let _slot = limit(&state, connection.as_ref().map(|c| &c.0), &app, &email)?;
    let signed = app_users::register(state.db(), &app, &email, &body.password, &name).await?;
    Ok((StatusCode::CREATED, ApiJson(tokens(&state, &app, signed)?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LoginRequest {
    email: String,
    password: String,
}

/// Signs a user in with e-mail and password; every login is a new session
/// (one per device).
#[utoipa::path(post, path = "/api/v1/custom-app-auth/{app_slug}/login", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = LoginRequest,
    responses((status = 200, body = AppTokens), (status = 401, body = ErrorBody, description = "帳號或密碼錯誤"),
        (status = 403, body = ErrorBody, description = "帳號已被停用 / 此來源不在白名單中"), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<AppTokens>> {
    bound(&body.email, &body.password)?;
    let app = auth_app(&state, &app_slug, &headers).await?;
    let _slot = limit(&state, connection.as_ref().map(|c| &c.0), &app, &body.email)?;
    let signed = app_users::login(state.db(), &app, &body.email, &body.password).await?;
    Ok(ApiJson(tokens(&state, &app, signed)?))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/custom-app-auth/{app_slug}/me", tag = "app-users", security(("bearer" = [])),
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    responses((status = 200, body = AppUser), (status = 401, body = ErrorBody, description = "未提供認證 Token / 無效或已過期的 Token"),
        (status = 403, body = ErrorBody, description = "帳號已被停用")))]
async fn me(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    caller: AppUserCaller,
) -> ApiResult<ApiJson<AppUser>> {
    let app = app_users::find_auth_app(state.db(), &app_slug).await?;
    if app.id != caller.app.id {
        return Err(AppUserError::InvalidToken.into());
    }
    app_users::get_user(state.db(), app.id, caller.user)
        .await?
        .map(ApiJson)
        .ok_or_else(|| AppUserError::UserGone.into())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RefreshRequest {
    refresh_token: String,
}

/// Spends a refresh token for a new pair (rotation). A rotated token
/// presented again revokes its whole session.
#[utoipa::path(post, path = "/api/v1/custom-app-auth/{app_slug}/refresh", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = RefreshRequest,
    responses((status = 200, body = AppTokens), (status = 401, body = ErrorBody, description = "無效的 Refresh Token / Refresh Token 已過期 / 使用者不存在或已停用")))]
async fn refresh(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<AppTokens>> {
    let app = auth_app(&state, &app_slug, &headers).await?;
    if body.refresh_token.len() > 256 {
        return Err(AppUserError::InvalidRefreshToken.into());
    }
    let signed = app_users::refresh(state.db(), &app, &body.refresh_token).await?;
    Ok(ApiJson(tokens(&state, &app, signed)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LogoutRequest {
    /// The session to end; without it nothing is revoked.
    refresh_token: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Message {
    message: &'static str,
}

/// Ends the session of the refresh token (this device).
#[utoipa::path(post, path = "/api/v1/custom-app-auth/{app_slug}/logout", tag = "app-users", security(("bearer" = [])),
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = LogoutRequest,
    responses((status = 200, body = Message, description = "{\"message\": \"已登出\"}"), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    caller: AppUserCaller,
    ApiJson(body): ApiJson<LogoutRequest>,
) -> ApiResult<ApiJson<Message>> {
    let app = app_users::find_auth_app(state.db(), &app_slug).await?;
    if app.id != caller.app.id {
        return Err(AppUserError::InvalidToken.into());
    }
    if let Some(token) = body.refresh_token {
        app_users::logout(state.db(), caller.user, &token).await?;
    }
    Ok(ApiJson(Message {
        message: "已登出"
    }))
}

/// The builder's app (another tenant's is a 404).
async fn builder_app(
    state: &AppState,
    builder: &Builder,
    app_id: &str,
) -> ApiResult<apps::AppRecord> {
    Ok(apps::find_app(state.db(), Some(builder.0.tenant_id), app_id).await?)
}

fn user_id(text: &str) -> ApiResult<Id> {
    uuid::Uuid::parse_str(text)
        .map(Id)
        .map_err(|_| AppUserError::UserNotFound.into())
}

/// The app's users, oldest first.
#[utoipa::path(get, path = "/api/v1/custom-app-auth/manage/{app_id}/users", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain")),
    responses((status = 200, body = Vec<AppUser>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(app_id): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<AppUser>>> {
    let app = builder_app(&state, &builder, &app_id).await?;
    Ok(ApiJson(
        app_users::list_users(state.db(), Id(app.id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct UserUpdate {
    /// `false` disables the user: their sessions end and their access
    /// tokens stop working at once.
    is_active: bool,
}

#[derive(Deserialize)]
struct UserPath {
    app_id: String,
    user_id: String,
}

/// Disables or enables a user.
#[utoipa::path(patch, path = "/api/v1/custom-app-auth/manage/{app_id}/users/{user_id}", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain"), ("user_id" = String, Path)),
    request_body = UserUpdate,
    responses((status = 200, body = AppUser), (status = 404, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(path): ApiPath<UserPath>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult<ApiJson<AppUser>> {
    let app = builder_app(&state, &builder, &path.app_id).await?;
    let user = user_id(&path.user_id)?;
    Ok(ApiJson(
        app_users::set_active(state.db(), Id(app.id), user, body.is_active).await?,
    ))
}

/// Deletes a user with all their sessions (204).
#[utoipa::path(delete, path = "/api/v1/custom-app-auth/manage/{app_id}/users/{user_id}", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain"), ("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_user(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(path): ApiPath<UserPath>,
) -> ApiResult<StatusCode> {
    let app = builder_app(&state, &builder, &path.app_id).await?;
    let user = user_id(&path.user_id)?;
    app_users::delete_user(state.db(), Id(app.id), user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The app's OAuth providers (client secrets are never shown).
#[utoipa::path(get, path = "/api/v1/custom-app-auth/manage/{app_id}/oauth-providers", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain")),
    responses((status = 200, body = Vec<ProviderInfo>), (status = 404, body = ErrorBody)))]
async fn list_providers(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(app_id): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<ProviderInfo>>> {
    let app = builder_app(&state, &builder, &app_id).await?;
    Ok(ApiJson(
        oauth::list_providers(state.db(), Id(app.id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ProviderSettings {
    client_id: String,
    /// Stored encrypted (AES-256-GCM); never returned.
    client_secret: String,
    /// Default true.
    enabled: Option<bool>,
}

#[derive(Deserialize)]
struct ProviderPath {
    app_id: String,
    provider: String,
}

/// Sets an OAuth provider of an external or self-built app (`line`,
/// `google`). The provider's callback URL is
/// `{public URL}/api/v1/custom-app-oauth/{app_slug}/{provider}/callback`.
#[utoipa::path(put, path = "/api/v1/custom-app-auth/manage/{app_id}/oauth-providers/{provider}", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain"), ("provider" = String, Path, description = "line or google")),
    request_body = ProviderSettings,
    responses((status = 200, body = Vec<ProviderInfo>, description = "the app's providers"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_provider(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(path): ApiPath<ProviderPath>,
    ApiJson(body): ApiJson<ProviderSettings>,
) -> ApiResult<ApiJson<Vec<ProviderInfo>>> {
    let app = builder_app(&state, &builder, &path.app_id).await?;
    if app.access_mode == apps::AccessMode::Internal {
        return Err(AppUserError::AuthNotSupported.into());
    }
    let fine = |s: &str| !s.trim().is_empty() && s.len() <= 500;
    if !fine(&body.client_id) || !fine(&body.client_secret) {
        return Err(AppError::Unprocessable(
            "client_id and client_secret are required (at most 500 characters)".into(),
        ));
    }
    oauth::set_provider(
        state.db(),
        state.oauth(),
        &app,
        &path.provider,
        body.client_id.trim(),
        body.client_secret.trim(),
        body.enabled.unwrap_or(true),
    )
    .await?;
    Ok(ApiJson(
        oauth::list_providers(state.db(), Id(app.id)).await?,
    ))
}

/// Removes an OAuth provider (204).
#[utoipa::path(delete, path = "/api/v1/custom-app-auth/manage/{app_id}/oauth-providers/{provider}", tag = "app-users", security(("bearer" = [])),
    params(("app_id" = String, Path, description = "the app's id, slug or subdomain"), ("provider" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_provider(
    State(state): State<AppState>,
    builder: Builder,
    ApiPath(path): ApiPath<ProviderPath>,
) -> ApiResult<StatusCode> {
    let app = builder_app(&state, &builder, &path.app_id).await?;
    if oauth::delete_provider(state.db(), Id(app.id), &path.provider).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppUserError::from(OAuthError::NotEnabled(
            path.provider.chars().take(40).collect(),
        ))
        .into())
    }
}
