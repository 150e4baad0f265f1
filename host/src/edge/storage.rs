//! File storage for apps (spec 001 §15): uploads streamed into an object
//! store (a folder of the data dir, or S3), paths
//! `{tenant_id}/{app_id}/{folder}/{filename}` checked against the caller's
//! app, signed expiring URLs that appbox itself verifies and serves, and the
//! per-tenant usage totals.
//!
//! The bytes live in the object store; `storage_files` is the index that
//! listing, serving (content type) and usage read. An upload is written to a
//! staging object first (the form's `folder` may come after its `file`) and
//! renamed into place when complete, so a cut-off upload never shows.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, TryStreamExt};
use hmac::{Hmac, Mac};
use object_store::path::{Path as ObjectPath, PathPart};
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, Id};
use crate::on_db;

/// Largest file one upload may carry (spec 001 §15: 100 MB).
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// What a form may add around its file (boundaries, part headers, `folder`).
pub const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;
/// How long a signed URL works (spec 001 §15: `expires_in`).
pub const URL_SECONDS: i64 = 3600;
/// The bucket name the spec's answers carry (one shared bucket, paths isolate).
pub const BUCKET: &str = "files";
/// Bytes buffered per part on the way to the store (S3's smallest part).
const PART_BYTES: usize = 5 * 1024 * 1024;
const MAX_NAME_BYTES: usize = 255;
const MAX_FOLDER_BYTES: usize = 512;
const MAX_FOLDER_DEPTH: usize = 16;
/// Where uploads are written until they are complete.
const STAGING: &str = ".uploads";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "`..` and `.` are not allowed in storage paths: name files by their folder and file name"
    )]
    Traversal,
    #[error("This path is outside your app's files: paths start with {0}/ (another app's files are not yours to read)")]
    OutsideApp(String),
    #[error("Invalid {what}: {why}")]
    InvalidName { what: &'static str, why: String },
    #[error("File not found: upload it first (POST /api/v1/ext/storage/upload), or list your files (GET /api/v1/ext/storage/list)")]
    NotFound,
    #[error(
        "The file is larger than the limit of 100 MB (104857600 bytes): split it or compress it"
    )]
    TooLarge,
    #[error("Not a multipart/form-data upload: {0}. Send the file in a `file` field (and optionally `folder`)")]
    BadForm(String),
    #[error("This link expired: ask the app for a new one (GET /api/v1/ext/storage/url)")]
    Expired,
    #[error("This link is not valid (its signature does not match): use the URL exactly as GET /api/v1/ext/storage/url returned it")]
    BadSignature,
    #[error("file storage failed: {0}")]
    Store(#[from] object_store::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Where file bytes go: a folder of the data dir, or an S3 bucket.
pub enum Backend {
    Local(std::path::PathBuf),
    S3(S3Config),
}

/// An S3 (or S3-compatible) bucket. Unset keys come from the usual AWS
/// environment (`AWS_ACCESS_KEY_ID`, instance credentials, …).
pub struct S3Config {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// The object store and the key that signs its URLs.
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    url_key: [u8; 32],
    /// `local` or `s3`, for the start-up message.
    pub kind: &'static str,
}

/// The app whose files a request may touch.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub tenant: Id,
    pub app: Id,
}

impl Owner {
    /// `{tenant_id}/{app_id}`: every path of this app starts so.
    pub fn prefix(&self) -> String {
        format!("{}/{}", self.tenant, self.app)
    }
}

/// A file as `upload` answers it (spec 001 §15).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub path: String,
    pub bucket: &'static str,
    pub size: u64,
    pub mime_type: String,
}

/// A file as `list` answers it (spec 001 §15).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listed {
    pub name: String,
    pub size: i64,
    pub mime_type: String,
    pub updated_at: DateTime<Utc>,
}

/// A page of one folder's files.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listing {
    pub files: Vec<Listed>,
    /// Files in the folder in all (not only this page).
    pub count: i64,
}

/// A tenant's stored files (spec 001 §15: counted in its storage usage).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StorageUsage {
    pub total_bytes: i64,
    pub file_count: i64,
    /// By app, largest first.
    pub by_app: Vec<AppStorage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppStorage {
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub bytes: i64,
    pub files: i64,
}

/// A stored file's place: its folder (`""` at the top) and name.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePath {
    pub folder: String,
    pub name: String,
    /// `{tenant}/{app}/{folder}/{name}` (no empty folder segment).
    pub full: String,
}

fn invalid(what: &'static str, why: impl Into<String>) -> StorageError {
    StorageError::InvalidName {
        what,
        why: why.into(),
    }
}

/// `..` or `.` anywhere, with either slash: a traversal attempt.
fn is_traversal(text: &str) -> bool {
    text.split(['/', '\\']).any(|s| s == ".." || s == ".")
}

/// One folder or file name: not empty, at most 255 bytes, no slashes,
/// backslashes or control characters.
fn check_segment(what: &'static str, segment: &str) -> Result<(), StorageError> {
    if segment.is_empty() {
        return Err(invalid(
            what,
            "empty name (`//`, or a leading or trailing `/`)",
        ));
    }
    if segment.len() > MAX_NAME_BYTES {
        return Err(invalid(what, format!("longer than {MAX_NAME_BYTES} bytes")));
    }
    if segment
        .chars()
        .any(|c| c.is_control() || c == '\\' || c == '/')
    {
        return Err(invalid(
            what,
            "slashes, backslashes and control characters are not allowed",
        ));
    }
    Ok(())
}

/// The `folder` of an upload or a listing: `""` (the app's top level),
/// `receipts`, or `receipts/2026`; a leading or trailing `/` is ignored.
pub fn folder(text: &str) -> Result<String, StorageError> {
    if is_traversal(text) {
        return Err(StorageError::Traversal);
    }
    let text = text.trim_matches('/');
    if text.is_empty() {
        return Ok(String::new());
    }
    if text.len() > MAX_FOLDER_BYTES {
        return Err(invalid(
            "folder",
            format!("longer than {MAX_FOLDER_BYTES} bytes"),
        ));
    }
    let segments: Vec<&str> = text.split('/').collect();
    if segments.len() > MAX_FOLDER_DEPTH {
        return Err(invalid(
            "folder",
            format!("more than {MAX_FOLDER_DEPTH} levels"),
        ));
    }
    for segment in segments {
        check_segment("folder", segment)?;
    }
    Ok(text.to_owned())
}

/// An uploaded file's name: one name, no folders (send those in `folder`).
pub fn file_name(text: &str) -> Result<String, StorageError> {
    if is_traversal(text) {
        return Err(StorageError::Traversal);
    }
    if text.contains(['/', '\\']) {
        return Err(invalid(
            "file name",
            "a file name without folders: send folders in `folder`",
        ));
    }
    check_segment("file name", text)?;
    Ok(text.to_owned())
}

impl FilePath {
    fn new(owner: &Owner, folder: String, name: String) -> FilePath {
        let full = if folder.is_empty() {
            format!("{}/{name}", owner.prefix())
        } else {
            format!("{}/{folder}/{name}", owner.prefix())
        };
        FilePath { folder, name, full }
    }

    /// A `path` a caller sent (`url`, `file`): traversal is refused first,
    /// then anything outside the caller's `{tenant}/{app}/` (a 403 that says
    /// nothing about whether the file exists).
    pub fn parse(owner: &Owner, path: &str) -> Result<FilePath, StorageError> {
        if is_traversal(path) {
            return Err(StorageError::Traversal);
        }
        let prefix = owner.prefix();
        let rest = path
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| StorageError::OutsideApp(prefix.clone()))?;
        let (folder_text, name) = rest.rsplit_once('/').unwrap_or(("", rest));
        let name = file_name(name)?;
        if !folder_text.is_empty() {
            // `a//b` would otherwise be trimmed into another file's name.
            for segment in folder_text.split('/') {
                check_segment("folder", segment)?;
            }
        }
        Ok(FilePath::new(owner, folder(folder_text)?, name))
    }

    /// The path of a signed URL: the signature vouches for its owner.
    pub fn signed(path: &str) -> Result<FilePath, StorageError> {
        let mut segments = path.splitn(3, '/');
        let mut id = || {
            segments
                .next()
                .and_then(|s| uuid::Uuid::parse_str(s).ok())
                .map(Id)
                .ok_or(StorageError::NotFound)
        };
        let owner = Owner {
            tenant: id()?,
            app: id()?,
        };
        FilePath::parse(&owner, path)
    }

    fn object(&self) -> ObjectPath {
        ObjectPath::from_iter(self.full.split('/').map(PathPart::from))
    }
}

/// The upload's content type: the form part's own, unless it is missing or
/// generic, then the one its name suggests.
fn mime_type(declared: Option<String>, name: &str) -> String {
    declared
        .filter(|m| m != "application/octet-stream" && m.len() <= 255)
        .unwrap_or_else(|| {
            mime_guess::from_path(name)
                .first_or_octet_stream()
                .essence_str()
                .to_owned()
        })
}

impl FileStore {
    /// Opens the backend; `jwt_secret` keys the URL signatures (changing it
    /// voids the URLs handed out, as it voids tokens).
    pub fn open(backend: Backend, jwt_secret: &[u8]) -> anyhow::Result<FileStore> {
        let (store, kind): (Arc<dyn ObjectStore>, _) = match backend {
            Backend::Local(dir) => {
                std::fs::create_dir_all(&dir)?;
                (
                    Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?),
                    "local",
                )
            }
            Backend::S3(config) => {
                // object_store's client speaks TLS through rustls; ring is
                // its crypto, as for the rest of the binary.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder =
                    object_store::aws::AmazonS3Builder::from_env().with_bucket_name(config.bucket);
                if let Some(endpoint) = config.endpoint {
                    builder = builder
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_endpoint(endpoint);
                }
                if let Some(region) = config.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = config.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = config.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                (Arc::new(builder.build()?), "s3")
            }
        };
        let mut hasher = Sha256::new();
        hasher.update(b"appbox storage urls\0");
        hasher.update(jwt_secret);
        Ok(FileStore {
            store,
            url_key: hasher.finalize().into(),
            kind,
        })
    }

    fn mac(&self, path: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.url_key).expect("any key length");
        mac.update(format!("{expires}\n{path}").as_bytes());
        mac
    }

    /// `(expires, signature)` of a URL for `path` valid `URL_SECONDS`.
    pub fn sign(&self, path: &FilePath) -> (i64, String) {
        let expires = Utc::now().timestamp() + URL_SECONDS;
        let signature = hex::encode(self.mac(&path.full, expires).finalize().into_bytes());
        (expires, signature)
    }

    /// Checks a signed URL's parts (constant-time); the path it names.
    pub fn verify(&self, path: &str, expires: i64, signature: &str) -> Result<(), StorageError> {
        let signature = hex::decode(signature).map_err(|_| StorageError::BadSignature)?;
        self.mac(path, expires)
            .verify_slice(&signature)
            .map_err(|_| StorageError::BadSignature)?;
        if Utc::now().timestamp() > expires {
            return Err(StorageError::Expired);
        }
        Ok(())
    }

    /// Streams a `multipart/form-data` body (`file`, optional `folder`) into
    /// the store: never more than a part's worth in memory, refused with
    /// `TooLarge` as soon as the file passes 100 MB.
    pub async fn upload<S, E>(
        &self,
        db: &Db,
        owner: &Owner,
        boundary: String,
        body: S,
    ) -> Result<Uploaded, StorageError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        let constraints = multer::Constraints::new()
            .allowed_fields(vec!["file", "folder"])
            .size_limit(
                multer::SizeLimit::new()
                    .whole_stream(MAX_FILE_BYTES + FORM_OVERHEAD_BYTES)
                    .per_field(MAX_FILE_BYTES)
                    .for_field("folder", MAX_FOLDER_BYTES as u64),
            );
        let mut form = multer::Multipart::with_constraints(body, boundary, constraints);
        let mut folder_text = String::new();
        let mut staged: Option<Staged> = None;
        let read = async {
            while let Some(field) = form.next_field().await.map_err(form_error)? {
                if field.name() == Some("folder") {
                    folder_text = field.text().await.map_err(form_error)?;
                    folder(&folder_text)?;
                } else if staged.is_some() {
                    return Err(StorageError::BadForm("one file per upload".into()));
                } else {
                    staged = Some(self.stage(field).await?);
                }
            }
            Ok(())
        }
        .await;
        let Some(file) = staged else {
            read?;
            return Err(StorageError::BadForm("no `file` field".into()));
        };
        let placed = match read {
            Ok(()) => self.place(db, owner, &folder_text, &file).await,
            Err(err) => Err(err),
        };
        if placed.is_err() {
            let _ = self.store.delete(&file.object).await;
        }
        placed
    }

    /// Writes one form field to a staging object, part by part.
    async fn stage(&self, mut field: multer::Field<'static>) -> Result<Staged, StorageError> {
        let name =
            file_name(field.file_name().ok_or_else(|| {
                StorageError::BadForm("the `file` field has no file name".into())
            })?)?;
        let declared = field.content_type().map(|m| m.essence_str().to_owned());
        let object = ObjectPath::from_iter([
            PathPart::from(STAGING),
            PathPart::from(uuid::Uuid::new_v4().to_string()),
        ]);
        let mut writer = WriteMultipart::new_with_chunk_size(
            self.store.put_multipart(&object).await?,
            PART_BYTES,
        );
        let mut size = 0u64;
        let copied = async {
            while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                size += chunk.len() as u64;
                // One part on its way at a time: memory stays flat.
                writer.wait_for_capacity(1).await?;
                writer.write(&chunk);
            }
            Ok::<_, StorageError>(())
        }
        .await;
        if let Err(err) = copied {
            let _ = writer.abort().await;
            return Err(err);
        }
        writer.finish().await?;
        Ok(Staged {
            mime_type: mime_type(declared, &name),
            object,
            name,
            size,
        })
    }

    /// Moves a complete staged file to its path and indexes it; a file
    /// already there is replaced.
    async fn place(
        &self,
        db: &Db,
        owner: &Owner,
        folder_text: &str,
        file: &Staged,
    ) -> Result<Uploaded, StorageError> {
        let path = FilePath::new(owner, folder(folder_text)?, file.name.clone());
        self.store.rename(&file.object, &path.object()).await?;
        let size = i64::try_from(file.size).map_err(|_| StorageError::TooLarge)?;
        on_db!(db, |pool| {
            sqlx::query(
            "INSERT INTO storage_files (path, tenant_id, app_id, folder, name, size, mime_type, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (path) DO UPDATE SET size = excluded.size, \
             mime_type = excluded.mime_type, updated_at = excluded.updated_at"
        )
        .bind(&path.full)
        .bind(owner.tenant)
        .bind(owner.app)
        .bind(&path.folder)
        .bind(&path.name)
        .bind(size)
        .bind(&file.mime_type)
        .bind(Utc::now())
        .execute(pool)
        .await?;
        });
        Ok(Uploaded {
            path: path.full,
            bucket: BUCKET,
            size: file.size,
            mime_type: file.mime_type.clone(),
        })
    }

    /// A stored file's content type, or `NotFound`.
    pub async fn find(&self, db: &Db, path: &FilePath) -> Result<(String, i64), StorageError> {
        let row: Option<(String, i64)> = on_db!(db, |pool| sqlx::query_as(
            "SELECT mime_type, size FROM storage_files WHERE path = $1"
        )
        .bind(&path.full)
        .fetch_optional(pool)
        .await?);
        row.ok_or(StorageError::NotFound)
    }

    /// The bytes of a stored file (or of `range` in it), as a stream.
    pub async fn open_file(
        &self,
        path: &FilePath,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<impl Stream<Item = Result<Bytes, object_store::Error>> + use<>, StorageError> {
        let options = object_store::GetOptions {
            range: range.map(object_store::GetRange::Bounded),
            ..Default::default()
        };
        match self.store.get_opts(&path.object(), options).await {
            Ok(found) => Ok(found.into_stream()),
            Err(object_store::Error::NotFound { .. }) => Err(StorageError::NotFound),
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes every stored object of an app (after the app itself).
    pub async fn forget_app(&self, owner: &Owner) -> Result<(), StorageError> {
        let prefix = ObjectPath::from_iter([
            PathPart::from(owner.tenant.to_string()),
            PathPart::from(owner.app.to_string()),
        ]);
        let locations = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        let mut deleted = self.store.delete_stream(locations);
        while let Some(done) = deleted.next().await {
            match done {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// Deletes a file: its index row, then its bytes.
    pub async fn delete(&self, db: &Db, path: &FilePath) -> Result<(), StorageError> {
        let deleted = on_db!(db, |pool| sqlx::query(
            "DELETE FROM storage_files WHERE path = $1"
        )
        .bind(&path.full)
        .execute(pool)
        .await?
        .rows_affected());
        if deleted == 0 {
            return Err(StorageError::NotFound);
        }
        match self.store.delete(&path.object()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}

/// A complete upload waiting in the staging area.
struct Staged {
    object: ObjectPath,
    name: String,
    mime_type: String,
    size: u64,
}

/// One folder's files, by name.
pub async fn list(
    db: &Db,
    owner: &Owner,
    folder: &str,
    limit: i64,
    offset: i64,
) -> Result<Listing, StorageError> {
    let (files, count) = on_db!(db, |pool| {
        let files: Vec<(String, i64, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT name, size, mime_type, updated_at FROM storage_files \
             WHERE tenant_id = $1 AND app_id = $2 AND folder = $3 \
             ORDER BY name LIMIT $4 OFFSET $5",
        )
        .bind(owner.tenant)
        .bind(owner.app)
        .bind(folder)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM storage_files WHERE tenant_id = $1 AND app_id = $2 AND folder = $3",
        )
        .bind(owner.tenant)
        .bind(owner.app)
        .bind(folder)
        .fetch_one(pool)
        .await?;
        (files, count)
    });
    Ok(Listing {
        files: files
            .into_iter()
            .map(|(name, size, mime_type, updated_at)| Listed {
                name,
                size,
                mime_type,
                updated_at,
            })
            .collect(),
        count,
    })
}

/// The tenant's stored bytes and files, in all and by app.
pub async fn usage(db: &Db, tenant: Id) -> Result<StorageUsage, StorageError> {
    let rows: Vec<(Id, i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT app_id, CAST(COALESCE(SUM(size), 0) AS BIGINT), COUNT(*) FROM storage_files \
         WHERE tenant_id = $1 GROUP BY app_id ORDER BY 2 DESC, app_id"
    )
    .bind(tenant)
    .fetch_all(pool)
    .await?);
    Ok(StorageUsage {
        total_bytes: rows.iter().map(|r| r.1).sum(),
        file_count: rows.iter().map(|r| r.2).sum(),
        by_app: rows
            .into_iter()
            .map(|(app, bytes, files)| AppStorage {
                app_id: app.0,
                bytes,
                files,
            })
            .collect(),
    })
}

fn form_error(err: multer::Error) -> StorageError {
    match err {
        multer::Error::FieldSizeExceeded { field_name, .. }
            if field_name.as_deref() == Some("folder") =>
        {
            invalid("folder", format!("longer than {MAX_FOLDER_BYTES} bytes"))
        }
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            StorageError::TooLarge
        }
        multer::Error::UnknownField { field_name } => StorageError::BadForm(format!(
            "unknown field {:?}: the form has `file` and optionally `folder`",
            field_name.unwrap_or_default()
        )),
        other => StorageError::BadForm(other.to_string()),
    }
}
