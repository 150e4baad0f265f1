//! Data references: which ERP tables, columns and operations an app may use
//! (spec 000 §4), their published snapshots, and publish requests (§3.8).
//!
//! The live `columns`/`permissions` serve `/proxy/{app_id}` (internal apps);
//! `published_columns`/`published_permissions` serve `/open` and `/ext`, and
//! only change when the app is published (directly with `builder.publish`,
//! or through an approved publish request: see `publish.rs`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;

use std::sync::OnceLock;

use crate::builder::apps::{self, AppsError};
use crate::cache::Expiring;
use crate::data::catalog::{self, TableKind};
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
    match catalog::classify(table) {
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
    let ticket = access_cache().ticket();
    let found = load_access(db, tenant, app, table, published).await?;
    access_cache().insert(ticket, key, found.clone());
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
        "SELECT published_columns, published_permissions, COALESCE(published_is_public_readable, FALSE) FROM app_data_references WHERE app_id = $1 AND tenant_id = $2 AND table_name = $3"
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

/// Forgets the cached reference lookups; called after a publish changes
/// the published snapshots (`publish.rs`).
pub fn forget_access() {
    access_cache().clear();
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
