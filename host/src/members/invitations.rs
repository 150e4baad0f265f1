//! Invitations (spec 001 §17.4-§17.5): a builder invites one e-mail into
//! their organisation through one internal app's login page, with the
//! roles to grant. The token is shown once; only its SHA-256 is stored.
//! It expires after [`INVITATION_DAYS`] and works once: accepting creates
//! the user with the invitation's e-mail (whatever else the request says)
//! and marks it spent, in one transaction.

use chrono::{DateTime, Duration, Utc};
use sqlx::types::Json;

use super::{resolve_roles, MemberError};
use crate::accounts::{self, on_hashing_thread, random_hex, sha256_hex, Principal};
use crate::builder::apps::{AccessMode, AppRecord};
use crate::db::{is_unique_violation, Db, Id};
use crate::on_db;

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
/// Longest name accepted for an invitee.
pub const MAX_NAME_CHARS: usize = 100;

/// A new invitation's token (shown once) and when it stops working.
pub struct Created {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// An open invitation, as the app's login page shows it.
pub struct Invitation {
    pub email: String,
    pub name: String,
    /// The inviter's name (their e-mail when they have none).
    pub inviter: String,
    pub organization: String,
    pub app_id: Id,
}

fn valid_name(name: &str) -> Result<String, MemberError> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(MemberError::Invalid(format!(
            "name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// Invites `email` into `inviter`'s organisation through `app` (found in
/// the inviter's tenant by the caller) with `role_names`.
pub async fn create(
    db: &Db,
    inviter: &Principal,
    app: &AppRecord,
    email: &str,
    name: &str,
    role_names: &[String],
) -> Result<Created, MemberError> {
    let email = accounts::normalize_email(email)?;
    let name = valid_name(name)?;
    if app.access_mode != AccessMode::Internal {
        return Err(MemberError::Invalid(format!(
            "app {} is {}: only internal apps have an /app-login page; external apps' users sign up themselves",
            app.slug,
            app.access_mode.as_str()
        )));
    }
    let roles = resolve_roles(db, inviter.tenant_id, role_names).await?;
    for (role, role_name) in &roles {
        let permissions: Vec<String> = on_db!(db, |pool| {
            sqlx::query_scalar("SELECT permission FROM role_permissions WHERE role_id = $1")
                .bind(*role)
                .fetch_all(pool)
                .await?
        });
        if permissions.iter().any(|p| !inviter.has(p)) {
            return Err(MemberError::RoleAboveInviter(role_name.clone()));
        }
    }
    let exists: Option<Id> = on_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(pool)
            .await?
    });
    if exists.is_some() {
        return Err(MemberError::AlreadyMember(email, app.slug.clone()));
    }
    let token = random_hex(32);
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITATION_DAYS);
    let names: Vec<String> = roles.into_iter().map(|(_, n)| n).collect();
    on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO invitations (id, tenant_id, app_id, email, name, role_names, token_hash, invited_by, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Id::new())
        .bind(inviter.tenant_id)
        .bind(Id(app.id))
        .bind(&email)
        .bind(&name)
        .bind(Json(&names))
        .bind(sha256_hex(token.as_bytes()))
        .bind(inviter.user_id)
        .bind(expires_at)
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(Created { token, expires_at })
}

/// The open invitation of `token` (not spent, not expired).
pub async fn find(db: &Db, token: &str) -> Result<Option<Invitation>, sqlx::Error> {
    type Row = (String, String, String, String, Id, DateTime<Utc>);
    let row: Option<Row> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT i.email, i.name, COALESCE(NULLIF(u.name, ''), u.email, ''), t.name, i.app_id, i.expires_at \
             FROM invitations i JOIN tenants t ON t.id = i.tenant_id LEFT JOIN users u ON u.id = i.invited_by \
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL",
        )
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(pool)
        .await?
    });
    Ok(row.filter(|row| row.5 > Utc::now()).map(
        |(email, name, inviter, organization, app_id, _)| Invitation {
            email,
            name,
            inviter,
            organization,
            app_id,
        },
    ))
}

/// Spends `token`: creates the invited user (the invitation's e-mail,
/// `name` or the invitation's, `password`, its roles) and answers their id
/// and the app they were invited to.
pub async fn accept(
    db: &Db,
    token: &str,
    name: &str,
    password: &str,
) -> Result<(Id, Id), MemberError> {
    let name = valid_name(name)?;
    let password = password.to_owned();
    let password_hash = on_hashing_thread(move || accounts::hash_password(&password)).await??;
    let now = Utc::now();
    let user_id = Id::new();
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        type Claimed = (Id, Id, String, String, Json<Vec<String>>, DateTime<Utc>);
        let claimed: Option<Claimed> = sqlx::query_as(
            "UPDATE invitations SET accepted_at = $2 WHERE token_hash = $1 AND accepted_at IS NULL \
             RETURNING tenant_id, app_id, email, name, role_names, expires_at",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((tenant, app, email, invited_name, Json(roles), expires_at)) = claimed else {
            return Err(MemberError::InvalidInvitation);
        };
        if expires_at <= now {
            return Err(MemberError::InvalidInvitation);
        }
        let name = if name.is_empty() { invited_name } else { name };
        sqlx::query(
            "INSERT INTO users (id, tenant_id, email, name, password_hash, is_active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6)",
        )
        .bind(user_id)
        .bind(tenant)
        .bind(&email)
        .bind(&name)
        .bind(&password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                MemberError::InvalidInvitation
            } else {
                e.into()
            }
        })?;
        // By name: a role deleted since the invitation is simply not granted.
        for role in &roles {
            sqlx::query(
                "INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE tenant_id = $2 AND name = $3",
            )
            .bind(user_id)
            .bind(tenant)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((user_id, app))
    })
}
