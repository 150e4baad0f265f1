//! App users: the end users of external and self-built apps (spec 000
//! §2.3-§2.4, spec 001 §19). Each app has its own users; the same e-mail may
//! sign up in several apps.
//!
//! - this file: the users, their sessions (one per signed-in device) and
//!   refresh tokens with rotation and reuse detection, builder management;
//! - [`tokens`]: the access tokens (HS256, 15 minutes, spec 000 §2.4's
//!   payload) and the per-request check of the user;
//! - [`oauth`]: OAuth providers, `state`, the code exchange and the
//!   account-linking rules; [`secrets`]: client secrets encrypted at rest.
//!
//! Plain functions over [`Db`]; no HTTP types.

pub mod oauth;
pub mod secrets;
pub mod tokens;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;

use crate::accounts::{self, random_hex, sha256_hex, AccountError};
use crate::db::{is_unique_violation, Db, Id};
use crate::on_db;

/// How long a refresh token lives (spec 000 §2.4).
pub const REFRESH_TOKEN_DAYS: i64 = 7;
/// Longest e-mail accepted (spec 000 §2.3.2).
pub const MAX_EMAIL_CHARS: usize = 255;
/// Password length bounds (spec 000 §2.3.2).
pub const MIN_PASSWORD_CHARS: usize = 6;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest display name (spec 000 §2.3.2).
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Verified against when the e-mail is unknown, so timing does not tell
/// which e-mails have an account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WQ2tTfNLhr3yb1nxVcsoSFh5ITbOsqfHM1kXLpMOqG4";

/// What can go wrong; the texts are the spec's (`detail`).
#[derive(Debug, thiserror::Error)]
pub enum AppUserError {
    #[error("App 不存在")]
    AppNotFound,
    #[error("此 App 不支援用戶認證")]
    AuthNotSupported,
    #[error("此來源不在白名單中")]
    OriginNotAllowed,
    #[error("此 Email 已被註冊")]
    EmailTaken,
    #[error("帳號或密碼錯誤")]
    BadCredentials,
    #[error("帳號已被停用")]
    Disabled,
    #[error("無效的 Refresh Token")]
    InvalidRefreshToken,
    #[error("Refresh Token 已過期")]
    RefreshTokenExpired,
    #[error("使用者不存在或已停用")]
    UserGone,
    #[error("未提供認證 Token")]
    NoToken,
    #[error("無效或已過期的 Token")]
    InvalidToken,
    #[error("使用者不存在")]
    UserNotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    OAuth(#[from] oauth::OAuthError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] AccountError),
}

/// The app an auth request names, with what the auth routes need of it.
#[derive(Debug, Clone)]
pub struct AuthApp {
    pub id: Id,
    pub tenant_id: Id,
    pub slug: String,
    pub access_mode: String,
    pub live_url: Option<String>,
    pub allowed_origins: Vec<String>,
}

impl AuthApp {
    /// Spec 000 §2.3.8: no `Origin` (servers, curl) or an empty list passes;
    /// otherwise the origin must be listed exactly (scheme://host:port).
    /// appbox's own origin (the `Host` the request came to) always passes:
    /// it is the app's runtime page (`/externalAppRuntime/{slug}`).
    pub fn check_origin(
        &self,
        origin: Option<&str>,
        host: Option<&str>,
    ) -> Result<(), AppUserError> {
        let Some(origin) = origin else {
            return Ok(());
        };
        let own = host.is_some_and(|host| {
            origin.split_once("://").is_some_and(|(scheme, authority)| {
                matches!(scheme, "http" | "https") && authority.eq_ignore_ascii_case(host)
            })
        });
        if self.allowed_origins.is_empty()
            || own
            || self.allowed_origins.iter().any(|o| o == origin)
        {
            Ok(())
        } else {
            Err(AppUserError::OriginNotAllowed)
        }
    }
}

type AppRow = (Id, Id, String, String, Option<String>, Json<Vec<String>>);

fn auth_app(row: AppRow) -> AuthApp {
    AuthApp {
        id: row.0,
        tenant_id: row.1,
        slug: row.2,
        access_mode: row.3,
        live_url: row.4,
        allowed_origins: row.5 .0,
    }
}

const APP_SQL: &str =
    "SELECT id, tenant_id, slug, access_mode, live_url, allowed_origins FROM custom_apps";

/// The app with this slug or subdomain, if its users may sign in (external
/// and self-built apps).
pub async fn find_auth_app(db: &Db, key: &str) -> Result<AuthApp, AppUserError> {
    let key = key.trim().to_lowercase();
    if key.is_empty() || key.len() > 63 {
        return Err(AppUserError::AppNotFound);
    }
    let sql = format!("{APP_SQL} WHERE slug = $1 OR subdomain = $1");
    let row: Option<AppRow> = on_db!(db, |pool| {
        sqlx::query_as(&sql).bind(&key).fetch_optional(pool).await?
    });
    let app = row.map(auth_app).ok_or(AppUserError::AppNotFound)?;
    if app.access_mode == "internal" {
        return Err(AppUserError::AuthNotSupported);
    }
    Ok(app)
}

/// An app by id, for the token check of every request.
pub async fn auth_app_by_id(db: &Db, id: Id) -> Result<Option<AuthApp>, sqlx::Error> {
    let sql = format!("{APP_SQL} WHERE id = $1");
    let row: Option<AppRow> = on_db!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
    });
    Ok(row.map(auth_app))
}

/// An app user as the API shows them (spec 000 §2.3.2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppUser {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub custom_app_id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    pub email: Option<String>,
    pub display_name: String,
    pub avatar_url: Option<String>,
    #[schema(value_type = Object)]
    pub extra_data: Value,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

type UserRow = (
    Id,
    Id,
    Id,
    Option<String>,
    String,
    Option<String>,
    Json<Value>,
    bool,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

const USER_SQL: &str =
    "SELECT id, app_id, tenant_id, email, display_name, avatar_url, extra_data, is_active, \
     last_login_at, created_at, updated_at FROM custom_app_users";

fn app_user(row: UserRow) -> AppUser {
    AppUser {
        id: row.0 .0,
        custom_app_id: row.1 .0,
        tenant_id: row.2 .0,
        email: row.3,
        display_name: row.4,
        avatar_url: row.5,
        extra_data: row.6 .0,
        is_active: row.7,
        last_login_at: row.8,
        created_at: row.9,
        updated_at: row.10,
    }
}

/// One user of one app.
pub async fn get_user(db: &Db, app: Id, user: Id) -> Result<Option<AppUser>, sqlx::Error> {
    let sql = format!("{USER_SQL} WHERE id = $1 AND app_id = $2");
    let row: Option<UserRow> = on_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(user)
            .bind(app)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(app_user))
}

/// The users of an app, oldest first.
pub async fn list_users(db: &Db, app: Id) -> Result<Vec<AppUser>, sqlx::Error> {
    let sql = format!("{USER_SQL} WHERE app_id = $1 ORDER BY created_at, id");
    let rows: Vec<UserRow> = on_db!(db, |pool| {
        sqlx::query_as(&sql).bind(app).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(app_user).collect())
}

/// Trims and lowercases an e-mail and checks its shape (1-255 characters).
pub fn normalize_email(email: &str) -> Result<String, AppUserError> {
    let email = email.trim().to_lowercase();
    let valid = !email.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(AppUserError::Invalid(
            "email: 請輸入合法的 Email(1~255 字元)".into(),
        ))
    }
}

/// Checks a new password's length (6-128 characters).
pub fn check_password(password: &str) -> Result<(), AppUserError> {
    let n = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        Ok(())
    } else {
        Err(AppUserError::Invalid(format!(
            "password: 密碼長度需為 {MIN_PASSWORD_CHARS}~{MAX_PASSWORD_CHARS} 字元"
        )))
    }
}

/// Checks a display name (1-100 characters, not only spaces).
pub fn check_display_name(name: &str) -> Result<String, AppUserError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(AppUserError::Invalid(format!(
            "display_name: 顯示名稱需為 1~{MAX_DISPLAY_NAME_CHARS} 字元"
        )));
    }
    Ok(trimmed.to_owned())
}

/// A fresh session: the user, and the refresh token that starts it (shown once).
pub struct SignedIn {
    pub user: AppUser,
    pub refresh_token: String,
}

/// Signs a new user up with e-mail and password; the caller has checked
/// the input with [`normalize_email`], [`check_password`], [`check_display_name`].
pub async fn register(
    db: &Db,
    app: &AuthApp,
    email: &str,
    password: &str,
    display_name: &str,
) -> Result<SignedIn, AppUserError> {
    let password = password.to_owned();
    let hash =
        accounts::on_hashing_thread(move || accounts::hash_password_reusing_memory(&password))
            .await??;
    let user = create_user(db, app, Some(email), Some(&hash), display_name, None).await?;
    start_session(db, user, false).await
}

/// Inserts a user; a taken e-mail is [`AppUserError::EmailTaken`].
async fn create_user(
    db: &Db,
    app: &AuthApp,
    email: Option<&str>,
    password_hash: Option<&str>,
    display_name: &str,
    avatar_url: Option<&str>,
) -> Result<Id, AppUserError> {
    let id = Id::new();
    let now = Utc::now();
    let inserted: Result<(), sqlx::Error> = on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO custom_app_users (id, tenant_id, app_id, email, password_hash, display_name, avatar_url, \
             extra_data, is_active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9)",
        )
        .bind(id)
        .bind(app.tenant_id)
        .bind(app.id)
        .bind(email)
        .bind(password_hash)
        .bind(display_name)
        .bind(avatar_url)
        .bind(Json(Value::Object(Default::default())))
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    });
    match inserted {
        Ok(()) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(AppUserError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// Checks an e-mail and password. A wrong pair is [`AppUserError::BadCredentials`]
/// (also for OAuth-only users, who have no password); a right pair of a
/// disabled user is [`AppUserError::Disabled`].
pub async fn login(
    db: &Db,
    app: &AuthApp,
    email: &str,
    password: &str,
) -> Result<SignedIn, AppUserError> {
    let email = email.trim().to_lowercase();
    let row: Option<(Id, Option<String>, bool)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, password_hash, is_active FROM custom_app_users WHERE app_id = $1 AND email = $2",
        )
        .bind(app.id)
        .bind(&email)
        .fetch_optional(pool)
        .await?
    });
    let (user, hash) = match row {
        Some((id, Some(hash), active)) => (Some((id, active)), hash),
        _ => (None, DUMMY_HASH.to_owned()),
    };
    let password = password.to_owned();
    let ok =
        accounts::on_hashing_thread(move || accounts::verify_password(&password, &hash)).await?;
    match user {
        Some((id, true)) if ok => start_session(db, id, true).await,
        Some((_, false)) if ok => Err(AppUserError::Disabled),
        _ => Err(AppUserError::BadCredentials),
    }
}

fn new_refresh_token() -> String {
    random_hex(32)
}

/// Opens a session (one per device) with its first refresh token;
/// `login` also records the sign-in time.
pub(crate) async fn start_session(
    db: &Db,
    user: Id,
    login: bool,
) -> Result<SignedIn, AppUserError> {
    let token = new_refresh_token();
    let session = Id::new();
    let now = Utc::now();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        if login {
            sqlx::query("UPDATE custom_app_users SET last_login_at = $1 WHERE id = $2")
                .bind(now)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO custom_app_sessions (id, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(session)
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO custom_app_refresh_tokens (token_hash, session_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(session)
        .bind(now + Duration::days(REFRESH_TOKEN_DAYS))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    let user = user_by_id(db, user).await?.ok_or(AppUserError::UserGone)?;
    Ok(SignedIn {
        user,
        refresh_token: token,
    })
}

async fn user_by_id(db: &Db, user: Id) -> Result<Option<AppUser>, sqlx::Error> {
    let sql = format!("{USER_SQL} WHERE id = $1");
    let row: Option<UserRow> = on_db!(db, |pool| {
        sqlx::query_as(&sql).bind(user).fetch_optional(pool).await?
    });
    Ok(row.map(app_user))
}

/// Spends a refresh token of `app` for a new one in the same session
/// (rotation). A token that was already spent was stolen or replayed: its
/// whole session is revoked, and the caller gets 401.
pub async fn refresh(db: &Db, app: &AuthApp, token: &str) -> Result<SignedIn, AppUserError> {
    let hash = sha256_hex(token.trim().as_bytes());
    let next = new_refresh_token();
    let now = Utc::now();
    let outcome: Result<Id, AppUserError> = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        // The write comes first so that SQLite takes the write lock at once.
        let spent: Option<(Id, DateTime<Utc>)> = sqlx::query_as(
            "UPDATE custom_app_refresh_tokens SET spent_at = $1 WHERE token_hash = $2 AND spent_at IS NULL \
             RETURNING session_id, expires_at",
        )
        .bind(now)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((session, expires_at)) = spent else {
            // Unknown, or spent before: a replay revokes the session.
            let replayed: Option<(Id, Id)> = sqlx::query_as(
                "SELECT t.session_id, u.app_id FROM custom_app_refresh_tokens t \
                 JOIN custom_app_sessions s ON s.id = t.session_id JOIN custom_app_users u ON u.id = s.user_id \
                 WHERE t.token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((session, token_app)) = replayed {
                if token_app == app.id {
                    tracing::warn!(%session, "a rotated refresh token was presented again; revoking its session");
                    sqlx::query("UPDATE custom_app_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(session)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
            }
            return Err(AppUserError::InvalidRefreshToken);
        };
        let owner: Option<(Id, Id, bool, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT u.id, u.app_id, u.is_active, s.revoked_at FROM custom_app_sessions s \
             JOIN custom_app_users u ON u.id = s.user_id WHERE s.id = $1",
        )
        .bind(session)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user, token_app, active, revoked_at)) = owner else {
            return Err(AppUserError::InvalidRefreshToken);
        };
        if token_app != app.id || revoked_at.is_some() {
            // Another app's token stays unspent; a revoked session's is spent for nothing.
            return Err(AppUserError::InvalidRefreshToken);
        }
        if expires_at <= now {
            tx.commit().await?;
            return Err(AppUserError::RefreshTokenExpired);
        }
        if !active {
            return Err(AppUserError::UserGone);
        }
        sqlx::query(
            "INSERT INTO custom_app_refresh_tokens (token_hash, session_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(next.as_bytes()))
        .bind(session)
        .bind(now + Duration::days(REFRESH_TOKEN_DAYS))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Spent tokens are kept for reuse detection only while they could
        // still have been valid; older ones go, so a session stays small.
        sqlx::query(
            "DELETE FROM custom_app_refresh_tokens WHERE session_id = $1 AND spent_at IS NOT NULL AND expires_at < $2",
        )
        .bind(session)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(user)
    });
    let user = outcome?;
    let user = user_by_id(db, user).await?.ok_or(AppUserError::UserGone)?;
    Ok(SignedIn {
        user,
        refresh_token: next,
    })
}

/// Ends the session of `refresh_token` if it is `user`'s (logout on one
/// device). An unknown token changes nothing.
pub async fn logout(db: &Db, user: Id, refresh_token: &str) -> Result<(), sqlx::Error> {
    let hash = sha256_hex(refresh_token.trim().as_bytes());
    on_db!(db, |pool| {
        sqlx::query(
            "UPDATE custom_app_sessions SET revoked_at = $1 WHERE revoked_at IS NULL AND user_id = $2 \
             AND id = (SELECT session_id FROM custom_app_refresh_tokens WHERE token_hash = $3)",
        )
        .bind(Utc::now())
        .bind(user)
        .bind(&hash)
        .execute(pool)
        .await
        .map(|_| ())
    })
}

/// Turns a user off (every session revoked; access tokens stop at once,
/// since every request loads the user) or back on.
pub async fn set_active(db: &Db, app: Id, user: Id, active: bool) -> Result<AppUser, AppUserError> {
    let now = Utc::now();
    let found: bool = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        let n = sqlx::query(
            "UPDATE custom_app_users SET is_active = $1, updated_at = $2 WHERE id = $3 AND app_id = $4",
        )
        .bind(active)
        .bind(now)
        .bind(user)
        .bind(app)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 && !active {
            sqlx::query("UPDATE custom_app_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        n > 0
    });
    if !found {
        return Err(AppUserError::UserNotFound);
    }
    get_user(db, app, user)
        .await?
        .ok_or(AppUserError::UserNotFound)
}

/// Deletes a user with their sessions, refresh tokens and OAuth identities.
pub async fn delete_user(db: &Db, app: Id, user: Id) -> Result<(), AppUserError> {
    let n = on_db!(db, |pool| {
        sqlx::query("DELETE FROM custom_app_users WHERE id = $1 AND app_id = $2")
            .bind(user)
            .bind(app)
            .execute(pool)
            .await?
            .rows_affected()
    });
    if n == 0 {
        return Err(AppUserError::UserNotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_and_our_own_always_passes() {
        let app = AuthApp {
            id: Id::new(),
            tenant_id: Id::new(),
            slug: "abc".into(),
            access_mode: "external".into(),
            live_url: None,
            allowed_origins: vec!["http://localhost:3000".into()],
        };
        let host = Some("appbox.example:8080");
        assert!(app.check_origin(None, host).is_ok());
        assert!(app
            .check_origin(Some("http://localhost:3000"), host)
            .is_ok());
        assert!(app
            .check_origin(Some("http://appbox.example:8080"), host)
            .is_ok());
        for bad in [
            "http://localhost:8000",
            "https://localhost:3000",
            "http://appbox.example",
            "null",
        ] {
            assert!(app.check_origin(Some(bad), host).is_err(), "{bad}");
        }
        let open = AuthApp {
            allowed_origins: vec![],
            ..app
        };
        assert!(open
            .check_origin(Some("http://anything.example"), None)
            .is_ok());
    }

    #[test]
    fn input_rules_are_the_specs() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in ["", "ada", "@x.io", "ada@", "a da@x.io", "a@b@c", "ada@.io"] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@x.io", "a".repeat(251));
        assert!(normalize_email(&long).is_err());
        assert!(normalize_email(&format!("{}@x.io", "a".repeat(250))).is_ok());
        assert!(check_password("12345").is_err());
        assert!(check_password("123456").is_ok());
        assert!(check_password(&"x".repeat(128)).is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
        assert!(check_display_name(" ").is_err());
        assert!(check_display_name(&"王".repeat(100)).is_ok());
        assert!(check_display_name(&"王".repeat(101)).is_err());
    }
}
