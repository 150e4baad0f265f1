//! Per-app secrets for server-side actions (`ctx.secrets.get`, and the
//! credentials of `ctx.http.call` services): set, listed and deleted by
//! builders, encrypted at rest with the deployment's [`SecretBox`], and
//! never returned by a read endpoint: a listing shows names and a masked
//! hint. Every query filters by tenant and app, so an action of one app
//! reads only its own app's secrets.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app_users::secrets::{SecretBox, SecretError};
use crate::db::{Db, Id};
use crate::error::AppError;
use crate::on_db;

/// Secrets an app may have.
pub const MAX_SECRETS_PER_APP: i64 = 100;
/// The longest value, in bytes.
pub const MAX_SECRET_BYTES: usize = 8 * 1024;
/// Values at least this long are listed with their last 4 characters.
const HINT_FROM_CHARS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "A secret name is 1 to 64 letters, digits or _ and starts with a letter or _ (got {0:?})"
    )]
    BadName(String),
    #[error("A secret value is 1 to {MAX_SECRET_BYTES} bytes (got {0})")]
    BadValue(usize),
    #[error("This app already has {MAX_SECRETS_PER_APP} secrets: delete one first")]
    TooMany,
    #[error("No secret named {0:?} in this app: set it with PUT /api/v1/builder/apps/{{id}}/secrets/{0}")]
    NotFound(String),
    #[error(transparent)]
    Undecryptable(#[from] SecretError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<SecretsError> for AppError {
    fn from(err: SecretsError) -> Self {
        let text = err.to_string();
        match err {
            SecretsError::BadName(_) | SecretsError::BadValue(_) => AppError::Unprocessable(text),
            SecretsError::TooMany => AppError::Conflict(text),
            SecretsError::NotFound(_) => AppError::NotFound(text),
            SecretsError::Undecryptable(e) => AppError::Internal(e.into()),
            SecretsError::Database(e) => e.into(),
        }
    }
}

/// A secret as the API lists it: never its value.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecretInfo {
    pub name: String,
    /// `…` and the value's last 4 characters when it has 16 or more, else
    /// empty.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A name as secrets and services use them: `[A-Za-z_][A-Za-z0-9_]{0,63}`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn hint(value: &str) -> String {
    let n = value.chars().count();
    if n < HINT_FROM_CHARS {
        return String::new();
    }
    let tail: String = value.chars().skip(n - 4).collect();
    format!("…{tail}")
}

/// Sets secret `name` of `app` (creating or replacing it).
pub async fn set(
    db: &Db,
    keys: &SecretBox,
    tenant: Id,
    app: Id,
    name: &str,
    value: &str,
) -> Result<SecretInfo, SecretsError> {
    if !valid_name(name) {
        return Err(SecretsError::BadName(name.chars().take(80).collect()));
    }
    if value.is_empty() || value.len() > MAX_SECRET_BYTES {
        return Err(SecretsError::BadValue(value.len()));
    }
    let hint = hint(value);
    let row = secret_row(tenant, app, name);
    let (created_at, updated_at) = row
        .upsert(db, [&keys.encrypt(value), &hint], MAX_SECRETS_PER_APP)
        .await?
        .ok_or(SecretsError::TooMany)?;
    Ok(SecretInfo {
        name: name.to_owned(),
        hint,
        created_at,
        updated_at,
    })
}

fn secret_row(tenant: Id, app: Id, name: &str) -> Row<'_> {
    Row {
        table: "app_secrets",
        columns: ["value_encrypted", "hint"],
        tenant,
        app,
        name,
    }
}

/// The secrets of `app`, by name, without their values.
pub async fn list(db: &Db, tenant: Id, app: Id) -> Result<Vec<SecretInfo>, SecretsError> {
    let sql = "SELECT name, hint, created_at, updated_at FROM app_secrets \
               WHERE tenant_id = $1 AND app_id = $2 ORDER BY name";
    let rows: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)> =
        on_db!(db, |pool| sqlx::query_as(sql)
            .bind(tenant)
            .bind(app)
            .fetch_all(pool)
            .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, hint, created_at, updated_at)| SecretInfo {
            name,
            hint,
            created_at,
            updated_at,
        })
        .collect())
}

/// Deletes secret `name` of `app`.
pub async fn delete(db: &Db, tenant: Id, app: Id, name: &str) -> Result<(), SecretsError> {
    let row = secret_row(tenant, app, name);
    if !row.delete(db).await? {
        return Err(SecretsError::NotFound(name.chars().take(80).collect()));
    }
    Ok(())
}

/// The value of secret `name` of `app` (for the action host only).
pub async fn reveal(
    db: &Db,
    keys: &SecretBox,
    tenant: Id,
    app: Id,
    name: &str,
) -> Result<String, SecretsError> {
    let sql = "SELECT value_encrypted FROM app_secrets WHERE tenant_id = $1 AND app_id = $2 AND name = $3";
    let row: Option<(String,)> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(tenant)
        .bind(app)
        .bind(name)
        .fetch_optional(pool)
        .await)?;
    let (sealed,) = row.ok_or_else(|| SecretsError::NotFound(name.chars().take(80).collect()))?;
    Ok(keys.decrypt(&sealed)?)
}

/// One named row of an app's settings table (`app_secrets`,
/// `app_services`: key `(app_id, name)`, two text columns, timestamps).
pub(super) struct Row<'a> {
    pub table: &'static str,
    pub columns: [&'static str; 2],
    pub tenant: Id,
    pub app: Id,
    pub name: &'a str,
}

impl Row<'_> {
    /// Deletes the row; whether there was one.
    pub async fn delete(&self, db: &Db) -> Result<bool, sqlx::Error> {
        let sql = format!(
            "DELETE FROM {} WHERE tenant_id = $1 AND app_id = $2 AND name = $3",
            self.table
        );
        let done = on_db!(db, |pool| sqlx::query(&sql)
            .bind(self.tenant)
            .bind(self.app)
            .bind(self.name)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(done > 0)
    }

    /// Creates or replaces the row unless the app already has `cap` other
    /// rows; answers `(created_at, updated_at)`, or `None` at the cap.
    pub async fn upsert(
        &self,
        db: &Db,
        values: [&str; 2],
        cap: i64,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, sqlx::Error> {
        let (table, [a, b]) = (self.table, self.columns);
        // The count check and the write are one statement: concurrent
        // writes cannot pass the cap together.
        let sql = format!(
            "INSERT INTO {table} (tenant_id, app_id, name, {a}, {b}, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $6 \
             WHERE (SELECT COUNT(*) FROM {table} WHERE app_id = $2 AND name <> $3) < $7 \
             ON CONFLICT (app_id, name) DO UPDATE SET {a} = excluded.{a}, {b} = excluded.{b}, \
             updated_at = excluded.updated_at \
             RETURNING created_at"
        );
        let now = Utc::now();
        let created: Option<(DateTime<Utc>,)> = on_db!(db, |pool| sqlx::query_as(&sql)
            .bind(self.tenant)
            .bind(self.app)
            .bind(self.name)
            .bind(values[0])
            .bind(values[1])
            .bind(now)
            .bind(cap)
            .fetch_optional(pool)
            .await)?;
        Ok(created.map(|(created_at,)| (created_at, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hints() {
        assert!(valid_name("STRIPE_KEY"));
        assert!(valid_name("_x1"));
        assert!(!valid_name(""));
        assert!(!valid_name("1abc"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name("a/../b"));
        assert!(!valid_name(&"a".repeat(65)));
        assert_eq!(hint("short-secret"), "");
        assert_eq!(hint("sk_live_0123456789abcd"), "…abcd");
    }
}
