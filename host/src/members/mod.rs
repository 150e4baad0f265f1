//! Members of internal apps (spec 001 §17): who may open an app (its role
//! allow-list and the three check-access reasons), invitations that add a
//! member through an app's login page, password reset links, and the mail
//! that carries them.
//!
//! - this file: the allow-list and [`refusal`], the one access rule that
//!   check-access, the runtime page and members' data calls share;
//! - [`invitations`]: invitations (hashed, expiring, single use);
//! - [`passwords`]: reset links (hashed, expiring, single use);
//! - [`mail`]: SMTP or the outbox folder.
//!
//! Plain functions over [`Db`]; no HTTP types.

pub mod invitations;
pub mod mail;
pub mod passwords;

use crate::accounts::{AccountError, Principal};
use crate::builder::apps::AppRecord;
use crate::db::{Db, Id};
use crate::on_db;

/// Most roles an allow-list or an invitation may name.
pub const MAX_ROLES: usize = 20;
/// Longest role name accepted in a request (before any lookup).
const MAX_ROLE_NAME_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("no role {0:?} in this organisation; GET /api/v1/auth/me shows the roles, admin, builder and member always exist")]
    UnknownRole(String),
    #[error("{0}")]
    Invalid(String),
    #[error("you cannot grant the role {0:?}: it has permissions you do not have; ask an admin to send this invitation")]
    RoleAboveInviter(String),
    #[error("邀請連結無效:the invitation does not exist, has expired or was already used; ask for a new one")]
    InvalidInvitation,
    #[error("重設連結無效:the reset link does not exist, has expired or was already used; ask for a new one")]
    InvalidResetLink,
    #[error("{0} already has an account: they sign in on /app-login/{1}")]
    AlreadyMember(String, String),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Why a signed-in platform user may not open an app: the three checks of
/// check-access (spec 001 §17.3), in its order and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotPublished,
    OtherTenant,
    RoleNotAllowed,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotPublished => "App 不存在或尚未發布",
            Refusal::OtherTenant => "您的帳號不屬於此應用所屬的組織",
            Refusal::RoleNotAllowed => "您的角色不在此應用的允許名單內",
        }
    }
}

/// Whether `user` may open `app` (`None`: they may). An app without an
/// allow-list is open to every role of its tenant.
pub async fn refusal(
    db: &Db,
    user: &Principal,
    app: &AppRecord,
) -> Result<Option<Refusal>, sqlx::Error> {
    if app.status != "published" {
        return Ok(Some(Refusal::NotPublished));
    }
    if Id(app.tenant_id) != user.tenant_id {
        return Ok(Some(Refusal::OtherTenant));
    }
    let (listed, held): (i64, i64) = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM app_allowed_roles WHERE app_id = $1), \
                    (SELECT COUNT(*) FROM app_allowed_roles a JOIN user_roles ur ON ur.role_id = a.role_id \
                     WHERE a.app_id = $1 AND ur.user_id = $2)",
        )
        .bind(Id(app.id))
        .bind(user.user_id)
        .fetch_one(pool)
        .await?
    });
    Ok((listed > 0 && held == 0).then_some(Refusal::RoleNotAllowed))
}

/// The roles on `app`'s allow-list by name; `None` when it has none (open
/// to every role of its tenant).
pub async fn allowed_roles(db: &Db, app: Id) -> Result<Option<Vec<String>>, sqlx::Error> {
    let names: Vec<String> = on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT r.name FROM app_allowed_roles a JOIN roles r ON r.id = a.role_id \
             WHERE a.app_id = $1 ORDER BY r.name",
        )
        .bind(app)
        .fetch_all(pool)
        .await?
    });
    Ok((!names.is_empty()).then_some(names))
}

/// Replaces `app`'s allow-list (`None`: open to every role). Every name
/// must be a role of `tenant`; the app must be the caller's (checked by
/// the handler, which found it in the caller's tenant).
pub async fn set_allowed_roles(
    db: &Db,
    tenant: Id,
    app: Id,
    names: Option<&[String]>,
) -> Result<Option<Vec<String>>, MemberError> {
    let roles = match names {
        None => Vec::new(),
        Some([]) => {
            return Err(MemberError::Invalid(
                "role_ids is empty, which would lock everyone out; name at least one role, or send null to open the app to every role".into(),
            ))
        }
        Some(names) => resolve_roles(db, tenant, names).await?,
    };
    on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM app_allowed_roles WHERE app_id = $1")
            .bind(app)
            .execute(&mut *tx)
            .await?;
        for (role, _) in &roles {
            sqlx::query("INSERT INTO app_allowed_roles (app_id, role_id) VALUES ($1, $2)")
                .bind(app)
                .bind(*role)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(allowed_roles(db, app).await?)
}

/// The ids of the named roles of `tenant`, without repeats; bounded and
/// checked before any lookup.
pub(crate) async fn resolve_roles(
    db: &Db,
    tenant: Id,
    names: &[String],
) -> Result<Vec<(Id, String)>, MemberError> {
    if names.len() > MAX_ROLES {
        return Err(MemberError::Invalid(format!(
            "at most {MAX_ROLES} roles may be named"
        )));
    }
    let mut roles: Vec<(Id, String)> = Vec::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_ROLE_NAME_CHARS {
            return Err(MemberError::UnknownRole(name.to_owned()));
        }
        if roles.iter().any(|(_, n)| n == name) {
            continue;
        }
        let id: Option<Id> = on_db!(db, |pool| {
            sqlx::query_scalar("SELECT id FROM roles WHERE tenant_id = $1 AND name = $2")
                .bind(tenant)
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        let id = id.ok_or_else(|| MemberError::UnknownRole(name.to_owned()))?;
        roles.push((id, name.to_owned()));
    }
    Ok(roles)
}
