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

// Borrows the compile's outcome: the bundle is in the answer twice (in
// `html` and in `bundle_js`) but in memory once, written to the body
// straight from the outcome and JSON-escaped once (`answer_body`).
/// The compile's answer: the page, the bundle and the CSS, or the errors.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum CompileResponse<'a> {
    Success {
        /// A page that loads the runtime, the CSS and the bundle.
        #[schema(value_type = String)]
        html: AppPage<'a>,
        bundle_js: &'a str,
        #[serde(flatten)]
        rest: CompileSuccess<'a>,
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

/// What a successful compile answers besides `html` and `bundle_js`.
#[derive(Serialize, utoipa::ToSchema)]
struct CompileSuccess<'a> {
    /// Always `true`.
    success: bool,
    css: &'a str,
    /// Runtime pitfalls (spec 001 §10-§11); never fail the compile.
    warnings: Vec<Problem>,
    duration_ms: u64,
    /// The same content was compiled before; this is that result.
    cached: bool,
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
        .version(state.db(), app.id, app.vfs_version)
        .await?;
    lap.lap("vfs");
    let sdk = super::apps::sdk_files(&state, &app).await?;
    lap.lap("sdk");
    // Actions that do not load are warnings here; publish refuses them.
    // Their trial loads run in the sandbox while the compiler runs on its
    // own threads.
    let (action_warnings, compiled) = tokio::join!(
        state.actions().check(&files.files),
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
            html: AppPage {
                name: &app.name,
                app_id: &app_id,
                slug: &app.slug,
                css,
                bundle_js,
            },
            bundle_js,
            rest: CompileSuccess {
                success: true,
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
    let body = answer_body(&response, size).map_err(|e| AppError::Internal(e.into()))?;
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

/// The answer as JSON. A success holds the bundle twice (`bundle_js` and
/// in `html`): it is escaped once, and the escape copied into the page,
/// unless the page must escape it otherwise ([`AppPage::holds_bundle_as_is`]).
fn answer_body(response: &CompileResponse<'_>, size: usize) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(size);
    match response {
        CompileResponse::Success {
            html,
            bundle_js,
            rest,
        } if html.holds_bundle_as_is() => {
            body.extend_from_slice(b"{\"bundle_js\":");
            let at = body.len();
            serde_json::to_writer(&mut body, bundle_js)?;
            let bundle_json = at..body.len();
            body.extend_from_slice(b",\"html\":");
            html.write_json(&mut body, bundle_json)?;
            // `{"success":…}` goes on with the object.
            body.push(b',');
            body.extend_from_slice(&serde_json::to_vec(rest)?[1..]);
        }
        _ => serde_json::to_writer(&mut body, response)?,
    }
    Ok(body)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn success<'a>(html: AppPage<'a>, bundle_js: &'a str) -> CompileResponse<'a> {
        CompileResponse::Success {
            html,
            bundle_js,
            rest: CompileSuccess {
                success: true,
                css: "a{content:\"</style>\"}",
                warnings: vec![Problem {
                    file: Some("src/main.tsx".into()),
                    line: 2,
                    column: 4,
                    message: "window.alert \"blocks\"".into(),
                }],
                duration_ms: 7,
                cached: false,
            },
        }
    }

    #[test]
    fn the_answer_is_the_response_with_the_bundle_escaped_once() {
        // Escapes of every kind, and a bundle the page must escape itself.
        for bundle_js in [
            "console.log(\"é\\n\u{2028}\t\\\\\", '</scrip', '<\\/script>');\n",
            "x(\"</SCRIPT>\")",
            "",
        ] {
            let page = || AppPage {
                name: "Shop \"1\" <b>",
                app_id: "id",
                slug: "shop",
                css: "a{content:\"</style>\"}",
                bundle_js,
            };
            let response = success(page(), bundle_js);
            let body = answer_body(&response, 0).expect("answer");
            let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(
                answer,
                serde_json::to_value(&response).expect("value"),
                "{bundle_js}"
            );
            assert_eq!(answer["bundle_js"], bundle_js);
            assert_eq!(answer["html"], page().to_string());
        }
        let failure = CompileResponse::Failure {
            success: false,
            error: "✘ [ERROR] x".into(),
            errors: Vec::new(),
            duration_ms: 1,
            cached: true,
        };
        let body = answer_body(&failure, 0).expect("answer");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).expect("JSON"),
            serde_json::to_value(&failure).expect("value")
        );
    }
}
