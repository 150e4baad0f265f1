//! An app's VFS: replace, patch, delete files; versions and restore
//! (spec 001 §5, §12).
//!
//! Every write is one transaction and one new version; a stale
//! `expected_version` is a 409 and writes nothing. Host-owned SDK files may be
//! sent back unchanged (they are dropped) but never changed (403).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::builder::apps::{self, AppRecord, VersionInfo, WriteOutcome};
use crate::builder::sdk;
use crate::builder::vfs::{self, Edit, Files};
use crate::error::{ApiJson, ApiPath, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_source))
        .routes(routes!(patch_files, delete_files))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(restore_version))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PutSourceRequest {
    /// The whole VFS, `{"path": "content"}`. `vfs_state` is accepted as a
    /// synonym, so a GET answer can be sent back as it is.
    #[schema(value_type = Object)]
    files: Option<Files>,
    #[schema(value_type = Option<Object>)]
    vfs_state: Option<Files>,
    expected_version: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PatchFilesRequest {
    /// Files to add or overwrite, `{"path": "content"}`.
    #[schema(value_type = Object)]
    files: Files,
    expected_version: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct DeleteFilesRequest {
    paths: Vec<String>,
    expected_version: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RestoreRequest {
    /// The version whose files become the new current version.
    version: i64,
    expected_version: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct VersionFiles {
    version: i64,
    #[schema(value_type = Object)]
    vfs_state: Files,
}

/// Writes incoming files (all of them for `Replace`, some for `Patch`):
/// paths normalised, host-owned files sent back unchanged dropped.
async fn write_incoming(
    state: &AppState,
    user: &crate::accounts::Principal,
    key: &str,
    expected_version: Option<i64>,
    files: Files,
    replace: bool,
) -> ApiResult<ApiJson<WriteOutcome>> {
    let files = vfs::normalize_files(files)?;
    let app = apps::find_app(state.db(), Some(user.tenant_id), key).await?;
    // The app's SDK copies (two queries) only matter if some were sent back.
    let host = if files.keys().any(|p| sdk::is_host_owned(p)) {
        super::apps::sdk_files(state, &app).await?
    } else {
        Files::new()
    };
    let files = vfs::strip_host_owned(files, &host)?;
    let edit = if replace {
        Edit::Replace(files)
    } else {
        Edit::Patch(files)
    };
    write(state, user, &app, expected_version, edit, None).await
}

async fn write(
    state: &AppState,
    user: &crate::accounts::Principal,
    app: &AppRecord,
    expected_version: Option<i64>,
    edit: Edit,
    restored_from: Option<i64>,
) -> ApiResult<ApiJson<WriteOutcome>> {
    // The app is the caller's (found in the tenant): its kept files are
    // read by its id.
    let known = state.compiler().kept(app.id);
    let (outcome, files) = apps::write_files(
        state.db(),
        app.id,
        expected_version,
        user.user_id,
        edit,
        restored_from,
        known.as_deref(),
    )
    .await?;
    // The compile that follows a write (a dev page's, or the builder's
    // next compile request) reads no file from the database.
    state.compiler().keep(app.id, std::sync::Arc::new(files));
    // Open dev pages of the app recompile (`appbox dev`).
    state.dev().changed(app.id);
    Ok(ApiJson(outcome))
}

/// Replaces the whole VFS. SDK files left out are kept (the host injects
/// them); files left out otherwise are removed.
#[utoipa::path(put, path = "/api/v1/builder/apps/{app}/source", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    request_body(content = PutSourceRequest, example = json!({"files": {"src/App.tsx": "export default function App() {\n  return <h1>Orders</h1>;\n}\n"}, "expected_version": 1})),
    responses((status = 200, body = WriteOutcome), (status = 403, body = ErrorBody, description = "an SDK file was changed"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "stale expected_version"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_source(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<PutSourceRequest>,
) -> ApiResult<ApiJson<WriteOutcome>> {
    let files = body.files.or(body.vfs_state).ok_or_else(|| {
        AppError::Unprocessable("Send the files as {\"files\": {\"path\": \"content\"}}".into())
    })?;
    write_incoming(&state, &user, &key, body.expected_version, files, true).await
}

/// Adds or overwrites files; other files stay as they are (spec 001 §5).
#[utoipa::path(patch, path = "/api/v1/builder/apps/{app}/source/files", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    request_body(content = PatchFilesRequest, example = json!({"files": {"src/pages/HomePage.tsx": "export default function HomePage() {\n  return <h1>Hello</h1>;\n}\n"}, "expected_version": 1})),
    responses((status = 200, body = WriteOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_files(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<PatchFilesRequest>,
) -> ApiResult<ApiJson<WriteOutcome>> {
    if body.files.is_empty() {
        return Err(AppError::Unprocessable(
            "files is empty: send at least one file".into(),
        ));
    }
    write_incoming(
        &state,
        &user,
        &key,
        body.expected_version,
        body.files,
        false,
    )
    .await
}

/// Removes files (spec 001 §5). A path that does not exist is a 404 and
/// nothing is removed; SDK files cannot be removed (403).
#[utoipa::path(delete, path = "/api/v1/builder/apps/{app}/source/files", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    request_body(content = DeleteFilesRequest, example = json!({"paths": ["src/old.ts"], "expected_version": 2})),
    responses((status = 200, body = WriteOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn delete_files(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<DeleteFilesRequest>,
) -> ApiResult<ApiJson<WriteOutcome>> {
    if body.paths.is_empty() {
        return Err(AppError::Unprocessable(
            "paths is empty: name at least one file".into(),
        ));
    }
    let paths = vfs::normalize_paths(&body.paths)?;
    let host_owned: Vec<String> = paths
        .iter()
        .filter(|p| sdk::is_host_owned(p))
        .cloned()
        .collect();
    if !host_owned.is_empty() {
        return Err(vfs::VfsError::HostOwned { paths: host_owned }.into());
    }
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    write(
        &state,
        &user,
        &app,
        body.expected_version,
        Edit::Delete(paths),
        None,
    )
    .await
}

/// The app's versions, newest first.
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/source/versions", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    responses((status = 200, body = Vec<VersionInfo>), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<VersionInfo>>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    Ok(ApiJson(apps::list_versions(state.db(), app.id).await?))
}

/// The files of one version (the app's own files; SDK files are the host's
/// current copies and are not versioned).
#[utoipa::path(get, path = "/api/v1/builder/apps/{app}/source/versions/{version}", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain"), ("version" = i64, Path)),
    responses((status = 200, body = VersionFiles), (status = 404, body = ErrorBody)))]
async fn get_version(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath((key, version)): ApiPath<(String, i64)>,
) -> ApiResult<ApiJson<VersionFiles>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    let vfs_state = apps::read_files(state.db(), app.id, version).await?;
    Ok(ApiJson(VersionFiles { version, vfs_state }))
}

/// Brings back the files of an earlier version as a new version; the
/// versions in between stay in the history.
#[utoipa::path(post, path = "/api/v1/builder/apps/{app}/source/restore", tag = "builder", security(("bearer" = [])),
    params(("app" = String, Path, description = "id, slug or subdomain")),
    request_body(content = RestoreRequest, example = json!({"version": 1, "expected_version": 3})),
    responses((status = 200, body = WriteOutcome), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_version(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<RestoreRequest>,
) -> ApiResult<ApiJson<WriteOutcome>> {
    let app = apps::find_app(state.db(), Some(user.tenant_id), &key).await?;
    let files = apps::read_files(state.db(), app.id, body.version).await?;
    let edit = Edit::Restore(files);
    write(
        &state,
        &user,
        &app,
        body.expected_version,
        edit,
        Some(body.version),
    )
    .await
}
