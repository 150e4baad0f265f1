//! The compile API (spec 001 §6): compile errors are an answer, not an
//! error, so both outcomes are HTTP 200 with `success` (spec NOTES #4).

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::builder::apps;
use crate::builder::compile::{AppPage, Mode, Outcome, Problem};
use crate::error::{ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(compile_app))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CompileQuery {
    /// `true`: readable output with an inline source map; `false` (default): minified.
    #[serde(default)]
    dev: bool,
}

/// Borrows the compile's outcome: the bundle is in the answer twice (in
/// `html` and in `bundle_js`) but in memory once, written to the body
/// straight from the outcome (the page is never built as a string).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum CompileResponse<'a> {
    Success {
        /// Always `true`.
        success: bool,
        /// A page that loads the runtime, the CSS and the bundle.
        #[schema(value_type = String)]
        html: AppPage<'a>,
        bundle_js: &'a str,
        css: &'a str,
        /// Runtime pitfalls (spec 001 §10-§11); never fail the compile.
        warnings: Vec<Problem>,
        duration_ms: u64,
        /// The same content was compiled before; this is that result.
        cached: bool,
    },
    Failure {
        /// Always `false`.
        success: bool,
        /// Every error, printed like esbuild (`✘ [ERROR] …` with code frames).
        error: String,
        errors: Vec<Problem>,
        duration_ms: u64,
        cached: bool,
    },
}

/// Compiles the app's current VFS to one JS bundle and one CSS file. The
/// `Server-Timing` header tells where the time went (milliseconds).
#[utoipa::path(post, path = "/api/v1/compile/compile/{slug}", tag = "builder", security(("bearer" = [])),
    params(("slug" = String, Path, description = "slug, id or subdomain"), CompileQuery),
    responses((status = 200, body = CompileResponse, description = "`success` tells whether it compiled"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn compile_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(query): ApiQuery<CompileQuery>,
) -> ApiResult<Response> {
    let mut lap = Laps::start();
    let app = apps::find_app(state.db(), Some(user.tenant_id), &slug).await?;
    // The app is the caller's (find_app checked the tenant): its kept files
    // are read by its id.
    let files = state
        .compiler()
        .files(state.db(), app.id, app.vfs_version)
        .await?;
    lap.lap("vfs");
    let sdk = super::apps::sdk_files(&state, &app).await?;
    lap.lap("sdk");
    // Actions that do not load are warnings here; publish refuses them.
    // Their trial loads run in the sandbox while the compiler runs on its
    // own threads.
    let (action_warnings, compiled) = tokio::join!(
        state.actions().check(&files),
        state.compiler().compile(
            files.clone(),
            sdk,
            if query.dev { Mode::Dev } else { Mode::Minified }
        )
    );
    lap.lap("actions-and-compile");
    let duration_ms = compiled.duration.as_millis() as u64;
    let app_id = app.id.to_string();
    let response = match &*compiled.outcome {
        Outcome::Success {
            bundle_js,
            css,
            warnings,
            ..
        } => CompileResponse::Success {
            success: true,
            html: AppPage {
                name: &app.name,
                app_id: &app_id,
                slug: &app.slug,
                css,
                bundle_js,
            },
            bundle_js,
            css,
            warnings: warnings
                .iter()
                .map(Problem::from)
                .chain(action_warnings.into_iter().map(|p| Problem {
                    file: Some(p.file),
                    line: p.line.unwrap_or(0),
                    column: 0,
                    message: p.message,
                }))
                .collect(),
            duration_ms,
            cached: compiled.cached,
        },
        Outcome::Failure { errors } => CompileResponse::Failure {
            success: false,
            error: appbox_compiler::diagnostic::render_all(errors),
            errors: errors.iter().map(Problem::from).collect(),
            duration_ms,
            cached: compiled.cached,
        },
    };
    // The bundle twice, the CSS twice and room for escapes and the rest.
    let size = match &*compiled.outcome {
        Outcome::Success { bundle_js, css, .. } => 2 * (bundle_js.len() + css.len()) + 64 * 1024,
        Outcome::Failure { .. } => 16 * 1024,
    };
    let mut body = Vec::with_capacity(size);
    serde_json::to_writer(&mut body, &response).map_err(|e| AppError::Internal(e.into()))?;
    lap.lap("answer");
    // The compile's own steps follow the handler's, named as tokens.
    let timing = lap
        .laps
        .iter()
        .chain(&compiled.timings)
        .map(|(name, d)| {
            let token: Vec<&str> = name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            format!("{};dur={:.2}", token.join("-"), d.as_secs_f64() * 1000.0)
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                HeaderName::from_static("server-timing"),
                HeaderValue::from_str(&timing).unwrap_or_else(|_| HeaderValue::from_static("")),
            ),
        ],
        body,
    )
        .into_response())
}

/// Times the handler's steps, for the `Server-Timing` header.
struct Laps {
    laps: Vec<(&'static str, Duration)>,
    last: Instant,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            laps: Vec::new(),
            last: Instant::now(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps.push((name, now - self.last));
        self.last = now;
    }
}
