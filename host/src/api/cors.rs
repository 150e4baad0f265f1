//! CORS for the API-key routes (`/api/v1/open/…`) and the app-user routes
//! (`/custom-app-auth`, `/custom-app-oauth`, `/ext`), so an app's
//! browser code can call them (spec 000 §3.5, NOTES #13). A preflight
//! carries no key, so it is answered for any origin; the real request is
//! then checked against the key's app's `allowed_origins` (empty = all), and
//! only an allowed origin gets `Access-Control-Allow-Origin` back.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::OriginDenied;

/// The routes third-party front ends call from browsers: API keys, and app
/// users' sign-in, OAuth and `/ext` (spec 000 §2.3). Builder management
/// (`/custom-app-auth/manage/…`) is not among them.
const BROWSER_PREFIXES: [&str; 4] = [
    "/api/v1/open/",
    "/api/v1/custom-app-auth/",
    "/api/v1/custom-app-oauth/",
    "/api/v1/ext/",
];

/// Wraps the whole app and acts on `/api/v1/open/…` only (a preflight must
/// be answered before routing, which would refuse OPTIONS with a 405).
pub async fn open_cors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !BROWSER_PREFIXES.iter().any(|p| path.starts_with(p))
        || path.starts_with("/api/v1/custom-app-auth/manage/")
    {
        return next.run(request).await;
    }
    let origin = request.headers().get(header::ORIGIN).cloned();
    if request.method() == Method::OPTIONS && origin.is_some() {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        if let Some(origin) = origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("X-API-Key, Authorization, Content-Type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        if response.extensions().get::<OriginDenied>().is_none() {
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}
