//! Custom Tables over HTTP (spec 000 §6, spec 001 §13).
//!
//! The record and read routes are one set of handlers mounted under every
//! prefix; the prefix only decides how the caller is authenticated
//! ([`CallerKind`]): `/api/v1/data` for platform users (builder.access, or
//! a member of the internal app named by `X-App-Id`, within its allow-list),
//! `/api/v1/open/data` for API keys, `/api/v1/ext/data` for app users.
//! Schema changes (tables, fields) are for
//! platform users only.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::{Builder, BuilderScope, CallerKind, DataCaller};
use super::openapi::for_callers;
use crate::data::custom_tables::{
    self as tables, CustomField, CustomObject, CustomRecord, FieldChanges, FieldSpec, RecordQuery,
};
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest(
            "/api/v1/data",
            for_callers(shared().merge(schema()), CallerKind::Platform, "bearer"),
        )
        .nest(
            "/api/v1/open/data",
            for_callers(shared(), CallerKind::ApiKey, "api_key"),
        )
        .nest(
            "/api/v1/ext/data",
            for_callers(shared(), CallerKind::Ext, "bearer"),
        )
        .nest(
            "/api/v1/pub/data/{slug}",
            super::pub_edge::for_visitors(reads()),
        )
}

/// Routes every signed-in kind of caller has.
fn shared() -> OpenApiRouter<AppState> {
    reads()
        .routes(routes!(create_record))
        .routes(routes!(update_record, delete_record))
}

/// The reads, which anonymous visitors of a public app have too (spec 001
/// §18.3); a write under `/pub` is a 405.
fn reads() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_objects))
        .routes(routes!(get_object))
        .routes(routes!(list_records))
        .routes(routes!(get_record))
}

/// `{obj}` of a route (a struct, so that a prefix's own parameter, such as
/// `/pub/data/{slug}`, does not get in the way).
#[derive(Deserialize)]
struct ObjPath {
    obj: String,
}

#[derive(Deserialize)]
struct RecordPath {
    obj: String,
    id: String,
}

/// Schema management, platform users only.
fn schema() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_object))
        .routes(routes!(create_object_batch))
        .routes(routes!(update_object, delete_object))
        .routes(routes!(list_fields, add_field))
        .routes(routes!(update_field, delete_field))
}

/// Tables with their fields.
#[utoipa::path(get, path = "/objects", tag = "data",
    params(("app_id" = Option<String>, Query, description = "platform users: the app whose tables to list (also as X-App-Id); an API key implies its app")),
    responses((status = 200, body = Vec<CustomObject>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "/pub: the app does not allow anonymous access"), (status = 404, body = ErrorBody, description = "/pub: no such published app")))]
async fn list_objects(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
) -> ApiResult<ApiJson<Vec<CustomObject>>> {
    Ok(ApiJson(
        tables::list_objects(state.db(), scope, None).await?,
    ))
}

/// One table (by UUID or api_slug) with its fields.
#[utoipa::path(get, path = "/objects/{obj}", tag = "data", params(("obj" = String, Path, description = "UUID or api_slug")),
    responses((status = 200, body = CustomObject), (status = 404, body = ErrorBody)))]
async fn get_object(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(ObjPath { obj }): ApiPath<ObjPath>,
) -> ApiResult<ApiJson<CustomObject>> {
    Ok(ApiJson(tables::find_object(state.db(), scope, &obj).await?))
}

/// `limit` (1-1000, default 100), `offset`, `sort` (`key` or `-key`: a data
/// key, `created_at` or `updated_at`; default newest first), `app_id`; every
/// other parameter is a filter `data_key=value`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RecordsQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    sort: Option<String>,
    #[serde(flatten)]
    #[param(value_type = Object)]
    filters: BTreeMap<String, String>,
}

/// Records of a table.
#[utoipa::path(get, path = "/objects/{obj}/records", tag = "data",
    params(("obj" = String, Path, description = "UUID or api_slug"), RecordsQuery),
    responses((status = 200, body = Vec<CustomRecord>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_records(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(ObjPath { obj }): ApiPath<ObjPath>,
    ApiQuery(query): ApiQuery<RecordsQuery>,
) -> ApiResult<ApiJson<Vec<CustomRecord>>> {
    let object = tables::find_object(state.db(), scope, &obj).await?;
    let filters = query
        .filters
        .into_iter()
        .filter(|(k, _)| k != "app_id")
        .collect();
    let query = RecordQuery {
        limit: query.limit,
        offset: query.offset,
        sort: query.sort,
        filters,
    };
    Ok(ApiJson(
        tables::list_records(state.db(), &object, &query).await?,
    ))
}

/// `{"data": {…}}`; a bare object of fields is accepted too (spec NOTES #3).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
struct RecordBody(Value);

impl RecordBody {
    fn data(self) -> Value {
        match self.0 {
            Value::Object(mut map)
                if map.len() == 1 && map.get("data").is_some_and(Value::is_object) =>
            {
                map.remove("data").unwrap_or_default()
            }
            other => other,
        }
    }
}

/// Adds a record; fields are checked against the table's definitions.
#[utoipa::path(post, path = "/objects/{obj}/records", tag = "data", params(("obj" = String, Path, description = "UUID or api_slug")),
    request_body(content = RecordBody, example = json!({"data": {"tour_name": "北海道 5 日", "amount": 35000}})),
    responses((status = 201, body = CustomRecord), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "details: [{field, error}]")))]
async fn create_record(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(obj): ApiPath<String>,
    ApiJson(body): ApiJson<RecordBody>,
) -> ApiResult<(StatusCode, ApiJson<CustomRecord>)> {
    let object = tables::find_object(state.db(), scope, &obj).await?;
    let record = tables::create_record(state.db(), scope, &object, body.data()).await?;
    Ok((StatusCode::CREATED, ApiJson(record)))
}

/// One record of a table.
#[utoipa::path(get, path = "/objects/{obj}/records/{id}", tag = "data",
    params(("obj" = String, Path, description = "UUID or api_slug"), ("id" = String, Path)),
    responses((status = 200, body = CustomRecord), (status = 404, body = ErrorBody)))]
async fn get_record(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(RecordPath { obj, id }): ApiPath<RecordPath>,
) -> ApiResult<ApiJson<CustomRecord>> {
    let object = tables::find_object(state.db(), scope, &obj).await?;
    let (owner, record) = tables::find_record(state.db(), scope, &id).await?;
    if owner.id != object.id {
        return Err(tables::DataError::RecordNotFound.into());
    }
    Ok(ApiJson(record))
}

/// Merges fields into a record: keys sent overwrite, others stay.
#[utoipa::path(patch, path = "/records/{id}", tag = "data", params(("id" = String, Path)),
    request_body(content = RecordBody, example = json!({"data": {"amount": 36000}})),
    responses((status = 200, body = CustomRecord), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_record(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RecordBody>,
) -> ApiResult<ApiJson<CustomRecord>> {
    Ok(ApiJson(
        tables::update_record(state.db(), scope, &id, body.data()).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Deleted {
    /// `已刪除`
    message: &'static str,
    #[schema(value_type = String, format = Uuid)]
    id: uuid::Uuid,
}

#[utoipa::path(delete, path = "/records/{id}", tag = "data", params(("id" = String, Path)),
    responses((status = 200, body = Deleted), (status = 404, body = ErrorBody)))]
async fn delete_record(
    State(state): State<AppState>,
    DataCaller(scope): DataCaller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<ApiJson<Deleted>> {
    let id = tables::delete_record(state.db(), scope, &id).await?;
    Ok(ApiJson(Deleted {
        message: "已刪除",
        id,
    }))
}

// ------------------------------------------------------------ schema

#[derive(Deserialize, utoipa::ToSchema)]
struct NewObject {
    #[schema(value_type = String, format = Uuid)]
    app_id: uuid::Uuid,
    name: String,
    /// `^[a-z0-9]([a-z0-9_]*[a-z0-9])?$`, unique in the app.
    api_slug: String,
    #[serde(default)]
    is_public_readable: bool,
    #[serde(default)]
    fields: Vec<FieldSpec>,
}

async fn create(
    state: &AppState,
    user: &crate::accounts::Principal,
    body: NewObject,
) -> ApiResult<(StatusCode, ApiJson<CustomObject>)> {
    let object = tables::create_object(
        state.db(),
        user.tenant_id,
        Id(body.app_id),
        &body.name,
        &body.api_slug,
        body.is_public_readable,
        &body.fields,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(object)))
}

/// Creates a table (fields optional).
#[utoipa::path(post, path = "/objects", tag = "data", security(("bearer" = [])),
    request_body(content = NewObject, example = json!({"app_id": "3f0c1d2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f", "name": "團體行程", "api_slug": "group_tour", "fields": [{"name": "行程名稱", "field_key": "tour_name", "field_type": "text", "is_required": true, "sequence": 10}, {"name": "金額", "field_key": "amount", "field_type": "number", "sequence": 20}]})),
    responses((status = 201, body = CustomObject), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "20 tables, or api_slug taken"), (status = 422, body = ErrorBody)))]
async fn create_object(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiJson(body): ApiJson<NewObject>,
) -> ApiResult<(StatusCode, ApiJson<CustomObject>)> {
    create(&state, &user, body).await
}

/// Creates a table and its fields in one call (recommended for agents).
#[utoipa::path(post, path = "/objects/batch", tag = "data", security(("bearer" = [])),
    request_body(content = NewObject, example = json!({"app_id": "3f0c1d2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f", "name": "團體行程", "api_slug": "group_tour", "fields": [{"name": "行程名稱", "field_key": "tour_name", "field_type": "text", "is_required": true, "sequence": 10}, {"name": "金額", "field_key": "amount", "field_type": "number", "sequence": 20}]})),
    responses((status = 201, body = CustomObject), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_object_batch(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiJson(body): ApiJson<NewObject>,
) -> ApiResult<(StatusCode, ApiJson<CustomObject>)> {
    create(&state, &user, body).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ObjectChanges {
    name: Option<String>,
    /// Whether the anonymous `/pub` API may read it (spec 001 §18.2).
    is_public_readable: Option<bool>,
}

#[utoipa::path(patch, path = "/objects/{obj}", tag = "data", security(("bearer" = [])), params(("obj" = String, Path)), request_body = ObjectChanges,
    responses((status = 200, body = CustomObject), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_object(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(obj): ApiPath<String>,
    ApiJson(body): ApiJson<ObjectChanges>,
) -> ApiResult<ApiJson<CustomObject>> {
    Ok(ApiJson(
        tables::update_object(
            state.db(),
            scope,
            &obj,
            body.name.as_deref(),
            body.is_public_readable,
        )
        .await?,
    ))
}

/// Deletes a table with its fields and records.
#[utoipa::path(delete, path = "/objects/{obj}", tag = "data", security(("bearer" = [])), params(("obj" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_object(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(obj): ApiPath<String>,
) -> ApiResult<StatusCode> {
    tables::delete_object(state.db(), scope, &obj).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/objects/{obj}/fields", tag = "data", security(("bearer" = [])), params(("obj" = String, Path)),
    responses((status = 200, body = Vec<CustomField>), (status = 404, body = ErrorBody)))]
async fn list_fields(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(obj): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<CustomField>>> {
    Ok(ApiJson(
        tables::find_object(state.db(), scope, &obj).await?.fields,
    ))
}

#[utoipa::path(post, path = "/objects/{obj}/fields", tag = "data", security(("bearer" = [])), params(("obj" = String, Path)), request_body = FieldSpec,
    responses((status = 201, body = CustomField), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "50 fields, or field_key taken"), (status = 422, body = ErrorBody)))]
async fn add_field(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(obj): ApiPath<String>,
    ApiJson(body): ApiJson<FieldSpec>,
) -> ApiResult<(StatusCode, ApiJson<CustomField>)> {
    Ok((
        StatusCode::CREATED,
        ApiJson(tables::add_field(state.db(), scope, &obj, &body).await?),
    ))
}

fn field_id(text: &str) -> ApiResult<Id> {
    uuid::Uuid::parse_str(text)
        .map(Id)
        .map_err(|_| AppError::NotFound("Field not found".into()))
}

#[utoipa::path(patch, path = "/fields/{field_id}", tag = "data", security(("bearer" = [])), params(("field_id" = String, Path)), request_body = FieldChanges,
    responses((status = 200, body = CustomField), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_field(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FieldChanges>,
) -> ApiResult<ApiJson<CustomField>> {
    Ok(ApiJson(
        tables::update_field(state.db(), scope, field_id(&id)?, body).await?,
    ))
}

#[utoipa::path(delete, path = "/fields/{field_id}", tag = "data", security(("bearer" = [])), params(("field_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_field(
    State(state): State<AppState>,
    BuilderScope(scope): BuilderScope,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    tables::delete_field(state.db(), scope, field_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
