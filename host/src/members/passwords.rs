//! Password reset links for platform users (spec 001 §17.7): a random
//! token, stored as its SHA-256, working once and for [`RESET_MINUTES`].
//! Setting the new password also revokes the user's refresh tokens, so a
//! session someone else holds ends with the reset.

use chrono::{DateTime, Duration, Utc};

use super::MemberError;
use crate::accounts::{self, on_hashing_thread, random_hex, sha256_hex};
use crate::db::{Db, Id};
use crate::on_db;

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;

/// A reset token for the active user with `email`, or `None` when there is
/// no such user (the caller answers the same either way).
pub async fn request(db: &Db, email: &str) -> Result<Option<String>, sqlx::Error> {
    let email = email.trim().to_lowercase();
    let user: Option<Id> = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND is_active = TRUE")
            .bind(&email)
            .fetch_optional(pool)
            .await?
    });
    let Some(user) = user else {
        return Ok(None);
    };
    let token = random_hex(32);
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(user)
        .bind(now + Duration::minutes(RESET_MINUTES))
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(Some(token))
}

/// Spends `token` and sets `password` (at least 8 characters).
pub async fn reset(db: &Db, token: &str, password: &str) -> Result<(), MemberError> {
    let password = password.to_owned();
    let hash = on_hashing_thread(move || accounts::hash_password(&password)).await??;
    let now = Utc::now();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        let claimed: Option<(Id, DateTime<Utc>)> = sqlx::query_as(
            "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
             RETURNING user_id, expires_at",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match claimed {
            Some((user, expires_at)) if expires_at > now => user,
            _ => return Err(MemberError::InvalidResetLink),
        };
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(user)
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    })
}
