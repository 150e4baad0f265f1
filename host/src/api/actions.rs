//! Server-side Python actions over HTTP (spec 001 §7, §8; issue 10).
//!
//! | route | caller | source | references |
//! |---|---|---|---|
//! | `POST /api/v1/actions/{app_id}/{name}` | platform user of an internal app | published | live (like `/proxy/{app_id}`) |
//! | `POST /api/v1/open/actions/{name}` | `X-API-Key` | published | published |
//! | `POST /api/v1/ext/actions/{name}` | app user token | published | published |
//! | `POST /api/v1/pub/actions/{slug}/{name}` | anonymous, actions marked `"public": true` | published | published, public ones, reads only |
//! | `POST /api/v1/builder/apps/{id}/actions/{name}/run` | builder | current VFS | live; answer has logs and traceback |
//! | `GET /api/v1/builder/apps/{id}/actions/runs` | builder | the run log, newest first |

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::{ApiKeyCaller, Builder, PlatformUser};
use super::pub_edge::PublicVisitor;
use crate::app_users::tokens::AppUserCaller;
use crate::builder::apps::{self, AccessMode, AppRecord};
use crate::builder::vfs::Files;
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::serving::actions::{self, RunAs, RunRecord};
use crate::state::AppState;
use appbox_actions::ActionError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run_internal))
        .routes(routes!(run_open))
        .routes(routes!(run_ext))
        .routes(routes!(run_public))
        .routes(routes!(run_builder))
        .routes(routes!(list_runs))
}

/// `{"params": {…}}`.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct RunBody {
    /// What the action reads as `ctx.params`.
    #[serde(default)]
    #[schema(value_type = Object)]
    params: Value,
}

/// A file the action produced with `ctx.csv.export`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FileOut {
    filename: String,
    content_type: String,
    content_base64: String,
}

/// The answer of a successful run.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RunAnswer {
    /// What the action gave `ctx.response.json`.
    #[schema(value_type = Object)]
    data: Value,
    file: Option<FileOut>,
    duration_ms: u64,
    /// Builders' test runs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    logs: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_memory_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct NamePath {
    name: String,
}

#[derive(Deserialize)]
struct AppNamePath {
    app_id: String,
    name: String,
}

#[derive(Deserialize)]
struct BuilderRunPath {
    id: String,
    name: String,
}

/// `{"params": {…}}`; an empty body is no params.
fn body_params(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let body: RunBody = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!("The body must be {{\"params\": {{…}}}}: {e}"))
    })?;
    Ok(match body.params {
        Value::Null => json!({}),
        v => v,
    })
}

async fn published_files(state: &AppState, app: &AppRecord) -> ApiResult<Arc<Files>> {
    let version = app.published_version.ok_or_else(|| {
        AppError::NotFound("The app is not published: its actions run once it is".into())
    })?;
    state.actions().files(state.db(), app.id, version).await
}

async fn execute(
    state: &AppState,
    files: &Files,
    name: &str,
    params: Value,
    who: RunAs,
) -> ApiResult<Response> {
    let outcome = state
        .actions()
        .run(state.db(), state.secrets(), files, name, params, who)
        .await?;
    let builder = who.is_builder();
    let logs = builder.then(|| json!({"stdout": outcome.stdout, "stderr": outcome.stderr}));
    let duration_ms = outcome.duration.as_millis() as u64;
    match outcome.result {
        Ok(out) => Ok(ApiJson(RunAnswer {
            data: out.data,
            file: out.file.map(|f| FileOut {
                filename: f.filename,
                content_type: f.content_type,
                content_base64: f.content_base64,
            }),
            duration_ms,
            logs,
            peak_memory_bytes: builder.then_some(outcome.peak_memory as u64),
        })
        .into_response()),
        Err(err) => {
            let (status, detail) = match &err {
                ActionError::Timeout(t) => (
                    StatusCode::GATEWAY_TIMEOUT,
                    format!("Action 超時：執行超過 {} 秒上限", t.as_secs_f64()),
                ),
                ActionError::Memory(cap) => (
                    StatusCode::INSUFFICIENT_STORAGE,
                    format!("Action 記憶體不足：超過 {} MB 上限", cap >> 20),
                ),
                ActionError::Forbidden { .. } => (StatusCode::BAD_REQUEST, err.to_string()),
                ActionError::Setup(e) => {
                    tracing::error!("action sandbox: {e}");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal server error".to_owned(),
                    )
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()),
            };
            let mut body = json!({"detail": detail, "duration_ms": duration_ms});
            if builder {
                if let ActionError::Exception { traceback, .. } = &err {
                    body["traceback"] = json!(traceback);
                }
                body["logs"] = logs.unwrap_or(Value::Null);
            }
            Ok((status, axum::Json(body)).into_response())
        }
    }
}

/// Runs an action of a published internal app as the signed-in member
/// (live references, like `/proxy/{app_id}`).
#[utoipa::path(post, path = "/api/v1/actions/{app_id}/{name}", tag = "actions", security(("bearer" = [])),
    params(("app_id" = String, Path), ("name" = String, Path)), request_body(content = RunBody, example = json!({"params": {"month": "2025-01"}})),
    responses((status = 200, body = RunAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 500, body = ErrorBody), (status = 504, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn run_internal(
    State(state): State<AppState>,
    PlatformUser(user): PlatformUser,
    ApiPath(path): ApiPath<AppNamePath>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &path.app_id).await?;
    if app.access_mode != AccessMode::Internal {
        return Err(AppError::Forbidden(
            "This app is not internal: its actions run through /api/v1/open/actions or /api/v1/ext/actions".into(),
        ));
    }
    let files = published_files(&state, &app).await?;
    let who = RunAs::Platform {
        tenant: user.tenant_id,
        app: Id(app.id),
        user: user.user_id,
    };
    execute(&state, &files, &path.name, body_params(&body)?, who).await
}

/// Runs an action of the API key's app (published source and references).
#[utoipa::path(post, path = "/api/v1/open/actions/{name}", tag = "actions", security(("api_key" = [])),
    params(("name" = String, Path)), request_body(content = RunBody, example = json!({"params": {"month": "2025-01"}})),
    responses((status = 200, body = RunAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 500, body = ErrorBody), (status = 504, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn run_open(
    State(state): State<AppState>,
    ApiKeyCaller(owner): ApiKeyCaller,
    ApiPath(path): ApiPath<NamePath>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let app = apps::find_app(state.db(), Some(owner.tenant_id), &owner.app_id.to_string()).await?;
    let files = published_files(&state, &app).await?;
    let who = RunAs::ApiKey {
        tenant: owner.tenant_id,
        app: owner.app_id,
        key: owner.key_id,
    };
    execute(&state, &files, &path.name, body_params(&body)?, who).await
}

/// Runs an action of the app user's app (published source and references).
#[utoipa::path(post, path = "/api/v1/ext/actions/{name}", tag = "actions", security(("bearer" = [])),
    params(("name" = String, Path)), request_body(content = RunBody, example = json!({"params": {"month": "2025-01"}})),
    responses((status = 200, body = RunAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 500, body = ErrorBody), (status = 504, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn run_ext(
    State(state): State<AppState>,
    caller: AppUserCaller,
    ApiPath(path): ApiPath<NamePath>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let tenant = caller.tenant();
    let app = apps::find_app(state.db(), Some(tenant), &caller.app.id.to_string()).await?;
    let files = published_files(&state, &app).await?;
    let who = RunAs::AppUser {
        tenant,
        app: caller.app.id,
        user: caller.user,
    };
    execute(&state, &files, &path.name, body_params(&body)?, who).await
}

#[derive(Deserialize)]
struct SlugNamePath {
    name: String,
}

/// Runs an action marked `"public": true` for an anonymous visitor of a
/// public app (spec 001 §18; published source; its `ctx` reads only what the
/// visitor may read). Counted against the `/pub` rate limit.
#[utoipa::path(post, path = "/api/v1/pub/actions/{slug}/{name}", tag = "actions",
    params(("slug" = String, Path, description = "the app's slug or subdomain"), ("name" = String, Path)), request_body = RunBody,
    responses((status = 200, body = RunAnswer), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody, description = "not public, or the app does not allow anonymous access"),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 500, body = ErrorBody), (status = 504, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn run_public(
    State(state): State<AppState>,
    PublicVisitor(visitor): PublicVisitor,
    ApiPath(path): ApiPath<SlugNamePath>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let app = apps::find_app(state.db(), Some(visitor.tenant), &visitor.app.to_string()).await?;
    let files = published_files(&state, &app).await?;
    let who = RunAs::Public {
        tenant: visitor.tenant,
        app: visitor.app,
    };
    execute(&state, &files, &path.name, body_params(&body)?, who).await
}

/// A builder's test run: the current VFS, live references; the answer
/// carries the logs (and the traceback of an exception).
#[utoipa::path(post, path = "/api/v1/builder/apps/{id}/actions/{name}/run", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)), request_body(content = RunBody, example = json!({"params": {"month": "2025-01"}})),
    responses((status = 200, body = RunAnswer), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 500, body = ErrorBody), (status = 504, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn run_builder(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<BuilderRunPath>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &path.id).await?;
    let files = state
        .actions()
        .files(state.db(), app.id, app.vfs_version)
        .await?;
    let who = RunAs::Builder {
        tenant: user.tenant_id,
        app: Id(app.id),
        user: user.user_id,
    };
    execute(&state, &files, &path.name, body_params(&body)?, who).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RunsQuery {
    /// Only this action's runs.
    action: Option<String>,
    /// ok, timeout, memory, forbidden or error.
    status: Option<String>,
    /// Default 50, at most 200.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Deserialize)]
struct IdPath {
    id: String,
}

/// The app's action runs, newest first (the newest 1000 are kept).
#[utoipa::path(get, path = "/api/v1/builder/apps/{id}/actions/runs", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), RunsQuery),
    responses((status = 200, body = [RunRecord]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<IdPath>,
    ApiQuery(q): ApiQuery<RunsQuery>,
) -> ApiResult<ApiJson<Vec<RunRecord>>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &path.id).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit must be between 1 and 200".into(),
        ));
    }
    let offset = q.offset.unwrap_or(0).max(0);
    Ok(ApiJson(
        actions::list_runs(
            state.db(),
            user.tenant_id,
            Id(app.id),
            q.action.as_deref(),
            q.status.as_deref(),
            limit,
            offset,
        )
        .await?,
    ))
}
