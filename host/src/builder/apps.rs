//! Custom apps and their versioned VFS in the database (spec 001 §3, §5, §9).
//!
//! Storage model: file contents go to `vfs_blobs` once per app and SHA-256;
//! every accepted write adds a row to `vfs_versions` that maps each path to a
//! blob. Nothing is ever overwritten, so every version can be read back and
//! restored.
//!
//! Concurrency: a write is one transaction that starts with a compare-and-set
//! on `custom_apps.vfs_version` (`… WHERE vfs_version = expected`). Of several
//! writers holding the same `expected_version`, exactly one matches; the others
//! find the version moved and get [`AppsError::VersionConflict`]. Starting with
//! the write also makes SQLite take its write lock first, so concurrent
//! writers queue on the busy timeout instead of failing mid-transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::Row;

use crate::accounts::{random_hex, sha256_hex};
use crate::builder::vfs::{Edit, Files, VfsError};
use crate::db::{is_unique_violation, Db, Id};
use crate::on_db;

#[derive(Debug, thiserror::Error)]
pub enum AppsError {
    #[error("App not found")]
    NotFound,
    #[error("Version {0} not found")]
    VersionNotFound(i64),
    #[error("VFS version conflict: expected_version is {expected} but the app is at version {current}. GET the app again, merge, and retry")]
    VersionConflict { expected: i64, current: i64 },
    #[error("The subdomain {0:?} is already in use")]
    SubdomainTaken(String),
    /// A publish request is pending: the app's files and publishing wait
    /// for its decision (spec 001 §10, 423 Locked).
    #[error("Publish request {request} (VFS version {version}) is pending, so this app's files and publishing are locked: wait until a publisher approves or rejects it (GET /api/v1/builder/apps/{app}/publish-status), or, if you filed it, cancel it with POST /api/v1/builder/apps/{app}/publish-requests/{request}/cancel")]
    Locked {
        app: uuid::Uuid,
        request: uuid::Uuid,
        version: i64,
    },
    #[error(transparent)]
    Vfs(#[from] VfsError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How end users reach an app (spec 000 §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessMode {
    Internal,
    External,
    SelfBuilt,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::Internal => "internal",
            AccessMode::External => "external",
            AccessMode::SelfBuilt => "self_built",
        }
    }

    fn parse(text: &str) -> Result<AccessMode, sqlx::Error> {
        match text {
            "internal" => Ok(AccessMode::Internal),
            "external" => Ok(AccessMode::External),
            "self_built" => Ok(AccessMode::SelfBuilt),
            other => Err(sqlx::Error::Decode(
                format!("unknown access_mode {other:?}").into(),
            )),
        }
    }
}

/// An app's settings and state, without its files.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppRecord {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    pub name: String,
    pub description: String,
    /// 12 lowercase hex characters, unique, never changes.
    pub slug: String,
    pub subdomain: Option<String>,
    pub access_mode: AccessMode,
    /// `draft` or `published`.
    pub status: String,
    pub allow_anonymous_access: bool,
    /// The current VFS version; send it back as `expected_version`.
    pub vfs_version: i64,
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of an app's version history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    /// `create`, `put`, `patch`, `delete` or `restore`.
    pub operation: String,
    /// For a restore: the version whose files it brought back.
    pub restored_from: Option<i64>,
    pub file_count: usize,
    pub author_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a write did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WriteOutcome {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// The new version; the next write sends it as `expected_version`.
    pub vfs_version: i64,
    /// Paths added, changed or removed by this write.
    pub changed: Vec<String>,
    pub file_count: usize,
}

/// The settings a new app is created with.
pub struct NewApp {
    pub name: String,
    pub description: String,
    pub access_mode: AccessMode,
    pub subdomain: Option<String>,
}

/// A partial update of an app's settings; `None` leaves a field as it is.
#[derive(Default)]
pub struct AppChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub access_mode: Option<AccessMode>,
    pub allow_anonymous_access: Option<bool>,
    /// `Some(None)` clears the subdomain.
    pub subdomain: Option<Option<String>>,
}

const APP_COLUMNS: &str =
    "id, tenant_id, name, description, slug, subdomain, access_mode, status, \
     allow_anonymous_access, vfs_version, published_version, published_at, created_at, updated_at";

fn app_from_row<R>(row: &R) -> Result<AppRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'r> Id: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, R::Database>,
{
    Ok(AppRecord {
        id: row.try_get::<Id, _>("id")?.0,
        tenant_id: row.try_get::<Id, _>("tenant_id")?.0,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        slug: row.try_get("slug")?,
        subdomain: row.try_get("subdomain")?,
        access_mode: AccessMode::parse(&row.try_get::<String, _>("access_mode")?)?,
        status: row.try_get("status")?,
        allow_anonymous_access: row.try_get("allow_anonymous_access")?,
        vfs_version: row.try_get("vfs_version")?,
        published_version: row.try_get("published_version")?,
        published_at: row.try_get("published_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// How an app is named in a URL: its id, its slug, or its subdomain.
enum AppKey<'a> {
    Id(Id),
    SlugOrSubdomain(&'a str),
}

impl<'a> AppKey<'a> {
    fn parse(key: &'a str) -> AppKey<'a> {
        match uuid::Uuid::parse_str(key) {
            Ok(id) => AppKey::Id(Id(id)),
            Err(_) => AppKey::SlugOrSubdomain(key),
        }
    }
}

/// Looks an app up by id, slug or subdomain; `tenant` limits the search to one
/// tenant (an app of another tenant is "not found", never "forbidden").
pub async fn find_app(db: &Db, tenant: Option<Id>, key: &str) -> Result<AppRecord, AppsError> {
    let (condition, text_key, id_key) = match AppKey::parse(key) {
        AppKey::Id(id) => ("id = $2", None, Some(id)),
        AppKey::SlugOrSubdomain(text) => (
            "(slug = $2 OR subdomain = $2)",
            Some(text.to_lowercase()),
            None,
        ),
    };
    let tenant_filter = if tenant.is_some() {
        "tenant_id = $1"
    } else {
        "$1 IS NULL"
    };
    let sql =
        format!("SELECT {APP_COLUMNS} FROM custom_apps WHERE {tenant_filter} AND {condition}");
    let row = on_db!(db, |pool| {
        let query = sqlx::query(&sql).bind(tenant);
        let query = match (&text_key, id_key) {
            (Some(text), _) => query.bind(text.as_str()),
            (None, id) => query.bind(id),
        };
        match query.fetch_optional(pool).await? {
            Some(row) => Some(app_from_row(&row)?),
            None => None,
        }
    });
    row.ok_or(AppsError::NotFound)
}

/// The apps of a tenant, newest first.
pub async fn list_apps(db: &Db, tenant: Id) -> Result<Vec<AppRecord>, AppsError> {
    let sql = format!(
        "SELECT {APP_COLUMNS} FROM custom_apps WHERE tenant_id = $1 ORDER BY created_at DESC, id"
    );
    Ok(on_db!(db, |pool| {
        sqlx::query(&sql)
            .bind(tenant)
            .fetch_all(pool)
            .await?
            .iter()
            .map(app_from_row)
            .collect::<Result<Vec<_>, _>>()?
    }))
}

/// Creates an app whose version 1 holds `files`.
pub async fn create_app(
    db: &Db,
    tenant: Id,
    author: Id,
    new: NewApp,
    files: Files,
) -> Result<AppRecord, AppsError> {
    let (files, _) = Edit::Replace(files).apply(&Files::new())?;
    let id = Id::new();
    let now = Utc::now();
    // A 12-hex slug collides once in ~10^14 apps; retry rather than fail then.
    for _ in 0..5 {
        let slug = random_hex(6);
        let inserted: Result<(), sqlx::Error> = on_db!(db, |pool| {
            let mut tx = pool.begin().await?;
            let result = sqlx::query(
                "INSERT INTO custom_apps (id, tenant_id, name, description, slug, subdomain, access_mode, status, \
                 allow_anonymous_access, vfs_version, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', FALSE, 1, $8, $9, $9)",
            )
            .bind(id)
            .bind(tenant)
            .bind(&new.name)
            .bind(&new.description)
            .bind(&slug)
            .bind(&new.subdomain)
            .bind(new.access_mode.as_str())
            .bind(author)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match result {
                Ok(_) => {
                    let manifest = store_blobs(&mut *tx, id, &files, files.keys()).await?;
                    insert_version(&mut *tx, id, 1, &manifest, "create", None, author, now).await?;
                    tx.commit().await?;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        });
        match inserted {
            Ok(()) => return find_app(db, Some(tenant), &id.to_string()).await,
            Err(e) if is_unique_violation(&e) => {
                if let Some(subdomain) = &new.subdomain {
                    if subdomain_taken(db, subdomain).await? {
                        return Err(AppsError::SubdomainTaken(subdomain.clone()));
                    }
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppsError::Database(sqlx::Error::Protocol(
        "could not find a free slug".into(),
    )))
}

async fn subdomain_taken(db: &Db, subdomain: &str) -> Result<bool, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM custom_apps WHERE subdomain = $1 OR slug = $1",
        )
        .bind(subdomain)
        .fetch_one(pool)
        .await
        .map(|n| n > 0)
    })
}

/// Applies `changes` to an app's settings.
pub async fn update_app(
    db: &Db,
    tenant: Id,
    key: &str,
    changes: AppChanges,
) -> Result<AppRecord, AppsError> {
    let app = find_app(db, Some(tenant), key).await?;
    let name = changes.name.unwrap_or(app.name);
    let description = changes.description.unwrap_or(app.description);
    let access_mode = changes.access_mode.unwrap_or(app.access_mode);
    let anonymous = changes
        .allow_anonymous_access
        .unwrap_or(app.allow_anonymous_access);
    let subdomain = changes.subdomain.unwrap_or(app.subdomain);
    if let Some(sub) = &subdomain {
        let own = find_app(db, None, sub)
            .await
            .ok()
            .filter(|other| other.id == app.id);
        if own.is_none() && subdomain_taken(db, sub).await? {
            return Err(AppsError::SubdomainTaken(sub.clone()));
        }
    }
    let result = on_db!(db, |pool| {
        sqlx::query(
            "UPDATE custom_apps SET name = $1, description = $2, access_mode = $3, allow_anonymous_access = $4, \
             subdomain = $5, updated_at = $6 WHERE id = $7 AND tenant_id = $8",
        )
        .bind(&name)
        .bind(&description)
        .bind(access_mode.as_str())
        .bind(anonymous)
        .bind(&subdomain)
        .bind(Utc::now())
        .bind(Id(app.id))
        .bind(tenant)
        .execute(pool)
        .await
        .map(|_| ())
    });
    match result {
        Err(e) if is_unique_violation(&e) => {
            return Err(AppsError::SubdomainTaken(subdomain.unwrap_or_default()))
        }
        other => {
            other?;
        }
    }
    find_app(db, Some(tenant), &app.id.to_string()).await
}

/// Deletes an app with every version of its files and its API keys (the
/// caller forgets the cached keys: `integrations::forget_keys`).
pub async fn delete_app(db: &Db, tenant: Id, key: &str) -> Result<AppRecord, AppsError> {
    let app = find_app(db, Some(tenant), key).await?;
    crate::db::delete_owned(db, "custom_apps", Id(app.id), tenant).await?;
    Ok(app)
}

/// The files of one version of an app.
pub async fn read_files(db: &Db, app_id: uuid::Uuid, version: i64) -> Result<Files, AppsError> {
    let read = read_files_reusing(db, app_id, version, None).await?;
    Ok(Arc::unwrap_or_clone(read.files))
}

/// One version of an app's files with the blob hash of each path, as
/// [`read_files_reusing`] reads it and can read the next version from.
pub struct VersionFiles {
    pub version: i64,
    /// Path → blob hash.
    pub manifest: BTreeMap<String, String>,
    pub files: Arc<Files>,
}

/// The files of `version`, reading from the database the manifest and only
/// the blobs that `known` (files of the same app read before) does not
/// hold: after a one-file edit, one blob.
pub async fn read_files_reusing(
    db: &Db,
    app_id: uuid::Uuid,
    version: i64,
    known: Option<&VersionFiles>,
) -> Result<VersionFiles, AppsError> {
    on_db!(db, |pool| {
        let mut conn = pool.acquire().await?;
        let manifest = load_manifest(&mut *conn, Id(app_id), version)
            .await?
            .ok_or(AppsError::VersionNotFound(version))?;
        let files = load_contents(&mut *conn, Id(app_id), &manifest, known).await?;
        Ok(VersionFiles {
            version,
            manifest,
            files: Arc::new(files),
        })
    })
}

/// A `vfs_versions` row joined with its author's email.
type VersionRow = (
    i64,
    String,
    Option<i64>,
    Json<BTreeMap<String, String>>,
    Option<String>,
    DateTime<Utc>,
);

/// Every version of an app, newest first.
pub async fn list_versions(db: &Db, app_id: uuid::Uuid) -> Result<Vec<VersionInfo>, AppsError> {
    let rows: Vec<VersionRow> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT v.version, v.operation, v.restored_from, v.files, u.email, v.created_at \
                 FROM vfs_versions v LEFT JOIN users u ON u.id = v.author_id \
                 WHERE v.app_id = $1 ORDER BY v.version DESC",
        )
        .bind(Id(app_id))
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(version, operation, restored_from, files, author_email, created_at)| VersionInfo {
                version,
                operation,
                restored_from,
                file_count: files.0.len(),
                author_email,
                created_at,
            },
        )
        .collect())
}

/// Applies `edit` to the app's current files as one new version.
///
/// `expected_version`, when given, must equal the current version, or nothing
/// is written and [`AppsError::VersionConflict`] is returned. `known` are
/// files of a version of this app already in memory (the compile service's):
/// their blobs are not read again, so a one-file edit reads no other file.
/// Returns the new version's files too, for the next compile of the app.
#[allow(clippy::too_many_arguments)]
pub async fn write_files(
    db: &Db,
    app_id: uuid::Uuid,
    expected_version: Option<i64>,
    author: Id,
    edit: Edit,
    restored_from: Option<i64>,
    known: Option<&VersionFiles>,
) -> Result<(WriteOutcome, VersionFiles), AppsError> {
    let app = Id(app_id);
    let now = Utc::now();
    let operation = edit.operation();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE custom_apps SET vfs_version = vfs_version + 1, updated_at = $1 \
             WHERE id = $2 AND ($3 IS NULL OR vfs_version = $3) RETURNING vfs_version",
        )
        .bind(now)
        .bind(app)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(version) = claimed else {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT vfs_version FROM custom_apps WHERE id = $1")
                    .bind(app)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match (current, expected_version) {
                (Some(current), Some(expected)) => AppsError::VersionConflict { expected, current },
                _ => AppsError::NotFound,
            });
        };
        // A pending publish request locks the files (spec 001 §10). Checked
        // after the claim, inside the transaction, so a request filed
        // meanwhile is seen (on SQLite the claim holds the write lock).
        let pending: Option<(Id, i64)> = sqlx::query_as(
            "SELECT id, vfs_version FROM publish_requests \
             WHERE app_id = $1 AND status = 'pending' AND vfs_version IS NOT NULL",
        )
        .bind(app)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((request, version)) = pending {
            return Err(AppsError::Locked {
                app: app_id,
                request: request.0,
                version,
            });
        }
        let previous = load_manifest(&mut *tx, app, version - 1)
            .await?
            .ok_or(AppsError::VersionNotFound(version - 1))?;
        let current = load_contents(&mut *tx, app, &previous, known).await?;
        // An error here drops `tx`, which rolls the version claim back.
        let (next, changed) = edit.apply(&current)?;
        let mut manifest = previous;
        manifest.retain(|path, _| next.contains_key(path));
        let written = store_blobs(
            &mut *tx,
            app,
            &next,
            changed.iter().filter(|p| next.contains_key(*p)),
        )
        .await?;
        manifest.extend(written);
        insert_version(
            &mut *tx,
            app,
            version,
            &manifest,
            operation,
            restored_from,
            author,
            now,
        )
        .await?;
        tx.commit().await?;
        let outcome = WriteOutcome {
            id: app_id,
            vfs_version: version,
            changed,
            file_count: next.len(),
        };
        let files = VersionFiles {
            version,
            manifest,
            files: Arc::new(next),
        };
        Ok((outcome, files))
    })
}

/// The `path → hash` map of one version.
async fn load_manifest<DB, C>(
    conn: &mut C,
    app: Id,
    version: i64,
) -> Result<Option<BTreeMap<String, String>>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<BTreeMap<String, String>>: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (Json<BTreeMap<String, String>>,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let row: Option<(Json<BTreeMap<String, String>>,)> =
        sqlx::query_as("SELECT files FROM vfs_versions WHERE app_id = $1 AND version = $2")
            .bind(app)
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(files,)| files.0))
}

/// The contents behind a manifest; blobs `known` holds are not read again
/// (a blob's hash names its content).
async fn load_contents<DB, C>(
    conn: &mut C,
    app: Id,
    manifest: &BTreeMap<String, String>,
    known: Option<&VersionFiles>,
) -> Result<Files, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let reused: HashMap<&str, &String> = known
        .into_iter()
        .flat_map(|k| {
            k.manifest
                .iter()
                .filter_map(|(path, hash)| Some((hash.as_str(), k.files.get(path)?)))
        })
        .collect();
    let hashes: BTreeSet<&String> = manifest
        .values()
        .filter(|hash| !reused.contains_key(hash.as_str()))
        .collect();
    let mut contents: BTreeMap<String, String> = BTreeMap::new();
    if !hashes.is_empty() {
        // `$1` is the app; the hashes follow as `$2, $3, …` (both backends
        // accept numbered placeholders).
        let placeholders: Vec<String> = (2..hashes.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT hash, content FROM vfs_blobs WHERE app_id = $1 AND hash IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<DB, (String, String)>(&sql).bind(app);
        for hash in hashes {
            query = query.bind(hash.clone());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        contents.extend(rows);
    }
    manifest
        .iter()
        .map(
            |(path, hash)| match contents.get(hash).or(reused.get(hash.as_str()).copied()) {
                Some(content) => Ok((path.clone(), content.clone())),
                None => Err(sqlx::Error::Protocol(format!(
                    "blob {hash} of {path} is missing"
                ))),
            },
        )
        .collect()
}

/// Stores the contents of `paths` (deduplicated by hash); returns their
/// `path → hash` entries.
async fn store_blobs<'p, DB, C>(
    conn: &mut C,
    app: Id,
    files: &Files,
    paths: impl Iterator<Item = &'p String>,
) -> Result<BTreeMap<String, String>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut entries = BTreeMap::new();
    let mut stored = BTreeSet::new();
    for path in paths {
        let content = &files[path];
        let hash = sha256_hex(content.as_bytes());
        if stored.insert(hash.clone()) {
            sqlx::query(
                "INSERT INTO vfs_blobs (app_id, hash, content, size) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (app_id, hash) DO NOTHING",
            )
            .bind(app)
            .bind(hash.clone())
            .bind(content.clone())
            .bind(content.len() as i64)
            .execute(&mut *conn)
            .await?;
        }
        entries.insert(path.clone(), hash);
    }
    Ok(entries)
}

#[allow(clippy::too_many_arguments)]
async fn insert_version<DB, C>(
    conn: &mut C,
    app: Id,
    version: i64,
    manifest: &BTreeMap<String, String>,
    operation: &str,
    restored_from: Option<i64>,
    author: Id,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<BTreeMap<String, String>>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO vfs_versions (app_id, version, files, operation, restored_from, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(app)
    .bind(version)
    .bind(Json(manifest.clone()))
    .bind(operation.to_owned())
    .bind(restored_from)
    .bind(author)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
