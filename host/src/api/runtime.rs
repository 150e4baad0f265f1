//! What end users' browsers load (spec 001 §17, §19.2): the page that opens a
//! published app, its content-hashed assets, the runtime script, and the
//! root page. Pages, not API: errors are small HTML pages, and a browser
//! navigation proves who it is with a cookie (it sends no Authorization
//! header). `?token=<platform access token>` on a page becomes that cookie.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{self, Principal};
use crate::builder::apps::{self, AccessMode, AppRecord};
use crate::builder::assets::{escape_html, runtime_hash};
use crate::error::AppError;
use crate::members::Refusal;
use crate::serving::runtime::{self as serving, Asset, Encoding, PageGlobals, ServeError};
use crate::state::AppState;

/// The cookie that carries a platform access token on page loads.
pub(super) const SESSION_COOKIE: &str = "appbox_token";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(super::home::home))
        .routes(routes!(super::home::start_session))
        .routes(routes!(super::home::sign_out))
        .routes(routes!(internal_app))
        .routes(routes!(external_app))
        .routes(routes!(runtime_script))
        .routes(routes!(app_asset))
        .layer(CompressionLayer::new().gzip(true).br(true))
}

/// No `token` here: a link that signed its visitor in as someone else
/// (forced login) is an attack; sessions start with `POST /session`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageQuery {
    /// A hash route to start on (`#/orders`), e.g. after a login round trip.
    pub(super) route: Option<String>,
}

/// The signed-in platform user of a page load, from the session cookie;
/// `None` without a cookie or with a stale one.
pub(super) async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Principal, String)>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    user_of(state, &token)
        .await
        .map(|user| user.map(|u| (u, token)))
}

pub(super) async fn user_of(state: &AppState, token: &str) -> Result<Option<Principal>, AppError> {
    match state.tokens().verify(token) {
        Some(id) => Ok(accounts::load_principal(state.db(), id).await?),
        None => Ok(None),
    }
}

/// A cookie's value from the request, if present and not empty.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// The attributes of every cookie appbox sets. `Secure` when browsers reach
/// appbox over https (`APPBOX_PUBLIC_URL`), so a session never travels in
/// clear text; without it appbox may be on plain http (local use), where a
/// browser would drop a Secure cookie.
pub(super) fn cookie_attributes(state: &AppState) -> &'static str {
    match &state.oauth().public_url {
        Some(url) if url.starts_with("https://") => "HttpOnly; SameSite=Lax; Secure",
        _ => "HttpOnly; SameSite=Lax",
    }
}

/// `Set-Cookie` for a session that lasts as long as its token.
pub(super) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; {}; Max-Age={}",
        cookie_attributes(state),
        crate::auth::ACCESS_TOKEN_SECONDS
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(super) fn cleared_cookie(state: &AppState) -> HeaderValue {
    let value = format!(
        "{SESSION_COOKIE}=; Path=/; {}; Max-Age=0",
        cookie_attributes(state)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A small HTML page for an error a visitor sees instead of the app.
pub(super) fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}</style>\
         </head><body><h1>{title}</h1><p>{text}</p><p><a href=\"/\">appbox home</a></p></body></html>\n",
        title = escape_html(title),
        text = escape_html(text),
    );
    (status, no_store(), Html(body)).into_response()
}

pub(super) fn no_store() -> [(header::HeaderName, &'static str); 4] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        // A page that may carry a token is never framed: a frame of the same
        // origin (another app's page) could read it.
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    ]
}

/// Whether a request is a browser's top-level navigation, or comes from no
/// browser at all (no `Sec-Fetch-Dest`). Every app shares this origin (the
/// spec's URLs), so a script of one app could `fetch` another app's page and
/// read the member's token in it; browsers mark such fetches `empty` and
/// scripts cannot change the header.
pub(super) fn navigation(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|dest| dest == "document")
}

fn serve_error(err: ServeError) -> Response {
    match err {
        ServeError::NotPublished => error_page(
            StatusCode::NOT_FOUND,
            "App not found",
            "This app does not exist or has not been published yet.",
        ),
        ServeError::Broken => error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "App unavailable",
            &ServeError::Broken.to_string(),
        ),
        ServeError::Apps(e) => AppError::from(e).into_response(),
    }
}

/// Opens a published internal app, for a signed-in member of its tenant
/// (spec 001 §17); the session is the cookie of `POST /session`. Without a
/// session: to `/app-login/{slug}`. An external app: to its
/// `/externalAppRuntime/{slug}` page.
#[utoipa::path(get, path = "/runtime/{slug}", tag = "pages",
    params(("slug" = String, Path, description = "slug, id or subdomain"), PageQuery),
    responses((status = 200, content_type = "text/html", body = String, description = "the app's page"),
        (status = 303, description = "no session: to the sign-in page"),
        (status = 308, description = "an external app: to its page"),
        (status = 403, content_type = "text/html", body = String, description = "the user's role may not open it, or a script (not a top-level navigation) asked"),
        (status = 404, content_type = "text/html", body = String, description = "no such app, or never published")))]
async fn internal_app(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let app = match serving::published_app(&state, &slug).await {
        Ok(app) => app,
        Err(e) => return serve_error(e),
    };
    if app.access_mode != AccessMode::Internal {
        return Redirect::permanent(&serving::page_path(&app)).into_response();
    }
    let (user, token) = match session(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return Redirect::to(&format!("/app-login/{}", app.slug)).into_response(),
        Err(e) => return e.into_response(),
    };
    match crate::members::refusal(state.db(), &user, &app).await {
        Ok(None) => {}
        // To a signed-in user of another tenant, the app looks exactly
        // like one that does not exist. (A visitor with no session is sent
        // to the published app's sign-in page, which its members need.)
        Ok(Some(Refusal::OtherTenant)) => return serve_error(ServeError::NotPublished),
        Ok(Some(refusal)) => {
            return error_page(StatusCode::FORBIDDEN, "無法存取此應用", refusal.reason())
        }
        Err(e) => return AppError::from(e).into_response(),
    }
    if !navigation(&headers) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Open this app in the browser",
            "An app page carries your sign-in, so it is served only when the browser opens it, not to a script.",
        );
    }
    app_page(&state, app, &token, query.route.as_deref()).await
}

/// Opens a published external or self-built app (spec 001 §19.2); its own
/// users sign in inside it, so no platform session. An internal app: to its
/// `/runtime/{slug}` page.
#[utoipa::path(get, path = "/externalAppRuntime/{slug}", tag = "pages",
    params(("slug" = String, Path, description = "slug, id or subdomain"), PageQuery),
    responses((status = 200, content_type = "text/html", body = String, description = "the app's page"),
        (status = 308, description = "an internal app: to its page"),
        (status = 404, content_type = "text/html", body = String, description = "no such app, or never published")))]
async fn external_app(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let app = match serving::published_app(&state, &slug).await {
        Ok(app) => app,
        Err(e) => return serve_error(e),
    };
    if app.access_mode == AccessMode::Internal {
        return Redirect::permanent(&serving::page_path(&app)).into_response();
    }
    app_page(&state, app, "", query.route.as_deref()).await
}

async fn app_page(state: &AppState, app: AppRecord, token: &str, route: Option<&str>) -> Response {
    let sdk = match super::apps::sdk_files(state, &app).await {
        Ok(sdk) => sdk,
        Err(e) => return e.into_response(),
    };
    match serving::published_build(state, app, sdk).await {
        Ok(build) => {
            let globals = PageGlobals {
                token,
                initial_route: route.and_then(serving::valid_route),
            };
            (no_store(), Html(serving::app_page(&build, &globals))).into_response()
        }
        Err(e) => serve_error(e),
    }
}

/// An immutable, content-hashed asset in the best encoding the browser
/// accepts; `304` when it has it already.
fn immutable(headers: &HeaderMap, asset: &Asset) -> Response {
    let encoding = Encoding::choose(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    // One ETag per representation, as HTTP asks; any of them names the content.
    let etag = format!(
        "\"{}{}\"",
        asset.hash,
        encoding.header().map_or(String::new(), |e| format!("-{e}"))
    );
    let cached = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|tag| tag == "*" || tag.split('-').next() == Some(asset.hash.as_str()));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, asset.content_type)],
            Body::from(Bytes::from_owner(asset.body(encoding))),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if let (Some(coding), false) = (encoding.header(), cached) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// The browser runtime every app page loads (immutable; the hash is in the
/// page).
#[utoipa::path(get, path = "/assets/runtime/{hash}/appbox-runtime.js", tag = "pages",
    params(("hash" = String, Path, description = "the runtime's content hash, as the app page names it")),
    responses((status = 200, content_type = "text/javascript", body = String),
        (status = 404, body = crate::error::ErrorBody, description = "not this server's runtime")))]
async fn runtime_script(Path(hash): Path<String>, headers: HeaderMap) -> Response {
    if hash != runtime_hash() {
        return AppError::NotFound("No such runtime version".into()).into_response();
    }
    immutable(&headers, serving::runtime_asset().await)
}

/// The published build's bundle or CSS (immutable). Only the published
/// build's hashes are served; anything older is a 404.
#[utoipa::path(get, path = "/assets/apps/{slug}/{file}", tag = "pages",
    params(("slug" = String, Path, description = "the app's slug"),
        ("file" = String, Path, description = "`<hash>.js` or `<hash>.css`, as the app page names it")),
    responses((status = 200, content_type = "text/javascript", body = String, description = "the bundle (or `text/css`, the CSS)"),
        (status = 404, body = crate::error::ErrorBody, description = "no such app, build or file")))]
async fn app_asset(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let not_found = || AppError::NotFound("No such asset".into()).into_response();
    let app = match serving::published_app(&state, &slug).await {
        Ok(app) if app.slug == slug => app,
        Ok(_) | Err(ServeError::NotPublished) => return not_found(),
        Err(e) => return serve_error(e),
    };
    let sdk = match super::apps::sdk_files(&state, &app).await {
        Ok(sdk) => sdk,
        Err(e) => return e.into_response(),
    };
    let build = match serving::published_build(&state, app, sdk).await {
        Ok(build) => build,
        Err(ServeError::Broken) => return not_found(),
        Err(e) => return serve_error(e),
    };
    match build.asset(&file) {
        Some(asset) => immutable(&headers, asset),
        None => not_found(),
    }
}

/// The apps `user` may open, for the root page: the published apps of their
/// tenant that their role may open, with the page that opens each.
pub(super) async fn openable_apps(
    state: &AppState,
    user: &Principal,
) -> Result<Vec<AppRecord>, AppError> {
    let mut openable = Vec::new();
    for app in apps::list_apps(state.db(), user.tenant_id).await? {
        // External apps are listed for everyone (their own users sign in
        // there); internal ones only when the allow-list lets them in.
        let allowed = match app.access_mode {
            AccessMode::Internal => crate::members::refusal(state.db(), user, &app)
                .await?
                .is_none(),
            _ => app.status == "published",
        };
        if allowed {
            openable.push(app);
        }
    }
    Ok(openable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; appbox_token=abc.def; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc.def"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
