//! Integrations (self-built apps) and their API keys (spec 000 §2.1, §3).
//!
//! An integration is a custom app with `access_mode = self_built`; the same
//! row carries the settings (`live_url`, `allowed_origins`). API keys are
//! `sk_live_` + 64 hex characters from the OS's CSPRNG, shown once; only
//! their SHA-256 is stored (spec NOTES #5).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::types::Json;

use crate::accounts::{random_hex, sha256_hex};
use std::sync::OnceLock;

use crate::builder::apps::{self, AccessMode, AppsError, NewApp};
use crate::builder::vfs::Files;
use crate::cache::Expiring;
use crate::db::{Db, Id};
use crate::on_db;

/// Characters of a key shown in lists (`sk_live_a1b2`).
const KEY_PREFIX_LEN: usize = 12;
/// `last_used_at` is written at most this often per key, so that a busy key
/// does not turn every read into a write.
const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Integration {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    pub name: String,
    pub slug: String,
    pub subdomain: Option<String>,
    pub live_url: Option<String>,
    pub allowed_origins: Vec<String>,
    pub access_mode: AccessMode,
    pub api_key_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKeyInfo {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub key_prefix: String,
    pub name: String,
    pub is_active: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new key: the only time the whole key is ever returned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewApiKey {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub key_prefix: String,
    pub name: String,
    /// `sk_live_` + 64 hex characters. Store it now: it is not shown again.
    pub api_key: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Who an API key speaks for.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    /// The key itself (for audit and approval records).
    pub key_id: Id,
    pub app_id: Id,
    pub tenant_id: Id,
    /// Browser origins the app accepts (`scheme://host[:port]`); empty = all.
    pub allowed_origins: Vec<String>,
}

impl KeyOwner {
    /// Whether a browser at `origin` may use this key (spec NOTES #13).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.is_empty() || self.allowed_origins.iter().any(|o| o == origin)
    }
}

/// Creates an integration: a self-built app with an empty VFS.
pub async fn create(
    db: &Db,
    tenant: Id,
    author: Id,
    name: String,
    subdomain: Option<String>,
) -> Result<Integration, AppsError> {
    let new = NewApp {
        name,
        description: String::new(),
        access_mode: AccessMode::SelfBuilt,
        subdomain,
    };
    let app = apps::create_app(db, tenant, author, new, Files::new()).await?;
    get(db, tenant, &app.id.to_string()).await
}

type IntegrationRow = (
    Id,
    Id,
    String,
    String,
    Option<String>,
    Option<String>,
    Json<Vec<String>>,
    String,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
);

const INTEGRATION_SQL: &str = "SELECT a.id, a.tenant_id, a.name, a.slug, a.subdomain, a.live_url, a.allowed_origins, a.access_mode, \
     (SELECT COUNT(*) FROM api_keys k WHERE k.app_id = a.id AND k.is_active) AS api_key_count, a.created_at, a.updated_at \
     FROM custom_apps a WHERE a.tenant_id = $1 AND a.access_mode = 'self_built'";

fn from_row(row: IntegrationRow) -> Integration {
    let (
        id,
        tenant_id,
        name,
        slug,
        subdomain,
        live_url,
        origins,
        _,
        api_key_count,
        created_at,
        updated_at,
    ) = row;
    Integration {
        id: id.0,
        tenant_id: tenant_id.0,
        name,
        slug,
        subdomain,
        live_url,
        allowed_origins: origins.0,
        access_mode: AccessMode::SelfBuilt,
        api_key_count,
        created_at,
        updated_at,
    }
}

/// The tenant's integrations, newest first.
pub async fn list(db: &Db, tenant: Id) -> Result<Vec<Integration>, AppsError> {
    let sql = format!("{INTEGRATION_SQL} ORDER BY a.created_at DESC, a.id");
    let rows: Vec<IntegrationRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(from_row).collect())
}

/// One integration by id, slug or subdomain.
pub async fn get(db: &Db, tenant: Id, key: &str) -> Result<Integration, AppsError> {
    let app = apps::find_app(db, Some(tenant), key).await?;
    let sql = format!("{INTEGRATION_SQL} AND a.id = $2");
    let row: Option<IntegrationRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .bind(Id(app.id))
        .fetch_optional(pool)
        .await?);
    row.map(from_row).ok_or(AppsError::NotFound)
}

/// Changes `live_url` and `allowed_origins`; `None` leaves one as it is.
pub async fn update_settings(
    db: &Db,
    tenant: Id,
    key: &str,
    live_url: Option<Option<String>>,
    allowed_origins: Option<Vec<String>>,
) -> Result<Integration, AppsError> {
    let current = get(db, tenant, key).await?;
    let live_url = live_url.unwrap_or(current.live_url);
    let origins = allowed_origins.unwrap_or(current.allowed_origins);
    on_db!(db, |pool| {
        sqlx::query("UPDATE custom_apps SET live_url = $1, allowed_origins = $2, updated_at = $3 WHERE id = $4 AND tenant_id = $5")
        .bind(&live_url)
        .bind(Json(&origins))
        .bind(Utc::now())
        .bind(Id(current.id))
        .bind(tenant)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    forget_keys();
    get(db, tenant, &current.id.to_string()).await
}

/// Makes a new key for an app of the tenant.
pub async fn create_key(
    db: &Db,
    tenant: Id,
    app_key: &str,
    author: Id,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<NewApiKey, AppsError> {
    // Keys belong to integrations (self-built apps) only; any other app is
    // not an integration: 404.
    let app = get(db, tenant, app_key).await?;
    let api_key = format!("sk_live_{}", random_hex(32));
    let key_prefix = api_key[..KEY_PREFIX_LEN].to_owned();
    let id = Id::new();
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO api_keys (id, app_id, tenant_id, name, key_prefix, key_hash, is_active, expires_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $9)"
    )
    .bind(id)
    .bind(Id(app.id))
    .bind(tenant)
    .bind(name)
    .bind(&key_prefix)
    .bind(sha256_hex(api_key.as_bytes()))
    .bind(expires_at)
    .bind(author)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    Ok(NewApiKey {
        id: id.0,
        app_id: app.id,
        key_prefix,
        name: name.to_owned(),
        api_key,
        expires_at,
        created_at: now,
    })
}

type KeyRow = (
    Id,
    Id,
    String,
    String,
    bool,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

/// An app's keys (active and revoked), newest first; never the keys themselves.
pub async fn list_keys(db: &Db, tenant: Id, app_key: &str) -> Result<Vec<ApiKeyInfo>, AppsError> {
    // Keys belong to integrations (self-built apps) only; any other app is
    // not an integration: 404.
    let app = get(db, tenant, app_key).await?;
    let rows: Vec<KeyRow> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, app_id, key_prefix, name, is_active, last_used_at, expires_at, created_at FROM api_keys \
         WHERE app_id = $1 AND tenant_id = $2 ORDER BY created_at DESC, id"
    )
    .bind(Id(app.id))
    .bind(tenant)
    .fetch_all(pool)
    .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(id, app_id, key_prefix, name, is_active, last_used_at, expires_at, created_at)| {
                ApiKeyInfo {
                    id: id.0,
                    app_id: app_id.0,
                    key_prefix,
                    name,
                    is_active,
                    last_used_at,
                    expires_at,
                    created_at,
                }
            },
        )
        .collect())
}

/// Revokes a key: it stops working at once. `false` if there is no such key.
pub async fn revoke_key(
    db: &Db,
    tenant: Id,
    app_key: &str,
    key_id: &str,
) -> Result<bool, AppsError> {
    // Keys belong to integrations (self-built apps) only; any other app is
    // not an integration: 404.
    let app = get(db, tenant, app_key).await?;
    let Ok(key_id) = uuid::Uuid::parse_str(key_id) else {
        return Ok(false);
    };
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE api_keys SET is_active = FALSE WHERE id = $1 AND app_id = $2 AND tenant_id = $3"
    )
    .bind(Id(key_id))
    .bind(Id(app.id))
    .bind(tenant)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    forget_keys();
    Ok(changed > 0)
}

/// id, app_id, tenant_id, expires_at, last_used_at of an active key, and
/// its app's allowed origins.
type ValidKeyRow = (
    Id,
    Id,
    Id,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Json<Vec<String>>,
);

/// Key hash → its owner and expiry.
type KeyCache = Expiring<String, (KeyOwner, Option<DateTime<Utc>>)>;

/// Valid keys seen lately, by hash, with their expiry (every data request
/// presents one). Cleared by every change to keys or integrations.
fn key_cache() -> &'static KeyCache {
    static CACHE: OnceLock<KeyCache> = OnceLock::new();
    CACHE.get_or_init(Expiring::new)
}

/// Forgets cached keys: after a revocation, a settings change or a delete.
pub fn forget_keys() {
    key_cache().clear();
}

/// The app and tenant of a valid key (active, unexpired); `None` otherwise.
pub async fn authenticate_key(db: &Db, api_key: &str) -> Result<Option<KeyOwner>, sqlx::Error> {
    if !api_key.starts_with("sk_live_") || api_key.len() != 72 {
        return Ok(None);
    }
    let hash = sha256_hex(api_key.as_bytes());
    let now = Utc::now();
    if let Some((owner, expires_at)) = key_cache().get(&hash) {
        if expires_at.is_none_or(|at| at > now) {
            return Ok(Some(owner));
        }
    }
    let ticket = key_cache().ticket();
    let row: Option<ValidKeyRow> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT k.id, k.app_id, k.tenant_id, k.expires_at, k.last_used_at, a.allowed_origins FROM api_keys k \
         JOIN custom_apps a ON a.id = k.app_id WHERE k.key_hash = $1 AND k.is_active"
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?
    });
    let Some((key_id, app_id, tenant_id, expires_at, last_used_at, origins)) = row else {
        return Ok(None);
    };
    if expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    if last_used_at.is_none_or(|at| now - at > Duration::seconds(LAST_USED_RESOLUTION_SECONDS)) {
        on_db!(db, |pool| sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(key_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    }
    let owner = KeyOwner {
        key_id,
        app_id,
        tenant_id,
        allowed_origins: origins.0,
    };
    key_cache().insert(ticket, hash, (owner.clone(), expires_at));
    Ok(Some(owner))
}
