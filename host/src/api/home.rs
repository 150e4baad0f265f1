//! The root page: what a newcomer who opens the printed address sees — the
//! apps they can open, a sign-in form, and where the API docs are.

use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::runtime::{cleared_cookie, openable_apps, session, session_cookie, user_of};
use crate::builder::assets::escape_html;
use crate::error::{ApiJson, AppError};
use crate::serving::runtime::page_path;
use crate::state::AppState;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2937;line-height:1.5}\
h1{margin-bottom:.25rem}.muted{color:#6b7280}ul{padding-left:1.2rem}li{margin:.4rem 0}\
form{display:grid;gap:.6rem;max-width:22rem}input{padding:.5rem;border:1px solid #d1d5db;border-radius:6px;font:inherit}\
button{padding:.5rem .9rem;border:0;border-radius:6px;background:#2563eb;color:#fff;font:inherit;cursor:pointer;justify-self:start}\
.error{color:#b91c1c}.tag{font-size:.8rem;color:#6b7280;margin-left:.4rem}";

/// Signs in with the login API, keeps the token (localStorage, for scripts;
/// the session cookie, for pages, via `POST /session`: a token in a URL
/// would end up in request logs), and reloads.
const SIGN_IN_SCRIPT: &str = r#"
document.getElementById('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('sign-in-error');
  error.textContent = '';
  try {
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: form.email.value, password: form.password.value }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail || `Sign-in failed (${res.status})`);
    const session = await fetch('/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ access_token: body.access_token }),
    });
    if (!session.ok) throw new Error(`Could not start a session (${session.status})`);
    location.reload();
  } catch (e) {
    error.textContent = e.message;
  }
});
"#;

/// The root page: the apps the signed-in user may open, or a sign-in form,
/// and where the API docs are.
#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, content_type = "text/html", body = String)))]
pub(super) async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let signed_in = match session(&state, &headers).await {
        Ok(found) => found.map(|(user, _)| user),
        Err(e) => return e.into_response(),
    };
    let body = match &signed_in {
        Some(user) => {
            let apps = match openable_apps(&state, user).await {
                Ok(apps) => apps,
                Err(e) => return e.into_response(),
            };
            let items: String = if apps.is_empty() {
                "<li class=\"muted\">No published apps yet. Builders create and publish them through the API.</li>".into()
            } else {
                apps.iter()
                    .map(|app| {
                        format!(
                            "<li><a href=\"{href}\">{name}</a><span class=\"tag\">{mode}</span></li>",
                            href = escape_html(&page_path(app)),
                            name = escape_html(&app.name),
                            mode = app.access_mode.as_str(),
                        )
                    })
                    .collect()
            };
            format!(
                "<p>Signed in as <strong>{email}</strong>.</p>\
                 <form method=\"post\" action=\"/sign-out\">\
                 <button type=\"submit\">Sign out</button></form>\
                 <h2>Your apps</h2><ul id=\"apps\">{items}</ul>",
                email = escape_html(&user.email),
            )
        }
        None => format!(
            "<h2>Sign in</h2>\
             <form id=\"sign-in\"><input name=\"email\" type=\"email\" placeholder=\"Email\" autocomplete=\"username\" required>\
             <input name=\"password\" type=\"password\" placeholder=\"Password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button><p id=\"sign-in-error\" class=\"error\" role=\"alert\"></p></form>\
             <script>{SIGN_IN_SCRIPT}</script>"
        ),
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>appbox</title>\
         <style>{STYLE}</style></head><body><h1>appbox</h1>\
         <p class=\"muted\">Custom business apps, built through the API and opened here.</p>\
         {body}<h2>For builders</h2><ul><li><a href=\"/docs\">API documentation</a> (Swagger UI)</li>\
         <li><a href=\"/openapi.json\">OpenAPI document</a></li></ul></body></html>\n"
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        Html(page),
    )
        .into_response()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct SessionRequest {
    /// A platform access token (`POST /api/v1/auth/login`).
    access_token: String,
}

/// Starts a page session: sets the `appbox_token` cookie (HttpOnly) that
/// app pages (`/runtime/{slug}`) read, from a valid platform access token.
#[utoipa::path(post, path = "/session", tag = "pages",
    request_body(content = SessionRequest, example = json!({"access_token": "eyJhbGciOi…"})),
    responses((status = 204, description = "the cookie is set"),
        (status = 401, body = crate::error::ErrorBody, description = "the token is invalid or expired")))]
pub(super) async fn start_session(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SessionRequest>,
) -> Response {
    match user_of(&state, &body.access_token).await {
        Ok(Some(_)) => (
            StatusCode::NO_CONTENT,
            [(
                header::SET_COOKIE,
                session_cookie(&state, &body.access_token),
            )],
        )
            .into_response(),
        Ok(None) => AppError::Unauthorized("Invalid or expired token".into()).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Ends the page session (clears the cookie) and goes to `/`.
#[utoipa::path(post, path = "/sign-out", tag = "pages",
    responses((status = 303, description = "to `/`, the cookie cleared")))]
pub(super) async fn sign_out(State(state): State<AppState>) -> Response {
    (
        [(header::SET_COOKIE, cleared_cookie(&state))],
        Redirect::to("/"),
    )
        .into_response()
}
