//! The proxy over ERP tables (spec 000 §5, §9): one set of handlers mounted
//! under each prefix; the prefix only decides who the caller is.
//! `/api/v1/proxy/{app_id}`: a platform user of the app's tenant, live
//! references. `/api/v1/open/proxy`: an API key, published references.

use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::{ApiKeyCaller, CallerKind, PlatformUser};
use super::openapi::{add_prefix_parameter, for_callers};
use super::pub_edge::PublicVisitor;
use crate::app_users::tokens::AppUserCaller;
use crate::builder::apps;
use crate::data::proxy::{self, Caller, ProxyError, QueryBody};
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    let mut platform = routes_for_every_prefix();
    add_prefix_parameter(
        platform.get_openapi_mut(),
        "app_id",
        "the app (id, slug or subdomain) whose live references apply",
    );
    OpenApiRouter::new()
        .nest(
            "/api/v1/proxy/{app_id}",
            for_callers(platform, CallerKind::Platform, "bearer"),
        )
        .nest(
            "/api/v1/open/proxy",
            for_callers(routes_for_every_prefix(), CallerKind::ApiKey, "api_key"),
        )
        .nest(
            "/api/v1/ext/proxy",
            for_callers(routes_for_every_prefix(), CallerKind::Ext, "bearer"),
        )
        .nest(
            "/api/v1/pub/proxy/{slug}",
            super::pub_edge::for_visitors(reads()),
        )
}

fn routes_for_every_prefix() -> OpenApiRouter<AppState> {
    reads()
        .routes(routes!(insert_row))
        .routes(routes!(update_row, delete_row))
}

/// The reads, which anonymous visitors of a public app have too (spec 001
/// §18.3); a write under `/pub` is a 405.
fn reads() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rows))
        .routes(routes!(query_rows))
}

/// The proxy caller of a request, by the prefix's [`CallerKind`].
struct ProxyCaller(Caller);

impl FromRequestParts<AppState> for ProxyCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let kind = parts.extensions.get::<CallerKind>().copied();
        match kind {
            Some(CallerKind::ApiKey) => {
                let ApiKeyCaller(owner) = ApiKeyCaller::from_request_parts(parts, state).await?;
                Ok(ProxyCaller(Caller::Open {
                    tenant: owner.tenant_id,
                    app: owner.app_id,
                    key: owner.key_id,
                }))
            }
            Some(CallerKind::Ext) => {
                let caller = AppUserCaller::from_request_parts(parts, state).await?;
                Ok(ProxyCaller(Caller::Ext {
                    tenant: caller.tenant(),
                    app: caller.app.id,
                    user: caller.user,
                }))
            }
            Some(CallerKind::Platform) => {
                let PlatformUser(user) = PlatformUser::from_request_parts(parts, state).await?;
                let params = RawPathParams::from_request_parts(parts, state)
                    .await
                    .map_err(|e| AppError::BadRequest(e.body_text()))?;
                let app_key = params
                    .iter()
                    .find(|(k, _)| *k == "app_id")
                    .map(|(_, v)| v.to_owned())
                    .unwrap_or_default();
                let app = if user.has(crate::accounts::BUILDER_ACCESS) {
                    apps::find_app(state.db(), Some(user.tenant_id), &app_key).await?
                } else {
                    super::callers::member_app(state, &user, &app_key).await?
                };
                Ok(ProxyCaller(Caller::Internal {
                    tenant: user.tenant_id,
                    app: Id(app.id),
                    user: user.user_id,
                }))
            }
            Some(CallerKind::Pub) => {
                let PublicVisitor(visitor) =
                    PublicVisitor::from_request_parts(parts, state).await?;
                Ok(ProxyCaller(Caller::Pub {
                    tenant: visitor.tenant,
                    app: visitor.app,
                }))
            }
            None => Err(AppError::Internal(anyhow::anyhow!(
                "proxy route without a CallerKind"
            ))),
        }
    }
}

impl From<ProxyError> for AppError {
    fn from(err: ProxyError) -> Self {
        match err {
            ProxyError::Forbidden(text) => AppError::Forbidden(text),
            ProxyError::BadRequest(text) => AppError::BadRequest(text),
            ProxyError::NotFound(text) => AppError::NotFound(text),
            ProxyError::Conflict(text) => AppError::Conflict(text),
            ProxyError::Busy(detail) => AppError::TooManyRequests {
                detail,
                retry_after_seconds: 1,
            },
            ProxyError::Database(db) => db.into(),
        }
    }
}

/// JSON produced by the database, sent as it is.
fn json_text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// Default 100; at most 500 (`/proxy`), 1000 (`/open/proxy`, `/ext/proxy`)
    /// or 100 (`/pub/proxy`); a larger one is cut to that.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Deserialize)]
struct TablePath {
    table: String,
}

#[derive(Deserialize)]
struct RowPath {
    table: String,
    id: String,
}

/// Rows of a table, newest first, with the referenced columns (a bare list).
#[utoipa::path(get, path = "/{table}", tag = "proxy", params(("table" = String, Path), Page),
    responses((status = 200, description = "a JSON list of rows"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "/pub: no such published app")))]
async fn list_rows(
    State(state): State<AppState>,
    ProxyCaller(caller): ProxyCaller,
    ApiPath(path): ApiPath<TablePath>,
    ApiQuery(page): ApiQuery<Page>,
) -> ApiResult<Response> {
    let rows = proxy::list(state.db(), caller, &path.table, page.limit, page.offset).await?;
    Ok(json_text(StatusCode::OK, rows))
}

/// Filters (11 operators, AND), search (OR of ILIKE over text casts),
/// order_by, select_columns, limit/offset, count_only.
#[utoipa::path(post, path = "/{table}/query", tag = "proxy", params(("table" = String, Path)),
    request_body(content = QueryBody, example = json!({"filters": [{"column": "credit_limit", "op": "gte", "value": 1000}, {"column": "status", "op": "eq", "value": "active"}], "order_by": [{"column": "credit_limit", "direction": "desc"}], "limit": 50})),
    responses((status = 200, description = "{\"data\": [rows], \"limit\", \"offset\"} or {\"total\": n}"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "/pub: no such published app")))]
async fn query_rows(
    State(state): State<AppState>,
    ProxyCaller(caller): ProxyCaller,
    ApiPath(path): ApiPath<TablePath>,
    ApiJson(body): ApiJson<QueryBody>,
) -> ApiResult<Response> {
    Ok(json_text(
        StatusCode::OK,
        proxy::query(state.db(), None, caller, &path.table, &body).await?,
    ))
}

/// Inserts a row: `{"data": {…}}` or the fields themselves; system columns
/// and unreferenced columns are dropped, tenant_id is set by the server.
#[utoipa::path(post, path = "/{table}", tag = "proxy", params(("table" = String, Path)),
    request_body(content = Object, description = "the row's columns (those the reference allows)", example = json!({"name": "Acme Ltd", "customer_type": "company", "email": "buyer@acme.example"})),
    responses((status = 201, description = "{\"id\", \"created_at\", \"data\"}"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn insert_row(
    State(state): State<AppState>,
    ProxyCaller(caller): ProxyCaller,
    ApiPath(path): ApiPath<TablePath>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, ApiJson<Value>)> {
    Ok((
        StatusCode::CREATED,
        ApiJson(proxy::insert(state.db(), caller, &path.table, body).await?),
    ))
}

#[utoipa::path(patch, path = "/{table}/{id}", tag = "proxy", params(("table" = String, Path), ("id" = String, Path)),
    request_body(content = Object, description = "the columns to change", example = json!({"phone": "02-2345-6789"})),
    responses((status = 200, description = "{\"id\", \"updated\": true}"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_row(
    State(state): State<AppState>,
    ProxyCaller(caller): ProxyCaller,
    ApiPath(path): ApiPath<RowPath>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<ApiJson<Value>> {
    Ok(ApiJson(
        proxy::update(state.db(), caller, &path.table, &path.id, body).await?,
    ))
}

/// Deletes a row (204); under a delete workflow the row stays and the
/// answer (200) carries `approval_status: "pending"`.
#[utoipa::path(delete, path = "/{table}/{id}", tag = "proxy", params(("table" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 200, description = "held for approval"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_row(
    State(state): State<AppState>,
    ProxyCaller(caller): ProxyCaller,
    ApiPath(path): ApiPath<RowPath>,
) -> ApiResult<Response> {
    Ok(
        match proxy::delete(state.db(), caller, &path.table, &path.id).await? {
            None => StatusCode::NO_CONTENT.into_response(),
            Some(held) => (StatusCode::OK, ApiJson(held)).into_response(),
        },
    )
}
