//! Approvals for approvers (spec 000 §5.7, spec 001 §7): workflows per table
//! and operation, and the requests that proxy writes open. Managing
//! workflows and deciding requests needs `builder.publish`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::{Builder, PlatformUser};
use crate::accounts::{Principal, BUILDER_PUBLISH};
use crate::data::approvals::{
    self, ApprovalError, ApprovalRequest, AuditEntry, Decision, Workflow, WorkflowSpec,
};
use crate::data::proxy;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workflows, create_workflow))
        .routes(routes!(update_workflow, delete_workflow))
        .routes(routes!(list_requests))
        .routes(routes!(get_request))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(audit_log))
}

impl From<ApprovalError> for AppError {
    fn from(err: ApprovalError) -> Self {
        let text = err.to_string();
        match err {
            ApprovalError::WorkflowNotFound | ApprovalError::RequestNotFound => {
                AppError::NotFound(text)
            }
            ApprovalError::AlreadyDecided | ApprovalError::Duplicate(_) => AppError::Conflict(text),
            ApprovalError::AlreadyApprovedByYou | ApprovalError::OwnRequest => {
                AppError::Forbidden(text)
            }
            ApprovalError::Invalid(_) => AppError::Unprocessable(text),
            ApprovalError::Database(db) => db.into(),
        }
    }
}

fn approver(user: &Principal) -> ApiResult<()> {
    if user.has(BUILDER_PUBLISH) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Missing permission: {BUILDER_PUBLISH}"
        )))
    }
}

#[utoipa::path(get, path = "/api/v1/approvals/workflows", tag = "approvals", security(("bearer" = [])),
    responses((status = 200, body = Vec<Workflow>), (status = 401, body = ErrorBody)))]
async fn list_workflows(
    State(state): State<AppState>,
    Builder(user): Builder,
) -> ApiResult<ApiJson<Vec<Workflow>>> {
    Ok(ApiJson(
        approvals::list_workflows(state.db(), user.tenant_id).await?,
    ))
}

/// Guards `operation` (insert, update, delete) on `table_name` with
/// `levels` approvals; optional state callback and API bypass.
#[utoipa::path(post, path = "/api/v1/approvals/workflows", tag = "approvals", security(("bearer" = [])), request_body = WorkflowSpec,
    responses((status = 201, body = Workflow), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workflow(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiJson(spec): ApiJson<WorkflowSpec>,
) -> ApiResult<(StatusCode, ApiJson<Workflow>)> {
    approver(&user)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(approvals::create_workflow(state.db(), user.tenant_id, spec).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/approvals/workflows/{id}", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = WorkflowSpec, responses((status = 200, body = Workflow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_workflow(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
    ApiJson(spec): ApiJson<WorkflowSpec>,
) -> ApiResult<ApiJson<Workflow>> {
    approver(&user)?;
    Ok(ApiJson(
        approvals::update_workflow(state.db(), user.tenant_id, &id, spec).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/approvals/workflows/{id}", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_workflow(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    approver(&user)?;
    approvals::delete_workflow(state.db(), user.tenant_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RequestFilter {
    /// `pending`, `approved` or `rejected`; all if absent.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/approvals/requests", tag = "approvals", security(("bearer" = [])), params(RequestFilter),
    responses((status = 200, body = Vec<ApprovalRequest>), (status = 401, body = ErrorBody)))]
async fn list_requests(
    State(state): State<AppState>,
    PlatformUser(user): PlatformUser,
    ApiQuery(filter): ApiQuery<RequestFilter>,
) -> ApiResult<ApiJson<Vec<ApprovalRequest>>> {
    Ok(ApiJson(
        approvals::list_requests(state.db(), user.tenant_id, filter.status.as_deref()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/approvals/requests/{id}", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ApprovalRequest), (status = 404, body = ErrorBody)))]
async fn get_request(
    State(state): State<AppState>,
    PlatformUser(user): PlatformUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ApprovalRequest>> {
    Ok(ApiJson(
        approvals::get_request(state.db(), user.tenant_id, &id).await?,
    ))
}

/// Plans the decision, applies a final one to the row, then records it (a
/// failure to apply leaves the request pending).
async fn decide(
    state: &AppState,
    user: &Principal,
    id: &str,
    decision: Decision,
) -> ApiResult<ApiJson<ApprovalRequest>> {
    approver(user)?;
    let plan = approvals::plan(state.db(), user.tenant_id, id, user.user_id, decision).await?;
    proxy::apply_decision(
        state.db(),
        user.tenant_id,
        &plan.request.table_name,
        &plan.request.row_id,
        &plan.effect,
    )
    .await?;
    Ok(ApiJson(
        approvals::commit(state.db(), user.tenant_id, plan).await?,
    ))
}

/// Approves one level; the last level applies the held write and the
/// workflow's approved state.
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/approve", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ApprovalRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<ApprovalRequest>> {
    decide(&state, &user, &id, Decision::Approve).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Rejection {
    #[serde(default)]
    reason: String,
}

/// Rejects the request: a held update or delete never happens; the
/// workflow's rejected state is written to the row.
#[utoipa::path(post, path = "/api/v1/approvals/requests/{id}/reject", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Rejection,
    responses((status = 200, body = ApprovalRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Rejection>,
) -> ApiResult<ApiJson<ApprovalRequest>> {
    decide(&state, &user, &id, Decision::Reject(body.reason)).await
}

/// The latest 200 audit entries of the tenant (approval bypasses, …).
/// Needs `builder.publish`.
#[utoipa::path(get, path = "/api/v1/approvals/audit-logs", tag = "approvals", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    Builder(user): Builder,
) -> ApiResult<ApiJson<Vec<AuditEntry>>> {
    approver(&user)?;
    Ok(ApiJson(
        approvals::list_audit(state.db(), user.tenant_id, 200).await?,
    ))
}
