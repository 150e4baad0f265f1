//! Platform login and token refresh (spec 001 §2).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{self, UserInfo};
use crate::auth::{PlatformUser, ACCESS_TOKEN_SECONDS};
use crate::db::Id;
use crate::error::{ApiJson, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(me))
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
struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`, valid for `expires_in` seconds.
    access_token: String,
    /// Single use: `POST /api/v1/auth/refresh` spends it and returns a new pair.
    refresh_token: String,
    expires_in: i64,
    /// Always `bearer`.
    token_type: &'static str,
}

async fn token_pair(state: &AppState, user_id: Id) -> ApiResult<TokenResponse> {
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
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody, description = "Wrong email or password, or a disabled user"),
        (status = 429, body = ErrorBody, description = "more than 20 attempts for the account in a minute; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let account = body.email.trim().to_lowercase();
    state
        .login_attempt(&account)
        .map_err(|seconds| AppError::TooManyRequests {
            detail: format!("Too many login attempts for this account; try again in {seconds} s"),
            retry_after_seconds: seconds,
        })?;
    let user_id = accounts::authenticate(state.db(), &body.email, &body.password)
        .await?
        .ok_or_else(|| AppError::Unauthorized("Incorrect email or password".into()))?;
    Ok(ApiJson(token_pair(&state, user_id).await?))
}

/// Spends a refresh token for a new token pair. A refresh token works once;
/// presenting a spent one revokes every refresh token of its user.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
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
