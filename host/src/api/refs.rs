//! References (spec 000 §4): which ERP tables, columns and operations an app
//! may use through the proxy.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::data::catalog::{self, ColumnInfo, TableKind};
use crate::data::erp_catalog::ERP_TABLES;
use crate::data::refs::{self, RefError, Reference};
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(available_tables))
        .routes(routes!(table_columns))
        .routes(routes!(list_refs, create_ref))
        .routes(routes!(update_ref, delete_ref))
}

#[derive(Serialize, utoipa::ToSchema)]
struct AvailableTable {
    name: &'static str,
    comment: &'static str,
}

/// The ERP tables an app may reference (never the core tables).
#[utoipa::path(get, path = "/api/v1/refs/available-tables", tag = "refs", security(("bearer" = [])),
    responses((status = 200, body = Vec<AvailableTable>), (status = 401, body = ErrorBody)))]
async fn available_tables(Builder(_user): Builder) -> ApiJson<Vec<AvailableTable>> {
    ApiJson(
        ERP_TABLES
            .iter()
            .map(|t| AvailableTable {
                name: t.name,
                comment: t.comment,
            })
            .collect(),
    )
}

/// A table's columns, read from the database catalog.
#[utoipa::path(get, path = "/api/v1/refs/tables/{table_name}/columns", tag = "refs", security(("bearer" = [])),
    params(("table_name" = String, Path)),
    responses((status = 200, body = Vec<ColumnInfo>), (status = 403, body = ErrorBody, description = "此表不可引用"), (status = 404, body = ErrorBody)))]
async fn table_columns(
    State(state): State<AppState>,
    Builder(_user): Builder,
    ApiPath(table): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<ColumnInfo>>> {
    match catalog::classify(&table) {
        TableKind::Business => Ok(ApiJson(catalog::columns(state.db(), &table).await?)),
        TableKind::Forbidden => Err(RefError::NotReferenceable.into()),
        TableKind::Unknown => Err(RefError::UnknownTable.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/refs/apps/{app_id}", tag = "refs", security(("bearer" = [])), params(("app_id" = String, Path)),
    responses((status = 200, body = Vec<Reference>), (status = 404, body = ErrorBody)))]
async fn list_refs(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<Reference>>> {
    Ok(ApiJson(refs::list(state.db(), user.tenant_id, &app).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewReference {
    table_name: String,
    columns: Vec<String>,
    /// Any of `read`, `create`, `update`, `delete`.
    permissions: Vec<String>,
    #[serde(default)]
    is_public_readable: bool,
}

#[utoipa::path(post, path = "/api/v1/refs/apps/{app_id}", tag = "refs", security(("bearer" = [])), params(("app_id" = String, Path)),
    request_body = NewReference,
    responses((status = 201, body = Reference), (status = 400, body = ErrorBody, description = "an unknown column or permission"),
        (status = 403, body = ErrorBody, description = "此表不可引用"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_ref(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
    ApiJson(body): ApiJson<NewReference>,
) -> ApiResult<(StatusCode, ApiJson<Reference>)> {
    let created = refs::create(
        state.db(),
        user.tenant_id,
        &app,
        &body.table_name,
        &body.columns,
        &body.permissions,
        body.is_public_readable,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ReferenceChanges {
    columns: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    /// Whether the anonymous `/pub` API may read it (spec 001 §18.2).
    is_public_readable: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/refs/{ref_id}", tag = "refs", security(("bearer" = [])), params(("ref_id" = String, Path)),
    request_body = ReferenceChanges, responses((status = 200, body = Reference), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_ref(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReferenceChanges>,
) -> ApiResult<ApiJson<Reference>> {
    Ok(ApiJson(
        refs::update(
            state.db(),
            user.tenant_id,
            &id,
            body.columns,
            body.permissions,
            body.is_public_readable,
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/refs/{ref_id}", tag = "refs", security(("bearer" = [])), params(("ref_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_ref(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    refs::delete(state.db(), user.tenant_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
