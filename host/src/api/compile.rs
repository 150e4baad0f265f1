//! The compile API (spec 001 §6): compile errors are an answer, not an
//! error, so both outcomes are HTTP 200 with `success` (spec NOTES #4).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
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
// `html` and in `bundle_js`) but escaped once, into one buffer that the
// body sends twice (`answer_body`).
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
    let body = answer_body(&response).map_err(|e| AppError::Internal(e.into()))?;
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
        Body::new(Buffers(body.into())),
    )
        .into_response())
}

/// The answer as JSON, in buffers sent one after the other. A success holds
/// the bundle twice (`bundle_js` and in `html`): it is escaped once, into one
/// buffer that both places send, unless the page must escape it otherwise
/// ([`AppPage::holds_bundle_as_is`]).
fn answer_body(response: &CompileResponse<'_>) -> serde_json::Result<Vec<Bytes>> {
    match response {
        CompileResponse::Success {
            html,
            bundle_js,
            rest,
        } if html.holds_bundle_as_is() => {
            // Room for the quotes and a few escapes.
            let mut escaped = Vec::with_capacity(bundle_js.len() + bundle_js.len() / 16 + 2);
            json_escape_simd::escape_into(bundle_js, &mut escaped);
            let escaped = Bytes::from(escaped);
            let unquoted = escaped.slice(1..escaped.len() - 1);
            let (page_start, page_end) = html.json_around_bundle()?;
            // `{"success":…}` goes on with the object.
            let rest = serde_json::to_string(rest)?;
            Ok(vec![
                Bytes::from_static(b"{\"bundle_js\":"),
                escaped,
                Bytes::from(format!(",\"html\":{page_start}")),
                unquoted,
                Bytes::from(format!("{page_end},{}", &rest[1..])),
            ])
        }
        _ => Ok(vec![serde_json::to_vec(response)?.into()]),
    }
}

/// A response body of buffers sent one after the other, its length known
/// (a `Content-Length`, not chunks).
struct Buffers(VecDeque<Bytes>);

impl HttpBody for Buffers {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|buffer| Ok(Frame::data(buffer))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.iter().map(|buffer| buffer.len() as u64).sum())
    }
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
        // The long one puts every character JSON escapes at every offset of
        // the SIMD escape's 16- and 32-byte blocks.
        let every_escape: String = (0..300u32)
            .map(|i| match i % 7 {
                0 => char::from_u32(i % 32).unwrap_or(' '),
                1 => '"',
                2 => '\\',
                3 => '\u{7f}',
                4 => 'é',
                _ => 'a',
            })
            .collect();
        for bundle_js in [
            "console.log(\"é\\n\u{2028}\t\\\\\", '</scrip', '<\\/script>');\n",
            "x(\"</SCRIPT>\")",
            "",
            &every_escape,
        ] {
            let page = || AppPage {
                name: "Shop \"1\" <b>",
                app_id: "id",
                slug: "shop",
                css: "a{content:\"</style>\"}",
                bundle_js,
            };
            let response = success(page(), bundle_js);
            let body = answer_body(&response).expect("answer").concat();
            let escaped = serde_json::to_string(bundle_js).expect("JSON");
            assert!(
                !page().holds_bundle_as_is()
                    || String::from_utf8_lossy(&body)
                        .starts_with(&format!("{{\"bundle_js\":{escaped},")),
                "the bundle is escaped as serde_json escapes it, byte for byte: {bundle_js:?}"
            );
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
        let body = answer_body(&failure).expect("answer").concat();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).expect("JSON"),
            serde_json::to_value(&failure).expect("value")
        );
    }
}
