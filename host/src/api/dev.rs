//! Dev mode in the browser (issue 13, `appbox dev`): `/dev/{slug}`, the
//! app's working copy compiled in dev mode, and `/dev/{slug}/events`, the
//! server-sent events that keep that page current (`builder/dev.rs`).
//!
//! Builders only, like the builder API, but signed in with the page
//! session's cookie (a browser's EventSource sends no Authorization
//! header): another tenant's app is a 404, and the stream also wants the
//! ticket that only the dev page carries. The published pages never name
//! these routes.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::runtime::{error_page, navigation, no_store, session};
use crate::accounts::{self, BUILDER_ACCESS};
use crate::builder::apps::VersionFiles;
use crate::builder::apps::{self, AccessMode, AppRecord};
use crate::builder::compile::{app_page, Compiled, Mode, Outcome};
use crate::builder::dev::{self, Basis, Listener, Seen, DEV_CLIENT_JS};
use crate::builder::vfs::Files;
use crate::db::Id;
use crate::error::{ApiQuery, AppError};
use crate::serving::runtime::script_string;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(dev_page))
        .routes(routes!(dev_events))
}

/// The longest hash or ticket the event stream takes.
const MAX_TOKEN_CHARS: usize = 128;

/// The builder of a dev request and their app: the session cookie's user
/// with builder.access, and an app of their tenant.
async fn builder_app(
    state: &AppState,
    headers: &HeaderMap,
    key: &str,
) -> Result<(accounts::Principal, String, AppRecord), AppError> {
    let (user, token) = session(state, headers).await?.ok_or_else(|| {
        AppError::Unauthorized(
            "Not signed in: sign in on this server's home page (/), then open the dev page again"
                .into(),
        )
    })?;
    if !user.has(BUILDER_ACCESS) {
        return Err(AppError::Forbidden(format!(
            "Missing permission: {BUILDER_ACCESS}"
        )));
    }
    let app = apps::find_app(state.db(), Some(user.tenant_id), key).await?;
    Ok((user, token, app))
}

/// The app's working copy (not its published version), compiled in dev
/// mode, in a page that follows every change of its files: changed modules
/// run again in place (a new import reloads it), new CSS is swapped in place, a compile error shows as an overlay
/// with file, line, column and code frame. What `appbox dev` prints.
#[utoipa::path(get, path = "/dev/{slug}", tag = "pages",
    params(("slug" = String, Path, description = "slug, id or subdomain")),
    responses((status = 200, content_type = "text/html", body = String, description = "the live dev page"),
        (status = 401, content_type = "text/html", body = String, description = "no session: sign in on / first"),
        (status = 403, content_type = "text/html", body = String, description = "no builder.access, or a script (not a top-level navigation) asked"),
        (status = 404, content_type = "text/html", body = String, description = "no such app in your organisation")))]
async fn dev_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (user, token, app) = match builder_app(&state, &headers, &slug).await {
        Ok(found) => found,
        Err(AppError::Unauthorized(text)) => {
            return error_page(StatusCode::UNAUTHORIZED, "Sign in first", &text)
        }
        Err(AppError::Forbidden(text)) => {
            return error_page(StatusCode::FORBIDDEN, "Builders only", &text)
        }
        Err(AppError::NotFound(_)) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "App not found",
                "Your organisation has no app of that name.",
            )
        }
        Err(e) => return e.into_response(),
    };
    // The page carries the builder's token: never to another app's script.
    if !navigation(&headers) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Open this page in the browser",
            "The dev page carries your sign-in, so it is served only when the browser opens it, not to a script.",
        );
    }
    let outcome = match page_build(&state, &app).await {
        Ok(outcome) => outcome,
        Err(e) => return e.into_response(),
    };
    let seen = Seen::of(&outcome);
    let (css, js) = match &*outcome {
        Outcome::Success { bundle_js, css, .. } => (css.as_str(), bundle_js.as_str()),
        // The stream's first event shows the errors.
        Outcome::Failure { .. } => ("", ""),
    };
    let events = format!(
        "/dev/{}/events?ticket={}&js={}&css={}",
        app.id,
        state.dev().ticket(app.id, user.user_id.0),
        seen.js,
        seen.css
    );
    // An internal app calls the API as its member, here the builder.
    let token = if app.access_mode == AccessMode::Internal {
        token.as_str()
    } else {
        ""
    };
    let dev_scripts = format!(
        "<script>window.__APP_TOKEN__ = {}; window.__APPBOX_DEV__ = {{\"events\": {}}};\n{DEV_CLIENT_JS}</script>\n",
        script_string(token),
        script_string(&events),
    );
    let page = app_page(&app.name, &app.id.to_string(), &app.slug, css, js).replacen(
        "<custom-app-runtime",
        &format!("{dev_scripts}<custom-app-runtime"),
        1,
    );
    (no_store(), Html(page)).into_response()
}

/// The dev page's build: the app's current files with its SDK, compiled in
/// dev mode with the source map.
async fn page_build(state: &AppState, app: &AppRecord) -> Result<Arc<Outcome>, AppError> {
    let (files, sdk) = current_files(state, app).await?;
    let compiled = state.compiler().compile(files, sdk, Mode::Dev).await;
    Ok(compiled.outcome)
}

/// The app's current files and SDK files.
async fn current_files(
    state: &AppState,
    app: &AppRecord,
) -> Result<(Arc<VersionFiles>, Files), AppError> {
    // The compile API's kept files: after a write, or a compile of the
    // same version, nothing is read (the app was found in the builder's
    // tenant).
    let files = state
        .compiler()
        .version(state.db(), app.id, app.vfs_version)
        .await?;
    let sdk = super::apps::sdk_files(state, app).await?;
    Ok((files, sdk))
}

/// What a dev page runs next, now that the app's files are `files` and
/// `sdk`: its build (`page`, made of `basis`) with the edited modules
/// compiled alone when that is enough, else the whole app compiled (dev,
/// without the source map: a hot update carries none).
async fn update(
    state: &AppState,
    app: &AppRecord,
    (files, sdk): (&Arc<VersionFiles>, &Files),
    page: Option<(&Arc<Outcome>, &Basis)>,
) -> Compiled {
    let started = std::time::Instant::now();
    let compiler = state.compiler();
    let edited = page.and_then(|(build, basis)| Some((build, basis.edited(files, sdk)?)));
    let recompiled = match edited {
        Some((build, edited)) => compiler.recompile_dev(build.clone(), edited).await,
        None => None,
    };
    let compiled = match recompiled {
        Some(recompiled) => recompiled,
        None => {
            compiler
                .compile(files.clone(), sdk.clone(), Mode::DevUpdate)
                .await
        }
    };
    // Where a dev update's time goes (`RUST_LOG=appbox_host::api::dev=debug`).
    tracing::debug!(app = %app.id, ms = started.elapsed().as_secs_f64() * 1e3,
        steps = ?compiled.timings, "dev compile");
    compiled
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// The dev page's ticket (in the page; for this user and app only).
    ticket: String,
    /// The hash of the JS the page runs (empty: none).
    #[serde(default)]
    js: String,
    /// The hash of the CSS the page shows.
    #[serde(default)]
    css: String,
}

/// The dev page's events (`text/event-stream`): after every change of the
/// app's files, `modules` (`{"modules": [{index, path, entry}]}`: modules to
/// run again in place), `reload` (the import graph changed), `css`
/// (`{"css"}`: the new stylesheet, swapped in place),
/// `compile-error` (`{"text", "errors": [{file, line, column, message}]}`)
/// or `fixed`. The first event compares the page's build (`js`, `css`) with
/// the files now. At most 8 streams per user and app, 32 per app.
#[utoipa::path(get, path = "/dev/{slug}/events", tag = "pages",
    params(("slug" = String, Path, description = "the app's id, as the dev page names it"), EventsQuery),
    responses((status = 200, content_type = "text/event-stream", body = String, description = "server-sent events"),
        (status = 401, body = crate::error::ErrorBody, description = "no session cookie"),
        (status = 403, body = crate::error::ErrorBody, description = "no builder.access"),
        (status = 404, body = crate::error::ErrorBody, description = "no such app in your organisation, or not this page's ticket"),
        (status = 422, body = crate::error::ErrorBody, description = "a hash or ticket too long"),
        (status = 429, body = crate::error::ErrorBody, description = "too many open dev pages of this app")))]
async fn dev_events(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if [&query.ticket, &query.js, &query.css]
        .iter()
        .any(|text| text.len() > MAX_TOKEN_CHARS)
    {
        return Err(AppError::Unprocessable(format!(
            "ticket, js and css are at most {MAX_TOKEN_CHARS} characters: use the URL the dev page names"
        )));
    }
    let (user, _, app) = builder_app(&state, &headers, &slug).await?;
    if !state.dev().ticket_ok(app.id, user.user_id.0, &query.ticket) {
        return Err(AppError::NotFound(
            "No such dev stream: open the app's dev page (/dev/{slug}) again".into(),
        ));
    }
    let listener = state.dev().listen(app.id, user.user_id.0)?;
    let stream = Stream {
        state,
        app: app.id,
        user: user.user_id,
        seen: Seen {
            js: query.js,
            css: query.css,
            error: false,
            build: None,
        },
        basis: None,
        listener,
        first: true,
    };
    let events = stream::unfold(stream, Stream::next)
        .flat_map(|events| stream::iter(events.into_iter().map(Ok::<Event, Infallible>)));
    Ok((
        no_store(),
        Sse::new(events).keep_alive(KeepAlive::default()),
    )
        .into_response())
}

/// One open event stream.
struct Stream {
    state: AppState,
    app: uuid::Uuid,
    user: Id,
    seen: Seen,
    /// What the page's build (`seen.build`) was made of.
    basis: Option<Basis>,
    listener: Listener,
    first: bool,
}

impl Stream {
    /// Waits for a change (not before the first compile), then compiles
    /// and says what the page must do. Ends the stream when the user lost
    /// builder.access or the app is gone.
    async fn next(mut self) -> Option<(Vec<Event>, Stream)> {
        if !std::mem::take(&mut self.first) {
            self.listener.bell.changed().await.ok()?;
        }
        let db = self.state.db();
        let user = accounts::load_principal(db, self.user).await.ok()??;
        if !user.has(BUILDER_ACCESS) {
            return None;
        }
        let app = apps::find_app(db, Some(user.tenant_id), &self.app.to_string())
            .await
            .ok()?;
        let started = std::time::Instant::now();
        let (files, sdk) = current_files(&self.state, &app).await.ok()?;
        let read = started.elapsed();
        let page = self.seen.build.as_ref().zip(self.basis.as_ref());
        let outcome = update(&self.state, &app, (&files, &sdk), page)
            .await
            .outcome;
        let events = dev::step(&mut self.seen, &outcome);
        // What the build the page runs now was made of (a failed compile
        // leaves the page on its last build).
        self.basis = match &self.seen.build {
            Some(build) if Arc::ptr_eq(build, &outcome) => Some(Basis::of(&files, sdk)),
            Some(_) => self.basis.take(),
            None => None,
        };
        tracing::debug!(app = %self.app, version = app.vfs_version, ?read,
            ms = started.elapsed().as_secs_f64() * 1e3,
            events = ?events.iter().map(|e| e.name()).collect::<Vec<_>>(),
            "dev stream compiled");
        let events = events
            .iter()
            .map(|event| {
                Event::default()
                    .event(event.name())
                    .data(event.data().to_string())
            })
            .collect();
        Some((events, self))
    }
}
