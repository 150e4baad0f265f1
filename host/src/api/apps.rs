//! Apps: create, list, read (with the VFS), change settings, delete
//! (spec 001 §3, §5, §17.3, §18.2); publishing is in `publish.rs`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::{Builder, PlatformUser};
use crate::builder::apps::{self, AccessMode, AppChanges, AppRecord, NewApp};
use crate::builder::integrations;
use crate::builder::sdk;
use crate::builder::vfs::Files;
use crate::data::custom_tables;
use crate::db::Id;
use crate::error::{ApiJson, ApiPath, ApiResult, AppError, ErrorBody};
use crate::members::{self, Refusal};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_app, list_apps))
        .routes(routes!(get_app, update_app, delete_app))
        .routes(routes!(public_app))
        .routes(routes!(check_access))
        .routes(routes!(get_allowed_roles, set_allowed_roles))
}

/// An app with its files: the app's own and the host-owned SDK files.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AppDetail {
    #[serde(flatten)]
    app: AppRecord,
    /// The VFS at `vfs_version`: `{"path": "content"}`.
    #[schema(value_type = Object)]
    vfs_state: Files,
}

/// The files of `app`'s current version, SDK files included.
pub(super) async fn current_files(state: &AppState, app: &AppRecord) -> ApiResult<Files> {
    let mut files = apps::read_files(state.db(), app.id, app.vfs_version).await?;
    files.extend(sdk_files(state, app).await?);
    Ok(files)
}

/// The host-owned SDK files as `app` gets them: `src/data.json` describes
/// its Custom Tables (spec NOTES #10).
pub(super) async fn sdk_files(state: &AppState, app: &AppRecord) -> ApiResult<Files> {
    let mut files = sdk::host_files();
    let data_json = custom_tables::data_json(state.db(), Id(app.tenant_id), Id(app.id)).await?;
    files.insert("src/data.json".into(), data_json);
    let db_json = crate::data::refs::db_json(state.db(), Id(app.tenant_id), Id(app.id)).await?;
    files.insert("src/db.json".into(), db_json);
    Ok(files)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CreateAppRequest {
    /// 1-100 characters.
    name: String,
    #[serde(default)]
    description: Option<String>,
    /// `internal` (default), `external` or `self_built`.
    #[serde(default)]
    access_mode: Option<AccessMode>,
    /// 2-63 characters of `a-z`, `0-9` and `-`; unique across the server.
    #[serde(default)]
    subdomain: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct UpdateAppRequest {
    name: Option<String>,
    description: Option<String>,
    access_mode: Option<AccessMode>,
    allow_anonymous_access: Option<bool>,
    /// A new subdomain, or `null` to remove it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    subdomain: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A display name: 1-100 characters once trimmed.
pub(super) fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Unprocessable(
            "name must be 1-100 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

pub(super) fn valid_subdomain(subdomain: &str) -> ApiResult<String> {
    let s = subdomain.trim().to_lowercase();
    let charset_ok = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let looks_like_slug = s.len() == 12 && s.chars().all(|c| c.is_ascii_hexdigit());
    if !(2..=63).contains(&s.len()) || !charset_ok || s.starts_with('-') || s.ends_with('-') {
        return Err(AppError::Unprocessable(
            "subdomain must be 2-63 characters of a-z, 0-9 and '-', not starting or ending with '-'".into(),
        ));
    }
    if looks_like_slug || uuid::Uuid::parse_str(&s).is_ok() {
        return Err(AppError::Unprocessable(
            "subdomain must not look like an app slug or id".into(),
        ));
    }
    Ok(s)
}

/// Creates an app from the standard template (spec 001 §4) as VFS version 1.
#[utoipa::path(post, path = "/api/v1/builder/apps", tag = "builder", security(("bearer" = [])),
    request_body(content = CreateAppRequest, example = json!({"name": "Orders", "description": "Orders of the week", "access_mode": "internal"})),
    responses((status = 201, body = AppDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "subdomain taken"), (status = 422, body = ErrorBody)))]
async fn create_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiJson(body): ApiJson<CreateAppRequest>,
) -> ApiResult<(StatusCode, ApiJson<AppDetail>)> {
    let new = NewApp {
        name: valid_name(&body.name)?,
        description: body.description.unwrap_or_default(),
        access_mode: body.access_mode.unwrap_or(AccessMode::Internal),
        subdomain: body.subdomain.as_deref().map(valid_subdomain).transpose()?,
    };
    let app = apps::create_app(
        state.db(),
        user.tenant_id,
        user.user_id,
        new,
        sdk::template_files(),
    )
    .await?;
    let vfs_state = current_files(&state, &app).await?;
    Ok((StatusCode::CREATED, ApiJson(AppDetail { app, vfs_state })))
}

/// Lists the tenant's apps, newest first, without their files (read one app
/// for its exact `vfs_version` and VFS, spec 001 §12).
#[utoipa::path(get, path = "/api/v1/builder/apps", tag = "builder", security(("bearer" = [])),
    responses((status = 200, body = Vec<AppRecord>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_apps(
    State(state): State<AppState>,
    Builder(user): Builder,
) -> ApiResult<ApiJson<Vec<AppRecord>>> {
    Ok(ApiJson(apps::list_apps(state.db(), user.tenant_id).await?))
}

/// Reads an app by id, slug or subdomain, with `vfs_state` and `vfs_version`.
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = AppDetail), (status = 404, body = ErrorBody)))]
async fn get_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<AppDetail>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    let vfs_state = current_files(&state, &app).await?;
    Ok(ApiJson(AppDetail { app, vfs_state }))
}

/// Changes an app's settings; fields left out stay as they are.
#[utoipa::path(patch, path = "/api/v1/builder/apps/{app}", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")), request_body = UpdateAppRequest,
    responses((status = 200, body = AppRecord), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateAppRequest>,
) -> ApiResult<ApiJson<AppRecord>> {
    let changes = AppChanges {
        name: body.name.as_deref().map(valid_name).transpose()?,
        description: body.description,
        access_mode: body.access_mode,
        allow_anonymous_access: body.allow_anonymous_access,
        subdomain: match body.subdomain {
            Some(Some(s)) => Some(Some(valid_subdomain(&s)?)),
            other => other,
        },
    };
    Ok(ApiJson(
        apps::update_app(state.db(), user.tenant_id, &key, changes).await?,
    ))
}

/// Deletes an app and every version of its files.
#[utoipa::path(delete, path = "/api/v1/builder/apps/{app}", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_app(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let app = apps::delete_app(state.db(), user.tenant_id, &key).await?;
    // Its keys went with it; its files go now.
    integrations::forget_keys();
    super::storage::forget_files(&state, user.tenant_id, Id(app.id)).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
struct PublicAppInfo {
    name: String,
    slug: String,
    subdomain: Option<String>,
    tenant_logo_url: Option<String>,
}

/// What an app's login page shows before sign-in (spec 001 §17.3): no token
/// needed; 404 unless the app exists and is published.
#[utoipa::path(get, path = "/api/v1/builder/apps/public/{slug}", tag = "builder",
    params(("slug" = String, Path, description = "slug or subdomain")),
    responses((status = 200, body = PublicAppInfo), (status = 404, body = ErrorBody)))]
async fn public_app(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<ApiJson<PublicAppInfo>> {
    let app = published_app(&state, &slug)
        .await?
        .ok_or_else(|| AppError::NotFound("App not found".into()))?;
    let tenant_logo_url =
        crate::accounts::tenant_logo_url(state.db(), crate::db::Id(app.tenant_id)).await?;
    Ok(ApiJson(PublicAppInfo {
        name: app.name,
        slug: app.slug,
        subdomain: app.subdomain,
        tenant_logo_url,
    }))
}

async fn published_app(state: &AppState, key: &str) -> ApiResult<Option<AppRecord>> {
    match apps::find_app(state.db(), None, key).await {
        Ok(app) if app.status == "published" => Ok(Some(app)),
        Ok(_) | Err(apps::AppsError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct AccessCheck {
    has_access: bool,
    app_name: Option<String>,
    reason: Option<String>,
}

/// Whether the signed-in user may open the app (spec 001 §17.3): it is
/// published, of their organisation, and their role is on its allow-list
/// (an app without one is open to every role).
#[utoipa::path(get, path = "/api/v1/builder/apps/check-access/{slug}", tag = "builder", security(("bearer" = [])),
    params(("slug" = String, Path, description = "slug or subdomain")),
    responses((status = 200, body = AccessCheck), (status = 401, body = ErrorBody)))]
async fn check_access(
    State(state): State<AppState>,
    PlatformUser(user): PlatformUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<ApiJson<AccessCheck>> {
    let Some(app) = published_app(&state, &slug).await? else {
        return Ok(ApiJson(AccessCheck {
            has_access: false,
            app_name: None,
            reason: Some(Refusal::NotPublished.reason().into()),
        }));
    };
    let refusal = members::refusal(state.db(), &user, &app).await?;
    Ok(ApiJson(AccessCheck {
        has_access: refusal.is_none(),
        app_name: Some(app.name),
        reason: refusal.map(|r| r.reason().into()),
    }))
}

/// The roles that may open an app: `null` (every role of the organisation)
/// or role names (`admin`, `builder`, `member`, …).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
struct AllowedRoles {
    role_ids: Option<Vec<String>>,
}

/// The app's role allow-list (spec 001 §17.3).
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/allowed-roles", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = AllowedRoles), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_allowed_roles(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<AllowedRoles>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    Ok(ApiJson(AllowedRoles {
        role_ids: members::allowed_roles(state.db(), Id(app.id)).await?,
    }))
}

/// Replaces the app's role allow-list: `{"role_ids": ["member"]}` lets only
/// those roles open it (check-access, its page, its data); `null` opens it
/// to every role again. Takes effect at once.
#[utoipa::path(put, path = "/api/v1/builder/apps/{app}/allowed-roles", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")), request_body = AllowedRoles,
    responses((status = 200, body = AllowedRoles), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "an unknown role, an empty list, or more than 20 roles")))]
async fn set_allowed_roles(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<AllowedRoles>,
) -> ApiResult<ApiJson<AllowedRoles>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    let role_ids = members::set_allowed_roles(
        state.db(),
        user.tenant_id,
        Id(app.id),
        body.role_ids.as_deref(),
    )
    .await?;
    Ok(ApiJson(AllowedRoles { role_ids }))
}
