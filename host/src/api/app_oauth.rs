//! OAuth sign-in for app users (spec 000 §2.4, spec 001 §19.5):
//! `/api/v1/custom-app-oauth/{app_slug}/…`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::app_auth::{auth_app, tokens, AppTokens};
use crate::app_users::oauth::{self, ProviderAnswer, Resolution, Site};
use crate::app_users::AppUserError;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth_providers))
        .routes(routes!(authorize))
        .routes(routes!(callback))
        .routes(routes!(complete_email))
        .routes(routes!(liff_swap))
        .layer(DefaultBodyLimit::max(16 * 1024))
}

/// scheme://host[:port] of this server as browsers and providers reach it.
pub(super) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.oauth().public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn callback_url(base: &str, slug: &str, provider: &str) -> String {
    format!("{base}/api/v1/custom-app-oauth/{slug}/{provider}/callback")
}

#[derive(Serialize, utoipa::ToSchema)]
struct ProviderEntry {
    provider: String,
    enabled: bool,
}

/// The app's enabled OAuth providers.
#[utoipa::path(get, path = "/api/v1/custom-app-oauth/{app_slug}/auth-providers", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    responses((status = 200, body = Vec<ProviderEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn auth_providers(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<ApiJson<Vec<ProviderEntry>>> {
    let app = auth_app(&state, &app_slug, &headers).await?;
    Ok(ApiJson(
        oauth::enabled_providers(state.db(), app.id)
            .await?
            .into_iter()
            .map(|provider| ProviderEntry {
                provider,
                enabled: true,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
struct ProviderPath {
    app_slug: String,
    provider: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuthorizeQuery {
    /// Where in the app to land after sign-in, e.g. `#/dashboard`; passed
    /// back as `route`.
    return_path: Option<String>,
    /// A page to land on instead of the app's `live_url`; must be on the
    /// live_url's origin or one of the app's `allowed_origins`.
    redirect_uri: Option<String>,
}

/// Starts an OAuth sign-in: 302 to the provider, with a single-use `state`
/// and PKCE (S256).
#[utoipa::path(get, path = "/api/v1/custom-app-oauth/{app_slug}/{provider}/authorize", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain"), ("provider" = String, Path, description = "line or google"), AuthorizeQuery),
    responses((status = 302, description = "to the provider's authorization page"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody, description = "unknown or not enabled provider")))]
async fn authorize(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiPath(path): ApiPath<ProviderPath>,
    ApiQuery(query): ApiQuery<AuthorizeQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let app = auth_app(&state, &path.app_slug, &headers).await?;
    // Each start writes a state: limited per address like a sign-in.
    let _slot = unauthenticated_limit(&state, connection.as_deref(), &app)?;
    let base = public_base(&state, &headers);
    let browser = crate::accounts::random_hex(16);
    let location = oauth::authorize(
        state.db(),
        state.oauth(),
        &app,
        &path.provider,
        query.return_path.filter(|p| !p.is_empty()),
        query.redirect_uri.filter(|p| !p.is_empty()),
        &Site {
            callback_url: &callback_url(&base, &app.slug, &path.provider),
            public_base: &base,
            browser: &browser,
        },
    )
    .await?;
    let mut response = found(&location);
    // Lax: the provider's redirect back is a top-level GET, which carries it.
    let cookie = format!(
        "{}={browser}; Path=/api/v1/custom-app-oauth/; {}; Max-Age=1800",
        binding_cookie(&app.slug),
        super::runtime::cookie_attributes(&state)
    );
    if let Ok(value) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The sign-in limits, keyed by the address (not by an account, which an
/// OAuth start does not have).
fn unauthenticated_limit(
    state: &AppState,
    connection: Option<&ConnectInfo<SocketAddr>>,
    app: &crate::app_users::AuthApp,
) -> ApiResult<crate::state::LoginSlot> {
    let address = super::auth::client_address(connection);
    super::app_auth::limit(state, connection, app, &format!("oauth@{address}"))
}

/// The cookie that binds a sign-in's `state` to the browser that began it.
fn binding_cookie(slug: &str) -> String {
    format!("appbox_oauth_{slug}")
}

fn found(location: &str) -> Response {
    let mut response = Redirect::to(location).into_response();
    *response.status_mut() = StatusCode::FOUND;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// Set by the provider when the user refused.
    error: Option<String>,
}

/// The provider's redirect back. Answers 302 to the app's `live_url` (or
/// its runtime page) with `oauth_token` (base64 URL-safe JSON of the token
/// answer), `oauth_pending` (no e-mail; 30 minutes) or `oauth_error`, plus
/// `route` when a return path was given. A forged, replayed or expired
/// `state` is a 400.
#[utoipa::path(get, path = "/api/v1/custom-app-oauth/{app_slug}/{provider}/callback", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain"), ("provider" = String, Path), CallbackQuery),
    responses((status = 302, description = "to the app with oauth_token, oauth_pending or oauth_error"), (status = 400, body = ErrorBody, description = "無效或已使用的 OAuth state"),
        (status = 404, body = ErrorBody, description = "no such app, or the provider is not enabled for it")))]
async fn callback(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<ProviderPath>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // No origin check: the browser arrives from the provider's page.
    let app = crate::app_users::find_auth_app(state.db(), &path.app_slug).await?;
    let base = public_base(&state, &headers);
    let location = oauth::callback(
        state.db(),
        state.oauth(),
        state.app_user_keys(),
        &app,
        &path.provider,
        &ProviderAnswer {
            code: query.code.as_deref(),
            state: query.state.as_deref().unwrap_or_default(),
            error: query.error.as_deref(),
        },
        &Site {
            callback_url: &callback_url(&base, &app.slug, &path.provider),
            public_base: &base,
            browser: &super::runtime::cookie(&headers, &binding_cookie(&app.slug))
                .unwrap_or_default(),
        },
    )
    .await?;
    Ok(found(&location))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CompleteEmail {
    /// The `oauth_pending` value of the callback.
    pending_token: String,
    email: String,
}

/// Finishes a sign-in that had no e-mail. An e-mail that already has an
/// account is a 409 (it was typed, not verified by the provider: sign in
/// with the password instead).
#[utoipa::path(post, path = "/api/v1/custom-app-oauth/{app_slug}/oauth/complete-email", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = CompleteEmail,
    responses((status = 200, body = AppTokens), (status = 400, body = ErrorBody, description = "無效或已過期的 pending_token"), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete_email(
    State(state): State<AppState>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CompleteEmail>,
) -> ApiResult<ApiJson<AppTokens>> {
    let app = auth_app(&state, &app_slug, &headers).await?;
    if body.email.len() > 1024 || body.pending_token.len() > 256 {
        return Err(AppUserError::from(oauth::OAuthError::InvalidPending).into());
    }
    let signed = oauth::complete_email(state.db(), &app, &body.pending_token, &body.email).await?;
    Ok(ApiJson(tokens(&state, &app, signed)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LiffSwap {
    liff_access_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Pending {
    /// Send it with an e-mail to `…/oauth/complete-email`.
    pending_token: String,
    expires_in: i64,
}

/// LINE LIFF: swaps a LIFF access token (checked with LINE against the
/// app's LINE channel) for app tokens; a LINE user without an account and
/// without an e-mail gets 202 with a `pending_token`.
#[utoipa::path(post, path = "/api/v1/custom-app-oauth/{app_slug}/liff-swap", tag = "app-users",
    params(("app_slug" = String, Path, description = "the app's slug or subdomain")),
    request_body = LiffSwap,
    responses((status = 200, body = AppTokens), (status = 202, body = Pending), (status = 401, body = ErrorBody, description = "無效的 LIFF access token"), (status = 404, body = ErrorBody)))]
async fn liff_swap(
    State(state): State<AppState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiPath(app_slug): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LiffSwap>,
) -> ApiResult<Response> {
    let app = auth_app(&state, &app_slug, &headers).await?;
    // Each swap calls LINE twice: limited per address like a sign-in.
    let _slot = unauthenticated_limit(&state, connection.as_deref(), &app)?;
    if body.liff_access_token.is_empty() || body.liff_access_token.len() > 4096 {
        return Err(AppUserError::from(oauth::OAuthError::InvalidLiffToken).into());
    }
    Ok(
        match oauth::liff_swap(state.db(), state.oauth(), &app, &body.liff_access_token).await? {
            Resolution::SignedIn(signed) => ApiJson(tokens(&state, &app, signed)?).into_response(),
            Resolution::Pending(pending_token) => (
                StatusCode::ACCEPTED,
                ApiJson(Pending {
                    pending_token,
                    expires_in: oauth::PENDING_MINUTES * 60,
                }),
            )
                .into_response(),
        },
    )
}
