//! File storage over HTTP (spec 001 §15): `/api/v1/ext/storage/*` for an
//! app's users (their token) and an internal app's members and builders
//! (a platform token with `X-App-Id`), the signed URLs appbox serves
//! itself, and a tenant's storage usage for builders.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::app_oauth::public_base;
use super::callers::{Builder, StorageCaller};
use crate::edge::storage::{
    self, FilePath, FileStore, Listing, StorageError, StorageUsage, Uploaded, FORM_OVERHEAD_BYTES,
    MAX_FILE_BYTES, URL_SECONDS,
};
use crate::error::{ApiJson, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(signed_url))
        .routes(routes!(list_files))
        .routes(routes!(delete_file))
        .routes(routes!(serve_file))
        .routes(routes!(storage_usage))
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        let text = err.to_string();
        match err {
            StorageError::Traversal
            | StorageError::OutsideApp(_)
            | StorageError::Expired
            | StorageError::BadSignature => AppError::Forbidden(text),
            StorageError::InvalidName { .. } => AppError::Unprocessable(text),
            StorageError::NotFound => AppError::NotFound(text),
            StorageError::TooLarge => AppError::PayloadTooLarge(text),
            StorageError::BadForm(_) => AppError::BadRequest(text),
            StorageError::Store(store) => {
                AppError::Internal(anyhow::anyhow!("file storage: {store}"))
            }
            StorageError::Database(db) => db.into(),
        }
    }
}

/// Deletes a deleted app's files (its index rows went with the app). A
/// failure is logged, not answered: the app is gone either way.
pub(super) async fn forget_files(state: &AppState, tenant: crate::db::Id, app: crate::db::Id) {
    if let Some(store) = state.files() {
        if let Err(err) = store.forget_app(&storage::Owner { tenant, app }).await {
            tracing::warn!(%app, error = %err, "deleting a deleted app's files");
        }
    }
}

fn files(state: &AppState) -> Result<&FileStore, AppError> {
    state.files().ok_or_else(|| {
        AppError::Unavailable("File storage is not configured on this server".into())
    })
}

/// The form of an upload (for the API docs; the body is read as a stream).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// The file (at most 100 MB); its name is the stored file's name.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// A folder such as `receipts` or `receipts/2026`; default: the app's top level.
    folder: Option<String>,
}

/// Uploads one file, streamed to storage: `multipart/form-data` with `file`
/// and optionally `folder`. A file already at that path is replaced.
#[utoipa::path(post, path = "/api/v1/ext/storage/upload", tag = "storage", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = Uploaded), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`..` in the folder or file name"),
        (status = 413, body = ErrorBody, description = "larger than 100 MB"), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    StorageCaller(owner): StorageCaller,
    headers: HeaderMap,
    // The raw body, not an extractor with the global body limit: uploads
    // have their own (100 MB), checked as the bytes arrive.
    body: Body,
) -> ApiResult<ApiJson<Uploaded>> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES + FORM_OVERHEAD_BYTES) {
        return Err(StorageError::TooLarge.into());
    }
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| {
            AppError::UnsupportedMediaType(
                "Send the file as multipart/form-data (a FormData body) with a `file` field".into(),
            )
        })?;
    let uploaded = files(&state)?
        .upload(state.db(), &owner, boundary, body.into_data_stream())
        .await?;
    Ok(ApiJson(uploaded))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PathQuery {
    /// `{tenant_id}/{app_id}/{folder}/{filename}`, as `upload` answered it.
    path: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct SignedUrl {
    url: String,
    expires_in: i64,
}

/// Characters a query value keeps as they are.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A URL that serves the file to anyone holding it for an hour (an `<img>`
/// or a download link needs no token).
#[utoipa::path(get, path = "/api/v1/ext/storage/url", tag = "storage", security(("bearer" = [])),
    params(PathQuery),
    responses((status = 200, body = SignedUrl), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "another app's path, or `..`"), (status = 404, body = ErrorBody)))]
async fn signed_url(
    State(state): State<AppState>,
    StorageCaller(owner): StorageCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PathQuery>,
) -> ApiResult<ApiJson<SignedUrl>> {
    let store = files(&state)?;
    let path = FilePath::parse(&owner, &query.path)?;
    store.find(state.db(), &path).await?;
    let (expires, signature) = store.sign(&path);
    Ok(ApiJson(SignedUrl {
        url: format!(
            "{}/api/v1/storage/object?path={}&expires={expires}&signature={signature}",
            public_base(&state, &headers),
            utf8_percent_encode(&path.full, QUERY_VALUE)
        ),
        expires_in: URL_SECONDS,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `receipts`, `receipts/2026`; default: the app's top level.
    #[serde(default)]
    folder: String,
    /// 1..=1000, default 100.
    limit: Option<i64>,
    #[serde(default)]
    offset: i64,
}

/// The files of one folder (not of its subfolders), by name; `count` is
/// the folder's number of files in all.
#[utoipa::path(get, path = "/api/v1/ext/storage/list", tag = "storage", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = Listing), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_files(
    State(state): State<AppState>,
    StorageCaller(owner): StorageCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Listing>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || query.offset < 0 {
        return Err(AppError::Unprocessable(
            "limit is 1 to 1000 and offset 0 or more".into(),
        ));
    }
    let folder = storage::folder(&query.folder)?;
    Ok(ApiJson(
        storage::list(state.db(), &owner, &folder, limit, query.offset).await?,
    ))
}

/// Deletes a file; its URLs stop working.
#[utoipa::path(delete, path = "/api/v1/ext/storage/file", tag = "storage", security(("bearer" = [])),
    params(PathQuery),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_file(
    State(state): State<AppState>,
    StorageCaller(owner): StorageCaller,
    ApiQuery(query): ApiQuery<PathQuery>,
) -> ApiResult<StatusCode> {
    let path = FilePath::parse(&owner, &query.path)?;
    files(&state)?.delete(state.db(), &path).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SignedQuery {
    path: String,
    expires: i64,
    signature: String,
}

/// Types a browser may show in place; everything else is a download.
fn shown_inline(mime: &str) -> bool {
    (mime.starts_with("image/") && mime != "image/svg+xml")
        || mime.starts_with("audio/")
        || mime.starts_with("video/")
        || matches!(mime, "application/pdf" | "text/plain")
}

/// `inline|attachment; filename="…"; filename*=UTF-8''…` (RFC 6266).
fn content_disposition(mime: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        if shown_inline(mime) {
            "inline"
        } else {
            "attachment"
        },
        utf8_percent_encode(name, QUERY_VALUE)
    )
}

/// The one byte range a `Range` header asks for (players and resumed
/// downloads send one); `None` for the whole file, including when several
/// ranges are asked for (RFC 9110 lets a server answer those with all of
/// it). `Err` when the range lies outside the file: a 416.
fn requested_range(
    headers: &HeaderMap,
    size: u64,
) -> Result<Option<std::ops::RangeInclusive<u64>>, ()> {
    let Some(value) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    if size == 0 {
        return Err(());
    }
    let Ok(parsed) = http_range_header::parse_range_header(value) else {
        // Not a bytes range at all: ignored, as RFC 9110 §14.2 allows.
        return Ok(None);
    };
    match parsed.validate(size) {
        Ok(ranges) if ranges.len() == 1 => Ok(ranges.into_iter().next()),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

/// A file by its signed URL: no token, the signature is the permission.
/// Served with its content type and `Content-Disposition`, sandboxed so an
/// uploaded page can never run as appbox.
#[utoipa::path(get, path = "/api/v1/storage/object", tag = "storage",
    params(SignedQuery),
    params(("Range" = Option<String>, Header, description = "one byte range, e.g. `bytes=0-1023`")),
    responses((status = 200, description = "the file's bytes"), (status = 206, description = "the asked byte range, with Content-Range"),
        (status = 403, body = ErrorBody, description = "expired or not a valid signature"),
        (status = 404, body = ErrorBody), (status = 416, body = ErrorBody, description = "the range lies outside the file")))]
async fn serve_file(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SignedQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let store = files(&state)?;
    store.verify(&query.path, query.expires, &query.signature)?;
    let path = FilePath::signed(&query.path)?;
    let (mime, size) = store.find(state.db(), &path).await?;
    let size = u64::try_from(size).unwrap_or_default();
    let range = match requested_range(&headers, size) {
        Ok(range) => range,
        Err(()) => {
            let mut refused = AppError::RangeNotSatisfiable(format!(
                "The file has {size} bytes: ask for a range within them, or no Range for all of it"
            ))
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(refused);
        }
    };
    let bytes = store
        .open_file(&path, range.clone().map(|r| *r.start()..*r.end() + 1))
        .await?;
    let header_value = |text: &str| {
        HeaderValue::from_str(text)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    let mut response = Body::from_stream(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header_value(&mime));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(range.end() - range.start() + 1),
            );
            let content_range = format!("bytes {}-{}/{size}", range.start(), range.end());
            headers.insert(header::CONTENT_RANGE, header_value(&content_range));
        }
        None => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&mime, &path.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; media-src 'self'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

/// The tenant's stored files: bytes and count, in all and by app (spec 001
/// §15: uploads count toward the tenant's storage).
#[utoipa::path(get, path = "/api/v1/builder/storage/usage", tag = "storage", security(("bearer" = [])),
    responses((status = 200, body = StorageUsage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn storage_usage(
    State(state): State<AppState>,
    Builder(user): Builder,
) -> ApiResult<ApiJson<StorageUsage>> {
    Ok(ApiJson(storage::usage(state.db(), user.tenant_id).await?))
}
