//! Which app an anonymous `/pub` call reaches (spec 001 §18.2): one that
//! exists, is published, is external or self-built, and allows anonymous
//! access. Its tables and references are checked later, each by its own
//! public flag (`custom_tables`, `proxy`).

use crate::builder::apps::{self, AccessMode, AppRecord, AppsError};
use crate::db::{Db, Id};

#[derive(Debug, thiserror::Error)]
pub enum PublicError {
    /// 404 (spec 001 §18.9): no such slug, or not published yet.
    #[error("App 不存在或尚未發布: check the slug, and publish the app")]
    NotFound,
    /// 403 (§18.9): the app exists but anonymous visitors are not let in.
    #[error("此 App 未開放匿名存取: a builder sets allow_anonymous_access on an external or self-built app")]
    NotAnonymous,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The app behind a `/pub` slug.
#[derive(Debug, Clone, Copy)]
pub struct PublicApp {
    pub tenant: Id,
    pub app: Id,
}

pub async fn find(db: &Db, slug: &str) -> Result<PublicApp, PublicError> {
    let app: AppRecord = match apps::find_app(db, None, slug).await {
        Ok(app) => app,
        Err(AppsError::Database(e)) => return Err(PublicError::Database(e)),
        Err(_) => return Err(PublicError::NotFound),
    };
    if app.published_version.is_none() {
        return Err(PublicError::NotFound);
    }
    if !app.allow_anonymous_access || app.access_mode == AccessMode::Internal {
        return Err(PublicError::NotAnonymous);
    }
    Ok(PublicApp {
        tenant: Id(app.tenant_id),
        app: Id(app.id),
    })
}
