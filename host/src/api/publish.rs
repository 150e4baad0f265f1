//! Publishing an app (spec 001 §9, §10, §12): publish or ask to, the
//! requests and their decisions, the status, the history, rollback. The
//! flow is the one of integrations (spec 000 §3.8), in `crate::builder::publish`;
//! the routes mirror `/integrations/{app_id}/…` under `/builder/apps/{app}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::accounts::{Principal, BUILDER_PUBLISH};
use crate::builder::apps::{self, AppRecord};
use crate::builder::compile::{Mode, Outcome};
use crate::builder::publish::{self, Decision, Publication, PublishRequest, PublishStatus};
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_app))
        .routes(routes!(list_requests))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
        .routes(routes!(cancel_request))
        .routes(routes!(publish_status))
        .routes(routes!(list_publishes))
        .routes(routes!(rollback))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PublishQuery {
    /// A note for the reviewers.
    #[serde(default)]
    pub note: String,
    /// `true`: file a request for review even with `builder.publish`
    /// (another publisher must approve it).
    #[serde(default)]
    pub review: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct Rejection {
    /// Why, for the requester; required.
    #[serde(default)]
    pub reject_reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RollbackRequest {
    /// A VFS version that was published before (see `GET …/publishes`).
    version: i64,
}

pub(super) fn require_publish(user: &Principal) -> ApiResult<()> {
    if user.has(BUILDER_PUBLISH) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Missing permission: {BUILDER_PUBLISH}"
        )))
    }
}

/// Publishes the app at its current VFS version with its references as they
/// are (spec 001 §9). The version must compile (minified): an app with
/// compile errors is never published, nor proposed (spec 001 §12); the
/// answer is 422 with the errors. With `builder.publish` it takes effect at
/// once (200, the app); without (or with `review=true`) it files a pending
/// request (202, the request), which locks the app's files until it is
/// approved, rejected or cancelled. While a request is pending, this
/// answers 423. The body (`{"published_assets": {}}`) is accepted and not
/// needed.
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/publish", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain"), PublishQuery),
    request_body(content = Option<Object>, description = "optional and ignored (spec 001 §9's `published_assets`)", example = json!({"published_assets": {}})),
    responses((status = 200, body = AppRecord, description = "published"),
        (status = 202, body = PublishRequest, description = "a pending request was filed"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the app does not compile"),
        (status = 423, body = ErrorBody, description = "a publish request is pending")))]
async fn publish_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<PublishQuery>,
) -> ApiResult<Response> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    let tenant = user.tenant_id;
    // Locked before compiling: a pending request says what to do.
    publish::ensure_unlocked(state.db(), tenant, Id(app.id)).await?;
    // The compile API's kept files when it compiled this version last.
    let files = state
        .compiler()
        .version(state.db(), app.id, app.vfs_version)
        .await?;
    // Every action in actions/manifest.json must exist, parse and load
    // (a trial load in the sandbox; issue 10).
    let action_errors = state.actions().check(&files.files).await;
    if !action_errors.is_empty() {
        return Err(AppError::Unprocessable(format!(
            "The app's actions do not load, so it was not published. Fix these errors and publish again:\n{}",
            action_errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    let compiled = state
        .compiler()
        .compile(
            files,
            super::apps::sdk_files(&state, &app).await?,
            Mode::Minified,
        )
        .await;
    if let Outcome::Failure { errors } = &*compiled.outcome {
        return Err(AppError::Unprocessable(format!(
            "The app does not compile, so it was not published. Fix these errors and publish again:\n{}",
            appbox_compiler::diagnostic::render_all(errors)
        )));
    }
    let direct = user.has(BUILDER_PUBLISH) && !query.review;
    let request = publish::publish(
        state.db(),
        tenant,
        Id(app.id),
        user.user_id,
        &query.note,
        Some(app.vfs_version),
        direct,
    )
    .await?;
    if request.status == "pending" {
        return Ok((StatusCode::ACCEPTED, ApiJson(request)).into_response());
    }
    let published = apps::find_app(state.db(), Some(tenant), &app.id.to_string()).await?;
    Ok(ApiJson(published).into_response())
}

/// The app's publish requests, newest first (direct publishes appear as
/// approved requests).
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/publish-requests", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = Vec<PublishRequest>), (status = 404, body = ErrorBody)))]
async fn list_requests(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<PublishRequest>>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    Ok(ApiJson(
        publish::list_requests(state.db(), user.tenant_id, Id(app.id)).await?,
    ))
}

async fn decide(
    state: &AppState,
    user: &Principal,
    key: &str,
    request: &str,
    decision: Decision,
) -> ApiResult<ApiJson<PublishRequest>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), key).await?;
    decide_for(state, user, Id(app.id), request, decision).await
}

/// Applies a decision on a publish request of `app` (an app or an
/// integration, already found in the caller's tenant): approving and
/// rejecting need `builder.publish`, cancelling is for the requester.
pub(super) async fn decide_for(
    state: &AppState,
    user: &Principal,
    app: Id,
    request: &str,
    decision: Decision,
) -> ApiResult<ApiJson<PublishRequest>> {
    if !matches!(decision, Decision::Cancel) {
        require_publish(user)?;
    }
    Ok(ApiJson(
        publish::decide(
            state.db(),
            user.tenant_id,
            app,
            request,
            user.user_id,
            decision,
        )
        .await?,
    ))
}

/// Approves a pending request, which publishes exactly what it proposed
/// (its VFS version and reference snapshot). Needs `builder.publish`; the
/// requester cannot approve their own request (403).
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/publish-requests/{req_id}/approve", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain"), ("req_id" = String, Path)),
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such request, or no longer pending")))]
async fn approve_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((key, request)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(&state, &user, &key, &request, Decision::Approve).await
}

/// Rejects a pending request with a reason; nothing is published. Needs
/// `builder.publish`.
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/publish-requests/{req_id}/reject", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain"), ("req_id" = String, Path)),
    request_body(content = Rejection, example = json!({"reject_reason": "The totals page still shows test data"})),
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "reject_reason missing")))]
async fn reject_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((key, request)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<Rejection>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(
        &state,
        &user,
        &key,
        &request,
        Decision::Reject(body.reject_reason),
    )
    .await
}

/// Withdraws a pending request; only its requester may.
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/publish-requests/{req_id}/cancel", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain"), ("req_id" = String, Path)),
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn cancel_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((key, request)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(&state, &user, &key, &request, Decision::Cancel).await
}

/// Whether the caller may publish, whether a request is pending (the
/// app's files are locked then), and what is published.
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/publish-status", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = PublishStatus), (status = 404, body = ErrorBody)))]
async fn publish_status(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<PublishStatus>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    Ok(ApiJson(
        publish::status(
            state.db(),
            user.tenant_id,
            Id(app.id),
            user.has(BUILDER_PUBLISH),
        )
        .await?,
    ))
}

/// Every publish of the app, newest first: which VFS version, which
/// references, who and when; `is_current` marks what end users get.
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/publishes", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = Vec<Publication>), (status = 404, body = ErrorBody)))]
async fn list_publishes(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<Publication>>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    Ok(ApiJson(
        publish::list_publications(state.db(), user.tenant_id, Id(app.id)).await?,
    ))
}

/// Publishes again a VFS version that was published before, with the
/// references it was published with. The working copy (`vfs_version`) is
/// untouched. Needs `builder.publish`; 423 while a request is pending.
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/rollback", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    request_body(content = RollbackRequest, example = json!({"version": 3})),
    responses((status = 200, body = AppRecord), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such app, or the version was never published"),
        (status = 422, body = ErrorBody), (status = 423, body = ErrorBody, description = "a publish request is pending")))]
async fn rollback(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> ApiResult<ApiJson<AppRecord>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    require_publish(&user)?;
    publish::rollback(
        state.db(),
        user.tenant_id,
        Id(app.id),
        user.user_id,
        body.version,
    )
    .await?;
    Ok(ApiJson(
        apps::find_app(state.db(), Some(user.tenant_id), &app.id.to_string()).await?,
    ))
}
