//! Data references: which ERP tables, columns and operations an app may use
//! (spec 000 §4), their published snapshots, and publish requests (§3.8).
//!
//! The live `columns`/`permissions` serve `/proxy/{app_id}` (internal apps);
//! `published_columns`/`published_permissions` serve `/open` and `/ext`, and
//! only change when the app is published (directly with `builder.publish`,
//! or through an approved publish request).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;

use std::sync::OnceLock;

use crate::apps::{self, AppsError};
use crate::cache::Expiring;
use crate::catalog::{self, TableKind};
use crate::db::{Db, Id};
use crate::on_db;

/// The operations a reference can grant (spec 000 §4.4).
pub const PERMISSIONS: [&str; 4] = ["read", "create", "update", "delete"];

#[derive(Debug, thiserror::Error)]
pub enum RefError {
    #[error("此表不可引用")]
    NotReferenceable,
    #[error("資料表不存在")]
    UnknownTable,
    #[error("引用不存在")]
    NotFound,
    #[error("無效的權限值: {0} (valid: read, create, update, delete)")]
    InvalidPermission(String),
    #[error("Table {table:?} has no column(s): {}", .columns.join(", "))]
    UnknownColumns { table: String, columns: Vec<String> },
    #[error("This app already references {0:?}; change that reference instead")]
    Duplicate(String),
    #[error("已有 pending 發布申請")]
    PendingExists,
    #[error("Publish request not found or no longer pending")]
    RequestNotFound,
    #[error("Only the person who asked may cancel a publish request")]
    NotRequester,
    #[error(transparent)]
    App(#[from] AppsError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reference {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub table_name: String,
    pub columns: Vec<String>,
    pub permissions: Vec<String>,
    pub is_public_readable: bool,
    pub published_columns: Option<Vec<String>>,
    pub published_permissions: Option<Vec<String>>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type RefRow = (
    Id,
    Id,
    Id,
    String,
    Json<Vec<String>>,
    Json<Vec<String>>,
    bool,
    Option<Json<Vec<String>>>,
    Option<Json<Vec<String>>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
);

const REF_COLUMNS: &str =
    "id, tenant_id, app_id, table_name, columns, permissions, is_public_readable, \
     published_columns, published_permissions, published_at, created_at, updated_at";

fn from_row(row: RefRow) -> Reference {
    let (
        id,
        tenant_id,
        app_id,
        table_name,
        columns,
        permissions,
        is_public_readable,
        pc,
        pp,
        published_at,
        created_at,
        updated_at,
    ) = row;
    Reference {
        id: id.0,
        tenant_id: tenant_id.0,
        app_id: app_id.0,
        table_name,
        columns: columns.0,
        permissions: permissions.0,
        is_public_readable,
        published_columns: pc.map(|j| j.0),
        published_permissions: pp.map(|j| j.0),
        published_at,
        created_at,
        updated_at,
    }
}

/// Checks a table, its columns and the permissions of a reference.
async fn check(
    db: &Db,
    table: &str,
    columns: &[String],
    permissions: &[String],
) -> Result<(Vec<String>, Vec<String>), RefError> {
    match catalog::classify(db, table).await? {
        TableKind::Business => {}
        TableKind::Forbidden => return Err(RefError::NotReferenceable),
        TableKind::Unknown => return Err(RefError::UnknownTable),
    }
    if let Some(bad) = permissions
        .iter()
        .find(|p| !PERMISSIONS.contains(&p.as_str()))
    {
        return Err(RefError::InvalidPermission(bad.clone()));
    }
    let known = catalog::columns(db, table).await?;
    let unknown: Vec<String> = columns
        .iter()
        .filter(|c| !known.iter().any(|k| &k.name == *c))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(RefError::UnknownColumns {
            table: table.to_owned(),
            columns: unknown,
        });
    }
    let mut columns = columns.to_vec();
    columns.dedup();
    let mut permissions: Vec<String> = PERMISSIONS
        .iter()
        .filter(|p| permissions.iter().any(|q| q == *p))
        .map(|p| p.to_string())
        .collect();
    permissions.dedup();
    Ok((columns, permissions))
}

/// An app's references.
pub async fn list(db: &Db, tenant: Id, app_key: &str) -> Result<Vec<Reference>, RefError> {
    let app = apps::find_app(db, Some(tenant), app_key).await?;
    let sql = format!("SELECT {REF_COLUMNS} FROM app_data_references WHERE app_id = $1 AND tenant_id = $2 ORDER BY table_name");
    let rows: Vec<RefRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(app.id))
        .bind(tenant)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn get(db: &Db, tenant: Id, ref_id: &str) -> Result<Reference, RefError> {
    let id = uuid::Uuid::parse_str(ref_id).map_err(|_| RefError::NotFound)?;
    let sql =
        format!("SELECT {REF_COLUMNS} FROM app_data_references WHERE id = $1 AND tenant_id = $2");
    let row: Option<RefRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(id))
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    row.map(from_row).ok_or(RefError::NotFound)
}

pub async fn create(
    db: &Db,
    tenant: Id,
    app_key: &str,
    table: &str,
    columns: &[String],
    permissions: &[String],
    is_public_readable: bool,
) -> Result<Reference, RefError> {
    let app = apps::find_app(db, Some(tenant), app_key).await?;
    let (columns, permissions) = check(db, table, columns, permissions).await?;
    let id = Id::new();
    let now = Utc::now();
    let inserted = on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO app_data_references (id, tenant_id, app_id, table_name, columns, permissions, is_public_readable, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
    )
    .bind(id)
    .bind(tenant)
    .bind(Id(app.id))
    .bind(table)
    .bind(Json(&columns))
    .bind(Json(&permissions))
    .bind(is_public_readable)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
    });
    match inserted {
        Err(e) if crate::db::is_unique_violation(&e) => Err(RefError::Duplicate(table.to_owned())),
        other => {
            other?;
            access_cache().clear();
            get(db, tenant, &id.to_string()).await
        }
    }
}

pub async fn update(
    db: &Db,
    tenant: Id,
    ref_id: &str,
    columns: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    is_public_readable: Option<bool>,
) -> Result<Reference, RefError> {
    let current = get(db, tenant, ref_id).await?;
    let (columns, permissions) = check(
        db,
        &current.table_name,
        &columns.unwrap_or(current.columns),
        &permissions.unwrap_or(current.permissions),
    )
    .await?;
    let public = is_public_readable.unwrap_or(current.is_public_readable);
    on_db!(db, |pool| {
        sqlx::query(
        "UPDATE app_data_references SET columns = $1, permissions = $2, is_public_readable = $3, updated_at = $4 WHERE id = $5 AND tenant_id = $6"
    )
    .bind(Json(&columns))
    .bind(Json(&permissions))
    .bind(public)
    .bind(Utc::now())
    .bind(Id(current.id))
    .bind(tenant)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    access_cache().clear();
    get(db, tenant, ref_id).await
}

pub async fn delete(db: &Db, tenant: Id, ref_id: &str) -> Result<(), RefError> {
    let current = get(db, tenant, ref_id).await?;
    crate::db::delete_owned(db, "app_data_references", Id(current.id), tenant).await?;
    access_cache().clear();
    Ok(())
}

type AccessRow = (Option<Json<Vec<String>>>, Option<Json<Vec<String>>>, bool);

/// (tenant, app, table, published) → the reference's access.
type AccessCache = Expiring<(Id, Id, String, bool), Option<Access>>;

/// References seen lately, by (tenant, app, table, published). Cleared by
/// every change to references and by publishing.
fn access_cache() -> &'static AccessCache {
    static CACHE: OnceLock<AccessCache> = OnceLock::new();
    CACHE.get_or_init(Expiring::new)
}

/// What an app may do with a table: the columns and permissions of its
/// reference, live or published. `None`: no reference (or, for
/// `published`, one that was never published).
pub async fn access(
    db: &Db,
    tenant: Id,
    app: Id,
    table: &str,
    published: bool,
) -> Result<Option<Access>, sqlx::Error> {
    let key = (tenant, app, table.to_owned(), published);
    if let Some(hit) = access_cache().get(&key) {
        return Ok(hit);
    }
    let found = load_access(db, tenant, app, table, published).await?;
    access_cache().insert(key, found.clone());
    Ok(found)
}

async fn load_access(
    db: &Db,
    tenant: Id,
    app: Id,
    table: &str,
    published: bool,
) -> Result<Option<Access>, sqlx::Error> {
    let sql = if published {
        "SELECT published_columns, published_permissions, is_public_readable FROM app_data_references WHERE app_id = $1 AND tenant_id = $2 AND table_name = $3"
    } else {
        "SELECT columns, permissions, is_public_readable FROM app_data_references WHERE app_id = $1 AND tenant_id = $2 AND table_name = $3"
    };
    let row: Option<AccessRow> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(app)
        .bind(tenant)
        .bind(table)
        .fetch_optional(pool)
        .await?);
    Ok(row.map(
        |(columns, permissions, is_public_readable)| match (columns, permissions) {
            (Some(c), Some(p)) => Access::Granted {
                columns: c.0,
                permissions: p.0,
                is_public_readable,
            },
            _ => Access::Unpublished,
        },
    ))
}

/// A reference as the proxy sees it.
#[derive(Debug, Clone)]
pub enum Access {
    Granted {
        columns: Vec<String>,
        permissions: Vec<String>,
        is_public_readable: bool,
    },
    /// Referenced, but the snapshot the caller needs does not exist yet.
    Unpublished,
}

/// Copies every reference's live settings to its published snapshot and
/// stamps the app; one transaction.
pub async fn snapshot(db: &Db, tenant: Id, app: Id) -> Result<DateTime<Utc>, sqlx::Error> {
    let now = Utc::now();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE custom_apps SET published_at = $1, updated_at = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(now)
            .bind(app)
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE app_data_references SET published_columns = columns, published_permissions = permissions, published_at = $1 \
             WHERE app_id = $2 AND tenant_id = $3",
        )
        .bind(now)
        .bind(app)
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    access_cache().clear();
    Ok(now)
}

/// `src/db.json` of an app (spec NOTES #10): its references.
pub async fn db_json(db: &Db, tenant: Id, app: Id) -> Result<String, RefError> {
    let refs = list(db, tenant, &app.to_string()).await?;
    let described: Vec<serde_json::Value> = refs
        .iter()
        .map(|r| serde_json::json!({"table_name": r.table_name, "columns": r.columns, "permissions": r.permissions, "is_public_readable": r.is_public_readable}))
        .collect();
    Ok(serde_json::to_string_pretty(&described).unwrap_or_else(|_| "[]".into()) + "\n")
}

// ------------------------------------------------------------ publishing

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishRequest {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub requested_by: Option<uuid::Uuid>,
    pub note: String,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    pub reject_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub decided_by: Option<uuid::Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

type RequestRow = (
    Id,
    Id,
    Option<Id>,
    String,
    String,
    Option<String>,
    Option<Id>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

const REQUEST_COLUMNS: &str =
    "id, app_id, requested_by, note, status, reject_reason, decided_by, decided_at, created_at";

fn request_from_row(
    (id, app_id, requested_by, note, status, reject_reason, decided_by, decided_at, created_at): RequestRow,
) -> PublishRequest {
    PublishRequest {
        id: id.0,
        app_id: app_id.0,
        requested_by: requested_by.map(|i| i.0),
        note,
        status,
        reject_reason,
        decided_by: decided_by.map(|i| i.0),
        decided_at,
        created_at,
    }
}

pub async fn list_requests(db: &Db, tenant: Id, app: Id) -> Result<Vec<PublishRequest>, RefError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM publish_requests WHERE app_id = $1 AND tenant_id = $2 ORDER BY created_at DESC, id");
    let rows: Vec<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(app)
        .bind(tenant)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(request_from_row).collect())
}

async fn pending(db: &Db, tenant: Id, app: Id) -> Result<Option<PublishRequest>, RefError> {
    Ok(list_requests(db, tenant, app)
        .await?
        .into_iter()
        .find(|r| r.status == "pending"))
}

/// Publishes (with `builder.publish`: at once, recorded as an approved
/// request) or asks to (a pending request; one at a time).
pub async fn publish(
    db: &Db,
    tenant: Id,
    app: Id,
    user: Id,
    note: &str,
    may_publish: bool,
) -> Result<PublishRequest, RefError> {
    if pending(db, tenant, app).await?.is_some() {
        return Err(RefError::PendingExists);
    }
    let id = Id::new();
    let now = Utc::now();
    let (status, decided_by, decided_at) = if may_publish {
        ("approved", Some(user), Some(now))
    } else {
        ("pending", None, None)
    };
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO publish_requests (id, tenant_id, app_id, requested_by, note, status, decided_by, decided_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(id)
    .bind(tenant)
    .bind(app)
    .bind(user)
    .bind(note)
    .bind(status)
    .bind(decided_by)
    .bind(decided_at)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    if may_publish {
        snapshot(db, tenant, app).await?;
    }
    request(db, tenant, app, &id.to_string()).await
}

async fn request(
    db: &Db,
    tenant: Id,
    app: Id,
    request_id: &str,
) -> Result<PublishRequest, RefError> {
    let id = uuid::Uuid::parse_str(request_id).map_err(|_| RefError::RequestNotFound)?;
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM publish_requests WHERE id = $1 AND app_id = $2 AND tenant_id = $3");
    let row: Option<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(id))
        .bind(app)
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    row.map(request_from_row).ok_or(RefError::RequestNotFound)
}

/// How a pending request ends.
pub enum Decision {
    Approve,
    Reject(String),
    /// By the requester.
    Cancel,
}

/// Ends a pending request; an approval publishes.
pub async fn decide(
    db: &Db,
    tenant: Id,
    app: Id,
    request_id: &str,
    user: Id,
    decision: Decision,
) -> Result<PublishRequest, RefError> {
    let current = request(db, tenant, app, request_id).await?;
    if current.status != "pending" {
        return Err(RefError::RequestNotFound);
    }
    let (status, reason) = match &decision {
        Decision::Approve => ("approved", None),
        Decision::Reject(reason) => ("rejected", Some(reason.clone())),
        Decision::Cancel => {
            if current.requested_by != Some(user.0) {
                return Err(RefError::NotRequester);
            }
            ("cancelled", None)
        }
    };
    // Only a still-pending request changes, so two deciders cannot both win.
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE publish_requests SET status = $1, reject_reason = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND status = 'pending'"
    )
    .bind(status)
    .bind(&reason)
    .bind(user)
    .bind(Utc::now())
    .bind(Id(current.id))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(RefError::RequestNotFound);
    }
    if matches!(decision, Decision::Approve) {
        snapshot(db, tenant, app).await?;
    }
    request(db, tenant, app, request_id).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishStatus {
    pub can_publish: bool,
    pub is_locked: bool,
    pub pending_request: Option<PublishRequest>,
    pub published_at: Option<DateTime<Utc>>,
}

pub async fn status(
    db: &Db,
    tenant: Id,
    app: Id,
    may_publish: bool,
) -> Result<PublishStatus, RefError> {
    let pending_request = pending(db, tenant, app).await?;
    let published_at = apps::find_app(db, Some(tenant), &app.to_string())
        .await?
        .published_at;
    Ok(PublishStatus {
        can_publish: may_publish,
        is_locked: pending_request.is_some(),
        pending_request,
        published_at,
    })
}
