//! Integrations and API keys (spec 000 §3): self-built apps that reach the
//! data APIs with `X-API-Key`.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::accounts::BUILDER_PUBLISH;
use crate::builder::apps::{self, AppChanges};
use crate::builder::integrations::{self, ApiKeyInfo, Integration, NewApiKey};
use crate::builder::publish::{self, Decision, PublishRequest, PublishStatus};
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

use super::apps::valid_name;
use super::publish::{decide_for, PublishQuery, Rejection};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_integrations, create_integration))
        .routes(routes!(get_integration, delete_integration))
        .routes(routes!(rename_integration))
        .routes(routes!(update_settings))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(publish))
        .routes(routes!(list_publish_requests))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
        .routes(routes!(cancel_request))
        .routes(routes!(publish_status))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CreateIntegration {
    /// 1-100 characters.
    name: String,
    /// 2-63 characters, unique across the server.
    subdomain: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Rename {
    name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Settings {
    /// At most 500 characters; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    live_url: Option<Option<String>>,
    /// Origins (`scheme://host[:port]`) allowed to call from a browser; empty = all.
    allowed_origins: Option<Vec<String>>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CreateKey {
    /// 1-100 characters, e.g. "Production Key".
    name: String,
    /// When the key stops working; never if absent.
    expires_at: Option<DateTime<Utc>>,
}

/// An origin is `scheme://host[:port]`, nothing more (spec NOTES #13).
fn valid_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains('/')
        && !rest.contains(char::is_whitespace)
}

/// The tenant's integrations.
#[utoipa::path(get, path = "/api/v1/integrations", tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = Vec<Integration>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_integrations(
    State(state): State<AppState>,
    Builder(user): Builder,
) -> ApiResult<ApiJson<Vec<Integration>>> {
    Ok(ApiJson(
        integrations::list(state.db(), user.tenant_id).await?,
    ))
}

/// Creates an integration (a self-built app); answers its id and slug.
#[utoipa::path(post, path = "/api/v1/integrations", tag = "integrations", security(("bearer" = [])), request_body = CreateIntegration,
    responses((status = 201, body = Integration), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_integration(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiJson(body): ApiJson<CreateIntegration>,
) -> ApiResult<(StatusCode, ApiJson<Integration>)> {
    let name = valid_name(&body.name)?;
    let subdomain = body
        .subdomain
        .as_deref()
        .map(super::apps::valid_subdomain)
        .transpose()?;
    let created =
        integrations::create(state.db(), user.tenant_id, user.user_id, name, subdomain).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

#[utoipa::path(get, path = "/api/v1/integrations/{app_id}", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), responses((status = 200, body = Integration), (status = 404, body = ErrorBody)))]
async fn get_integration(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<ApiJson<Integration>> {
    Ok(ApiJson(
        integrations::get(state.db(), user.tenant_id, &app).await?,
    ))
}

/// Deletes an integration with all its keys.
#[utoipa::path(delete, path = "/api/v1/integrations/{app_id}", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_integration(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let integration = integrations::get(state.db(), user.tenant_id, &app).await?;
    apps::delete_app(state.db(), user.tenant_id, &integration.id.to_string()).await?;
    integrations::forget_keys();
    super::storage::forget_files(&state, user.tenant_id, Id(integration.id)).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(patch, path = "/api/v1/integrations/{app_id}/name", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), request_body = Rename,
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_integration(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
    ApiJson(body): ApiJson<Rename>,
) -> ApiResult<ApiJson<Integration>> {
    let integration = integrations::get(state.db(), user.tenant_id, &app).await?;
    let changes = AppChanges {
        name: Some(valid_name(&body.name)?),
        ..Default::default()
    };
    apps::update_app(
        state.db(),
        user.tenant_id,
        &integration.id.to_string(),
        changes,
    )
    .await?;
    Ok(ApiJson(
        integrations::get(state.db(), user.tenant_id, &app).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/integrations/{app_id}/settings", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), request_body = Settings,
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_settings(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
    ApiJson(body): ApiJson<Settings>,
) -> ApiResult<ApiJson<Integration>> {
    if let Some(Some(url)) = &body.live_url {
        if url.chars().count() > 500 {
            return Err(AppError::Unprocessable(
                "live_url must be at most 500 characters".into(),
            ));
        }
    }
    if let Some(bad) = body
        .allowed_origins
        .iter()
        .flatten()
        .find(|o| !valid_origin(o))
    {
        return Err(AppError::Unprocessable(format!(
            "allowed_origins entry {bad:?} must be scheme://host[:port], like https://shop.example.com"
        )));
    }
    Ok(ApiJson(
        integrations::update_settings(
            state.db(),
            user.tenant_id,
            &app,
            body.live_url,
            body.allowed_origins,
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/integrations/{app_id}/api-keys", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), responses((status = 200, body = Vec<ApiKeyInfo>), (status = 404, body = ErrorBody)))]
async fn list_keys(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<ApiKeyInfo>>> {
    Ok(ApiJson(
        integrations::list_keys(state.db(), user.tenant_id, &app).await?,
    ))
}

/// Makes a key. `api_key` is in this answer only: store it now.
#[utoipa::path(post, path = "/api/v1/integrations/{app_id}/api-keys", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), request_body = CreateKey,
    responses((status = 201, body = NewApiKey), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_key(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
    ApiJson(body): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, ApiJson<NewApiKey>)> {
    let name = valid_name(&body.name)?;
    if body.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(AppError::Unprocessable(
            "expires_at must be in the future".into(),
        ));
    }
    let key = integrations::create_key(
        state.db(),
        user.tenant_id,
        &app,
        user.user_id,
        &name,
        body.expires_at,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(key)))
}

/// Revokes a key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/integrations/{app_id}/api-keys/{key_id}", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path), ("key_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((app, key)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    if integrations::revoke_key(state.db(), user.tenant_id, &app, &key).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("API key not found".into()))
    }
}

/// Publishes the integration's references (their published snapshot is what
/// `/open` and `/ext` use). With `builder.publish` it takes effect at once;
/// without (or with `review=true`), it becomes a pending request (one at a
/// time) that records the references as they are now: approving it
/// publishes exactly that snapshot, whatever changed since.
#[utoipa::path(post, path = "/api/v1/integrations/{app_id}/publish", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path), PublishQuery),
    responses((status = 200, body = PublishRequest, description = "`status` is `approved` (published) or `pending`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "已有 pending 發布申請"),
        (status = 423, body = ErrorBody, description = "an app publish request (with a VFS version) is pending")))]
async fn publish(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
    ApiQuery(query): ApiQuery<PublishQuery>,
) -> ApiResult<ApiJson<PublishRequest>> {
    let app = integrations::get(state.db(), user.tenant_id, &app).await?;
    let request = publish::publish(
        state.db(),
        user.tenant_id,
        Id(app.id),
        user.user_id,
        &query.note,
        None,
        user.has(BUILDER_PUBLISH) && !query.review,
    )
    .await?;
    Ok(ApiJson(request))
}

#[utoipa::path(get, path = "/api/v1/integrations/{app_id}/publish-requests", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), responses((status = 200, body = Vec<PublishRequest>), (status = 404, body = ErrorBody)))]
async fn list_publish_requests(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<PublishRequest>>> {
    let app = integrations::get(state.db(), user.tenant_id, &app).await?;
    Ok(ApiJson(
        publish::list_requests(state.db(), user.tenant_id, Id(app.id)).await?,
    ))
}

async fn decide(
    state: &AppState,
    user: &crate::accounts::Principal,
    app: &str,
    request: &str,
    decision: Decision,
) -> ApiResult<ApiJson<PublishRequest>> {
    let app = integrations::get(state.db(), user.tenant_id, app).await?;
    decide_for(state, user, Id(app.id), request, decision).await
}

/// Approves a pending request, which publishes the reference snapshot the
/// request recorded. Needs `builder.publish`; not the requester's own.
#[utoipa::path(post, path = "/api/v1/integrations/{app_id}/publish-requests/{req_id}/approve", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path), ("req_id" = String, Path)),
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn approve_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((app, request)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(&state, &user, &app, &request, Decision::Approve).await
}

/// Rejects a pending request; `reject_reason` is required. Needs `builder.publish`.
#[utoipa::path(post, path = "/api/v1/integrations/{app_id}/publish-requests/{req_id}/reject", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path), ("req_id" = String, Path)), request_body = Rejection,
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "reject_reason missing")))]
async fn reject_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((app, request)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<Rejection>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(
        &state,
        &user,
        &app,
        &request,
        Decision::Reject(body.reject_reason),
    )
    .await
}

/// Withdraws a pending request; only its requester may.
#[utoipa::path(post, path = "/api/v1/integrations/{app_id}/publish-requests/{req_id}/cancel", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path), ("req_id" = String, Path)),
    responses((status = 200, body = PublishRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn cancel_request(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((app, request)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<PublishRequest>> {
    decide(&state, &user, &app, &request, Decision::Cancel).await
}

#[utoipa::path(get, path = "/api/v1/integrations/{app_id}/publish-status", tag = "integrations", security(("bearer" = [])),
    params(("app_id" = String, Path)), responses((status = 200, body = PublishStatus), (status = 404, body = ErrorBody)))]
async fn publish_status(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(app): ApiPath<String>,
) -> ApiResult<ApiJson<PublishStatus>> {
    let app = integrations::get(state.db(), user.tenant_id, &app).await?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert!(super::valid_origin("https://shop.example.com"));
        assert!(super::valid_origin("http://localhost:3000"));
        for bad in [
            "shop.example.com",
            "https://shop.example.com/",
            "ftp://x",
            "https://",
            "https://a b",
        ] {
            assert!(!super::valid_origin(bad), "{bad}");
        }
    }
}
