//! Platform login and token refresh (spec 001 §2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::PlatformUser;
use crate::accounts::{self, UserInfo};
use crate::auth::ACCESS_TOKEN_SECONDS;
use crate::db::Id;
use crate::error::{ApiJson, ApiResult, AppError, ErrorBody};
use crate::state::{AppState, LoginRefusal};

/// Largest body the sign-in routes read: a login is two short strings.
pub(super) const AUTH_BODY_BYTES: usize = 16 * 1024;
/// RFC 5321's limit on an address.
pub(super) const MAX_EMAIL_BYTES: usize = 254;
/// Longer passwords only cost hashing time.
pub(super) const MAX_PASSWORD_BYTES: usize = 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(me))
        .layer(DefaultBodyLimit::max(AUTH_BODY_BYTES))
}

/// The client's address, from the connection (unknown in in-process tests),
/// as the edge layer resolved it: behind a trusted proxy, the address it
/// forwarded for (`api/pub_edge.rs`, `APPBOX_TRUSTED_PROXIES`).
pub(super) fn client_address(connection: Option<&ConnectInfo<SocketAddr>>) -> IpAddr {
    connection.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// A sign-in attempt's slot under the login limits (per address, per
/// account, in flight), or the 429 that says which limit refused it. Every
/// route that checks or sets a platform password takes one.
pub(super) fn login_slot(
    state: &AppState,
    address: IpAddr,
    account: &str,
) -> ApiResult<crate::state::LoginSlot> {
    state
        .login_attempt(address, account)
        .map_err(|refusal| match refusal {
            LoginRefusal::Address(seconds) => AppError::TooManyRequests {
                detail: format!(
                    "Too many login attempts from your address; try again in {seconds} s"
                ),
                retry_after_seconds: seconds,
            },
            LoginRefusal::Account(seconds) => AppError::TooManyRequests {
                detail: format!(
                    "Too many login attempts for this account; try again in {seconds} s"
                ),
                retry_after_seconds: seconds,
            },
            LoginRefusal::Busy => AppError::TooManyRequests {
                detail: "Logins from your address are already being checked; try again in a second"
                    .into(),
                retry_after_seconds: 1,
            },
        })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`, valid for `expires_in` seconds.
    access_token: String,
    /// Single use: `POST /api/v1/auth/refresh` spends it and returns a new pair.
    refresh_token: String,
    expires_in: i64,
    /// Always `bearer`.
    token_type: &'static str,
}

pub(super) async fn token_pair(state: &AppState, user_id: Id) -> ApiResult<TokenResponse> {
    let principal = accounts::load_principal(state.db(), user_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("The user no longer exists or is disabled".into()))?;
    Ok(TokenResponse {
        access_token: state
            .tokens()
            .issue_access_token(user_id, principal.tenant_id)?,
        refresh_token: accounts::issue_refresh_token(state.db(), user_id).await?,
        expires_in: ACCESS_TOKEN_SECONDS,
        token_type: "bearer",
    })
}

/// Exchanges an email and password for an access and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = LoginRequest, example = json!({"email": "admin@appbox.local", "password": "your-password"})),
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody, description = "Wrong email or password, or a disabled user"),
        (status = 413, body = ErrorBody, description = "a body over 16 KiB"),
        (status = 422, body = ErrorBody, description = "an e-mail over 254 bytes or a password over 1024 bytes"),
        (status = 429, body = ErrorBody, description = "more than 20 attempts for the account, or 60 from the address, in a minute; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    // Bounded before any work: no limiter key, no hashing for oversized input.
    if body.email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::Unprocessable(format!(
            "email is longer than {MAX_EMAIL_BYTES} bytes"
        )));
    }
    if body.password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::Unprocessable(format!(
            "password is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let account = body.email.trim().to_lowercase();
    let _slot = login_slot(
        &state,
        client_address(connection.as_ref().map(|c| &c.0)),
        &account,
    )?;
    let user_id = accounts::authenticate(state.db(), &body.email, &body.password)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Incorrect email or password".into()))?;
    Ok(ApiJson(token_pair(&state, user_id).await?))
}

/// Spends a refresh token for a new token pair. A refresh token works once;
/// presenting a spent one revokes every refresh token of its user.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body(content = RefreshRequest, example = json!({"refresh_token": "the refresh_token of the login answer"})),
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let user_id = accounts::redeem_refresh_token(state.db(), body.refresh_token.trim())
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized("Invalid, expired or already used refresh token".into())
        })?;
    Ok(ApiJson(token_pair(&state, user_id).await?))
}

/// The signed-in user, their tenant, roles and permissions.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    PlatformUser(principal): PlatformUser,
) -> ApiResult<ApiJson<UserInfo>> {
    accounts::get_user(state.db(), principal.user_id)
        .await?
        .map(ApiJson)
        .ok_or_else(|| AppError::Unauthorized("The user no longer exists".into()))
}
