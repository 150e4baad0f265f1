//! What an app's actions may use beyond its data, set by builders: secrets
//! (`ctx.secrets.get`; listed by name and masked hint, never returned) and
//! outbound services (`ctx.http.call`).
//!
//! | route | job |
//! |---|---|
//! | `GET /api/v1/builder/apps/{id}/secrets` | names and hints |
//! | `PUT /api/v1/builder/apps/{id}/secrets/{name}` | set `{"value"}` |
//! | `DELETE /api/v1/builder/apps/{id}/secrets/{name}` | delete |
//! | `GET /api/v1/builder/apps/{id}/services` | the services |
//! | `PUT /api/v1/builder/apps/{id}/services/{name}` | set `{"base_url", "headers"}` |
//! | `DELETE /api/v1/builder/apps/{id}/services/{name}` | delete |

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::accounts::Principal;
use crate::builder::apps;
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::serving::app_secrets::{self, SecretInfo};
use crate::serving::services::{self, ServiceInfo, ServiceSpec};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_secrets))
        .routes(routes!(set_secret, delete_secret))
        .routes(routes!(list_services))
        .routes(routes!(put_service, delete_service))
}

#[derive(Deserialize)]
struct AppPath {
    id: String,
}

#[derive(Deserialize)]
struct NamedPath {
    id: String,
    name: String,
}

/// `{"value": "…"}`: at most 8 KiB.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretBody {
    value: String,
}

/// The app `key` of the builder's tenant (another tenant's is a 404).
async fn app_of(state: &AppState, user: &Principal, key: &str) -> ApiResult<Id> {
    Ok(Id(apps::find_app(state.db(), Some(user.tenant_id), key)
        .await?
        .id))
}

/// The app's secrets: names and masked hints, never values.
#[utoipa::path(get, path = "/api/v1/builder/apps/{id}/secrets", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [SecretInfo]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_secrets(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<AppPath>,
) -> ApiResult<ApiJson<Vec<SecretInfo>>> {
    let app = app_of(&state, &user, &path.id).await?;
    Ok(ApiJson(
        app_secrets::list(state.db(), user.tenant_id, app).await?,
    ))
}

/// Sets a secret (encrypted at rest); the answer shows its hint only.
#[utoipa::path(put, path = "/api/v1/builder/apps/{id}/secrets/{name}", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)), request_body = SecretBody,
    responses((status = 200, body = SecretInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_secret(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<NamedPath>,
    ApiJson(body): ApiJson<SecretBody>,
) -> ApiResult<ApiJson<SecretInfo>> {
    let app = app_of(&state, &user, &path.id).await?;
    Ok(ApiJson(
        app_secrets::set(
            state.db(),
            state.secrets(),
            user.tenant_id,
            app,
            &path.name,
            &body.value,
        )
        .await?,
    ))
}

/// Deletes a secret.
#[utoipa::path(delete, path = "/api/v1/builder/apps/{id}/secrets/{name}", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_secret(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<NamedPath>,
) -> ApiResult<StatusCode> {
    let app = app_of(&state, &user, &path.id).await?;
    app_secrets::delete(state.db(), user.tenant_id, app, &path.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The app's services (secret headers by secret name only).
#[utoipa::path(get, path = "/api/v1/builder/apps/{id}/services", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [ServiceInfo]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_services(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<AppPath>,
) -> ApiResult<ApiJson<Vec<ServiceInfo>>> {
    let app = app_of(&state, &user, &path.id).await?;
    Ok(ApiJson(
        services::list(state.db(), user.tenant_id, app).await?,
    ))
}

/// Creates or replaces a service.
#[utoipa::path(put, path = "/api/v1/builder/apps/{id}/services/{name}", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)), request_body = ServiceSpec,
    responses((status = 200, body = ServiceInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_service(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<NamedPath>,
    ApiJson(spec): ApiJson<ServiceSpec>,
) -> ApiResult<ApiJson<ServiceInfo>> {
    let app = app_of(&state, &user, &path.id).await?;
    Ok(ApiJson(
        services::put(state.db(), user.tenant_id, app, &path.name, &spec).await?,
    ))
}

/// Deletes a service.
#[utoipa::path(delete, path = "/api/v1/builder/apps/{id}/services/{name}", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_service(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(path): ApiPath<NamedPath>,
) -> ApiResult<StatusCode> {
    let app = app_of(&state, &user, &path.id).await?;
    services::delete(state.db(), user.tenant_id, app, &path.name).await?;
    Ok(StatusCode::NO_CONTENT)
}
