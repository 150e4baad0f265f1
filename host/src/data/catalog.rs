//! What the database says about the ERP tables: which exist and their
//! columns (type, nullability, foreign keys), read from the catalog of
//! either backend (spec 000 §4.2). The proxy and the refs API trust only
//! this, never a name from a request.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::erp_catalog::ERP_TABLES;
use crate::db::Db;

/// Columns the system manages (spec 000 §4.6): never written by callers.
pub const SYSTEM_COLUMNS: [&str; 4] = ["id", "created_at", "updated_at", "tenant_id"];

/// The core tables that can never be referenced (spec 000 §4.5, §9.1 ③).
pub const CORE_TABLES: [&str; 14] = [
    "tenants",
    "users",
    "roles",
    "role_permissions",
    "user_roles",
    "refresh_tokens",
    "api_keys",
    "custom_apps",
    "app_data_references",
    "publish_requests",
    "approval_workflows",
    "approval_requests",
    "audit_logs",
    "vfs_versions",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ColumnInfo {
    pub name: String,
    /// `UUID`, `VARCHAR`, `TEXT`, `NUMERIC`, `INTEGER`, `FLOAT`, `BOOLEAN`,
    /// `DATE`, `TIMESTAMPTZ` or `JSONB`, the same on both backends.
    #[serde(rename = "type")]
    pub data_type: String,
    pub nullable: bool,
    pub is_system: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_fk: bool,
    /// `table.column` for a foreign key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fk_target: Option<String>,
}

/// Whether a table may be referenced, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// An ERP table: referenceable.
    Business,
    /// A core or platform table: never referenceable (403).
    Forbidden,
    /// No such table (404).
    Unknown,
}

/// Classifies a table name without trusting it: ERP tables are a fixed
/// list, the spec's core tables are refused by name (spec 000 §9.2), and
/// every other name — an internal table of appbox's own (`vfs_blobs`,
/// `_sqlx_migrations`, …) or no table at all — is unknown alike, so an
/// answer never tells which internal tables exist.
pub fn classify(table: &str) -> TableKind {
    if ERP_TABLES.iter().any(|t| t.name == table) {
        TableKind::Business
    } else if CORE_TABLES.contains(&table) {
        TableKind::Forbidden
    } else {
        TableKind::Unknown
    }
}

/// Maps a backend's type name to the one the API reports.
fn normalize_type(raw: &str) -> String {
    let base = raw
        .split('(')
        .next()
        .unwrap_or(raw)
        .trim()
        .to_ascii_uppercase();
    match base.as_str() {
        "CHARACTER VARYING" | "VARCHAR" => "VARCHAR",
        "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ" => "TIMESTAMPTZ",
        "DOUBLE PRECISION" | "FLOAT8" | "REAL" | "FLOAT" => "FLOAT",
        "INT4" | "INT8" | "BIGINT" | "INTEGER" | "INT" | "SMALLINT" => "INTEGER",
        "BOOL" | "BOOLEAN" => "BOOLEAN",
        "JSON" | "JSONB" => "JSONB",
        other => other,
    }
    .to_owned()
}

/// name, type as the backend spells it, nullable.
type RawColumn = (String, String, bool);
/// column, target table, target column.
type RawForeignKey = (String, String, String);

/// The columns of a table, in table order; empty if it does not exist.
pub async fn columns(db: &Db, table: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
    let (raw, fks): (Vec<RawColumn>, Vec<RawForeignKey>) = match db {
        Db::Sqlite(pool) => {
            let cols: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT name, type, \"notnull\" FROM pragma_table_info($1) ORDER BY cid",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            let fks = sqlx::query_as(
                "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($1)",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            (
                cols.into_iter()
                    .map(|(n, t, notnull)| (n, t, notnull == 0))
                    .collect(),
                fks,
            )
        }
        Db::Postgres(pool) => {
            let cols = sqlx::query_as(
                "SELECT column_name::text, udt_name::text, is_nullable = 'YES' FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            let fks = sqlx::query_as(
                "SELECT kcu.column_name::text, ccu.table_name::text, ccu.column_name::text \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
                 JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            (cols, fks)
        }
    };
    let fks: BTreeMap<String, String> = fks
        .into_iter()
        .map(|(from, t, to)| (from, format!("{t}.{to}")))
        .collect();
    Ok(raw
        .into_iter()
        .map(|(name, data_type, nullable)| ColumnInfo {
            is_system: SYSTEM_COLUMNS.contains(&name.as_str()),
            is_fk: fks.contains_key(&name),
            fk_target: fks.get(&name).cloned(),
            data_type: normalize_type(&data_type),
            nullable,
            name,
        })
        .collect())
}

/// What the proxy needs to know of a table, read once per process.
pub struct TableInfo {
    /// Column → API type.
    pub types: std::sync::Arc<BTreeMap<String, String>>,
    /// Foreign-key column → the table it points at.
    pub foreign_keys: BTreeMap<String, String>,
}

/// The table's columns and foreign keys, cached: the schema changes only
/// with a migration, which needs a restart.
pub async fn table_info(db: &Db, table: &str) -> Result<std::sync::Arc<TableInfo>, sqlx::Error> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Infos = HashMap<(String, &'static str), Arc<TableInfo>>;
    static CACHE: OnceLock<Mutex<Infos>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (table.to_owned(), db.backend());
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let columns = columns(db, table).await?;
    let info = Arc::new(TableInfo {
        foreign_keys: columns
            .iter()
            .filter_map(|c| {
                let target = c.fk_target.as_deref()?.split('.').next()?;
                Some((c.name.clone(), target.to_owned()))
            })
            .collect(),
        types: Arc::new(columns.into_iter().map(|c| (c.name, c.data_type)).collect()),
    });
    if let Ok(mut c) = cache.lock() {
        c.insert(key, info.clone());
    }
    Ok(info)
}

/// Column → API type of a table (cached, see [`table_info`]).
pub async fn column_types(
    db: &Db,
    table: &str,
) -> Result<std::sync::Arc<BTreeMap<String, String>>, sqlx::Error> {
    Ok(table_info(db, table).await?.types.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn table_exists(db: &Db, table: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = match db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
                    .bind(table)
                    .fetch_one(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
                )
                .bind(table)
                .fetch_one(pool)
                .await?
            }
        };
        Ok(n > 0)
    }

    #[tokio::test]
    async fn every_core_table_exists_and_no_erp_table_is_core() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        for table in CORE_TABLES {
            assert!(
                table_exists(&db, table).await.unwrap(),
                "{table} is on the blacklist but does not exist"
            );
            assert_eq!(classify(table), TableKind::Forbidden);
        }
        for table in ERP_TABLES {
            assert!(!CORE_TABLES.contains(&table.name));
            assert!(
                table_exists(&db, table.name).await.unwrap(),
                "{} is listed but not created",
                table.name
            );
        }
        assert_eq!(classify("customers"), TableKind::Business);
        assert_eq!(classify("nope"), TableKind::Unknown);
    }
}
