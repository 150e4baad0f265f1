//! Tenants, users, roles and permissions, refresh tokens; password hashing.
//!
//! Plain functions over [`Db`]; no HTTP types. The API and the CLI both call
//! these, so a user added by `appbox user add` and one created at first start
//! are made by the same code.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::{Arc, Mutex, OnceLock};

use crate::db::{is_unique_violation, Db, Id};
use crate::on_db;

/// Lets a user read and write apps through the Builder API.
pub const BUILDER_ACCESS: &str = "builder.access";
/// Lets a user publish apps and integrations without review.
pub const BUILDER_PUBLISH: &str = "builder.publish";

/// The roles every tenant starts with, and what they may do.
pub const DEFAULT_ROLES: [(&str, &[&str]); 3] = [
    ("admin", &[BUILDER_ACCESS, BUILDER_PUBLISH]),
    ("builder", &[BUILDER_ACCESS]),
    ("member", &[]),
];

/// How long a refresh token lives.
pub const REFRESH_TOKEN_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user with email {0:?} already exists")]
    EmailTaken(String),
    #[error("{0:?} is not a valid email address")]
    InvalidEmail(String),
    #[error("the password must be at least 8 characters long")]
    WeakPassword,
    #[error("no role {0:?} in this tenant (roles: admin, builder, member)")]
    UnknownRole(String),
    #[error("no user with email {0:?}")]
    UnknownUser(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A user as listed by the CLI and `GET /auth/me`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserInfo {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    pub tenant_name: String,
    pub email: String,
    pub name: String,
    pub is_active: bool,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// An authenticated, active user with the permissions read from the database.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Id,
    pub tenant_id: Id,
    pub email: String,
    pub permissions: Vec<String>,
}

impl Principal {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

pub fn normalize_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !email.contains(char::is_whitespace)
        });
    if valid {
        Ok(email)
    } else {
        Err(AccountError::InvalidEmail(email))
    }
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < 8 {
        return Err(AccountError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Argon2 is deliberately slow and takes 19 MiB a hash: it runs on a fixed
/// pool of threads, one per core, so a flood of logins queues instead of
/// taking every core, and memory stays at one working set per thread (each
/// thread reuses its own allocation; a new thread per hash would keep a
/// malloc arena per thread).
pub(crate) async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AccountError> {
    type Job = Box<dyn FnOnce() + Send>;
    static POOL: OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let receiver = receiver.clone();
            let _ = std::thread::Builder::new()
                .name(format!("appbox-hash-{i}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        Mutex::new(sender)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    pool.lock()
        .map_err(|_| AccountError::Hashing("the hashing pool is gone".into()))?
        .send(job)
        .map_err(|_| AccountError::Hashing("the hashing pool is gone".into()))?;
    result
        .await
        .map_err(|_| AccountError::Hashing("a hashing thread stopped".into()))
}

thread_local! {
    /// Argon2's working memory, one per hashing thread (see [`verify_password`]).
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Hashes a password into a PHC string with Argon2id's default parameters,
/// reusing the hashing thread's working memory like [`verify_password`].
/// Meant to run inside [`on_hashing_thread`]; the caller checks the length.
pub(crate) fn hash_password_reusing_memory(password: &str) -> Result<String, AccountError> {
    let hashing = |e: argon2::password_hash::Error| AccountError::Hashing(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let params = argon2::Params::default();
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(hashing)?;
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    BLOCKS
        .with(|blocks| {
            let mut blocks = blocks.borrow_mut();
            blocks.resize(params.block_count(), argon2::Block::default());
            Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                params.clone(),
            )
            .hash_password_into_with_memory(
                password.as_bytes(),
                raw_salt,
                &mut out,
                &mut blocks[..],
            )
        })
        .map_err(|e| AccountError::Hashing(e.to_string()))?;
    let output = argon2::password_hash::Output::new(&out).map_err(hashing)?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str(),
        output
    ))
}

/// Checks a password against a PHC string. Argon2's working memory (19 MiB
/// with the default parameters) is kept per hashing thread and reused:
/// allocated afresh for every hash, the allocator kept each one, and a
/// flood of logins grew the process by 19 MiB a hash.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm), Some(salt), Some(expected)) = (
        argon2::Params::try_from(&parsed),
        argon2::Algorithm::try_from(parsed.algorithm),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| argon2::Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        blocks.resize(params.block_count(), argon2::Block::default());
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut blocks[..],
        )
    });
    // Constant time: every byte is compared whatever the first difference.
    computed.is_ok()
        && out.len() == expected.len()
        && out
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A random secret, hex-encoded: `bytes` bytes from the OS's CSPRNG.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Creates a tenant with the default roles; returns its id.
pub async fn create_tenant(db: &Db, name: &str) -> Result<Id, AccountError> {
    let tenant_id = Id::new();
    let now = Utc::now();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (role, permissions) in DEFAULT_ROLES {
            let role_id = Id::new();
            sqlx::query("INSERT INTO roles (id, tenant_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(role_id)
                .bind(tenant_id)
                .bind(role)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for permission in permissions {
                sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
                    .bind(role_id)
                    .bind(*permission)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    });
    Ok(tenant_id)
}

/// The first tenant ever created (the one `appbox serve` made at first start).
pub async fn first_tenant(db: &Db) -> Result<Option<Id>, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_scalar::<_, Id>("SELECT id FROM tenants ORDER BY created_at, id LIMIT 1")
            .fetch_optional(pool)
            .await
    })
}

/// The tenant with this name, if any.
pub async fn tenant_by_name(db: &Db, name: &str) -> Result<Option<Id>, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_scalar::<_, Id>(
            "SELECT id FROM tenants WHERE name = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(name)
        .fetch_optional(pool)
        .await
    })
}

/// The logo shown on an app's public login page, if the tenant has one.
pub async fn tenant_logo_url(db: &Db, tenant_id: Id) -> Result<Option<String>, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_scalar::<_, Option<String>>("SELECT logo_url FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(pool)
            .await
            .map(Option::flatten)
    })
}

/// Adds a user to `tenant_id` with the named role.
pub async fn create_user(
    db: &Db,
    tenant_id: Id,
    email: &str,
    name: &str,
    password: &str,
    role: &str,
) -> Result<Id, AccountError> {
    let email = normalize_email(email)?;
    let password_hash = hash_password(password)?;
    let user_id = Id::new();
    let now = Utc::now();
    let result: Result<(), AccountError> = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        let role_id =
            sqlx::query_scalar::<_, Id>("SELECT id FROM roles WHERE tenant_id = $1 AND name = $2")
                .bind(tenant_id)
                .bind(role)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| AccountError::UnknownRole(role.to_owned()))?;
        sqlx::query(
            "INSERT INTO users (id, tenant_id, email, name, password_hash, is_active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6)",
        )
        .bind(user_id)
        .bind(tenant_id)
        .bind(&email)
        .bind(name)
        .bind(&password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { AccountError::EmailTaken(email.clone()) } else { e.into() })?;
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    });
    result.map(|()| user_id)
}

/// Turns a user's access off (`active = false`) or back on, and revokes
/// their refresh tokens when turning it off.
pub async fn set_user_active(db: &Db, email: &str, active: bool) -> Result<(), AccountError> {
    let email = normalize_email(email)?;
    let now = Utc::now();
    let found: Result<bool, sqlx::Error> = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        let user_id = sqlx::query_scalar::<_, Id>(
            "UPDATE users SET is_active = $1, updated_at = $2 WHERE email = $3 RETURNING id",
        )
        .bind(active)
        .bind(now)
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(user_id) = user_id {
            if !active {
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(user_id.is_some())
    });
    if found? {
        Ok(())
    } else {
        Err(AccountError::UnknownUser(email))
    }
}

const USER_INFO_SQL: &str =
    "SELECT u.id, u.tenant_id, t.name AS tenant_name, u.email, u.name, u.is_active, u.created_at \
     FROM users u JOIN tenants t ON t.id = u.tenant_id";

/// Every user, with roles and permissions, ordered by email.
pub async fn list_users(db: &Db) -> Result<Vec<UserInfo>, sqlx::Error> {
    load_users(db, None).await
}

/// One user by id.
pub async fn get_user(db: &Db, user_id: Id) -> Result<Option<UserInfo>, sqlx::Error> {
    Ok(load_users(db, Some(user_id)).await?.pop())
}

async fn load_users(db: &Db, only: Option<Id>) -> Result<Vec<UserInfo>, sqlx::Error> {
    on_db!(db, |pool| {
        let sql = match only {
            Some(_) => format!("{USER_INFO_SQL} WHERE u.id = $1"),
            None => format!("{USER_INFO_SQL} ORDER BY u.email"),
        };
        let mut query = sqlx::query(&sql);
        if let Some(id) = only {
            query = query.bind(id);
        }
        let rows = query.fetch_all(pool).await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            let id: Id = row.try_get("id")?;
            let grants = sqlx::query(
                "SELECT r.name, p.permission FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
                 LEFT JOIN role_permissions p ON p.role_id = r.id WHERE ur.user_id = $1 ORDER BY r.name, p.permission",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut roles: Vec<String> = Vec::new();
            let mut permissions: Vec<String> = Vec::new();
            for grant in grants {
                roles.push(grant.try_get("name")?);
                if let Some(p) = grant.try_get::<Option<String>, _>("permission")? {
                    permissions.push(p);
                }
            }
            roles.dedup();
            permissions.sort();
            permissions.dedup();
            users.push(UserInfo {
                id: id.0,
                tenant_id: row.try_get::<Id, _>("tenant_id")?.0,
                tenant_name: row.try_get("tenant_name")?,
                email: row.try_get("email")?,
                name: row.try_get("name")?,
                is_active: row.try_get("is_active")?,
                roles,
                permissions,
                created_at: row.try_get("created_at")?,
            });
        }
        Ok(users)
    })
}

/// Checks an email and password; `None` when they don't match an active user.
///
/// The hash is verified even for unknown emails so that timing does not tell
/// which emails exist.
pub async fn authenticate(
    db: &Db,
    email: &str,
    password: &str,
) -> Result<Option<Id>, AccountError> {
    let email = email.trim().to_lowercase();
    let row: Option<(Id, String, bool)> = on_db!(db, |pool| {
        sqlx::query_as("SELECT id, password_hash, is_active FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(pool)
            .await?
    });
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WQ2tTfNLhr3yb1nxVcsoSFh5ITbOsqfHM1kXLpMOqG4";
    let password = password.to_owned();
    let (user, hash) = match row {
        Some((id, hash, active)) => (Some((id, active)), hash),
        None => (None, DUMMY.to_owned()),
    };
    let ok = on_hashing_thread(move || verify_password(&password, &hash)).await?;
    Ok(match user {
        Some((id, true)) if ok => Some(id),
        _ => None,
    })
}

/// Loads an active user and their permissions; `None` if the user is gone or
/// disabled. Called on every authenticated request, so a disabled user or a
/// revoked role takes effect at once, whatever the token says.
pub async fn load_principal(db: &Db, user_id: Id) -> Result<Option<Principal>, sqlx::Error> {
    on_db!(db, |pool| {
        let row: Option<(Id, String, bool)> =
            sqlx::query_as("SELECT tenant_id, email, is_active FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?;
        let Some((tenant_id, email, true)) = row else {
            return Ok(None);
        };
        let permissions: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT p.permission FROM user_roles ur JOIN role_permissions p ON p.role_id = ur.role_id \
             WHERE ur.user_id = $1",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        Ok(Some(Principal {
            user_id,
            tenant_id,
            email,
            permissions,
        }))
    })
}

/// Issues a new refresh token for `user_id`; returns the token (shown once).
pub async fn issue_refresh_token(db: &Db, user_id: Id) -> Result<String, sqlx::Error> {
    let token = random_hex(32);
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Id::new())
        .bind(user_id)
        .bind(sha256_hex(token.as_bytes()))
        .bind(now + Duration::days(REFRESH_TOKEN_DAYS))
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(token)
}

/// Spends a refresh token: marks it used and returns its user, if it was
/// valid. A token presented a second time was stolen or replayed, so every
/// token of that user is revoked.
pub async fn redeem_refresh_token(db: &Db, token: &str) -> Result<Option<Id>, sqlx::Error> {
    let hash = sha256_hex(token.as_bytes());
    let now = Utc::now();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        // The write comes first so that SQLite takes the write lock at once.
        let spent: Option<(Id, DateTime<Utc>)> = sqlx::query_as(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
             RETURNING user_id, expires_at",
        )
        .bind(now)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match spent {
            Some((user_id, expires_at)) if expires_at > now => Some(user_id),
            Some(_) => None,
            None => {
                let replayed: Option<Id> =
                    sqlx::query_scalar("SELECT user_id FROM refresh_tokens WHERE token_hash = $1")
                        .bind(&hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(user_id) = replayed {
                    tracing::warn!(%user_id, "a spent refresh token was presented again; revoking all of the user's tokens");
                    sqlx::query("UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                None
            }
        };
        tx.commit().await?;
        Ok(user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn passwords_round_trip_and_short_ones_are_refused() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        let reused = hash_password_reusing_memory("correct horse").unwrap();
        assert!(verify_password("correct horse", &reused));
        assert!(!verify_password("wrong horse", &reused));
        assert!(matches!(
            hash_password("short"),
            Err(AccountError::WeakPassword)
        ));
    }
}
