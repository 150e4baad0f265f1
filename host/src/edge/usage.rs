//! `usage_events`: one row per anonymous `/pub` call (spec 001 §18.7), and
//! the per-tenant totals builders read (`GET /api/v1/builder/usage`).
//!
//! Retention: rows older than [`KEEP_DAYS`] days are deleted, checked on
//! every [`PRUNE_EVERY`]th write.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::db::{Db, Id};
use crate::on_db;

pub const KEEP_DAYS: i64 = 90;
const PRUNE_EVERY: u64 = 1024;

/// Which `/pub` surface a call used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Data,
    Proxy,
    Actions,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Data => "pub.data",
            Kind::Proxy => "pub.proxy",
            Kind::Actions => "pub.actions",
        }
    }
}

/// Records one call of `app` (whose tenant is `tenant`) answered with `status`.
pub async fn record(
    db: &Db,
    tenant: Id,
    app: Id,
    kind: Kind,
    status: u16,
) -> Result<(), sqlx::Error> {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO usage_events (id, tenant_id, app_id, kind, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Id::new())
        .bind(tenant)
        .bind(app)
        .bind(kind.as_str())
        .bind(i32::from(status))
        .bind(now)
        .execute(pool)
        .await?;
        if WRITES.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            sqlx::query("DELETE FROM usage_events WHERE created_at < $1")
                .bind(now - Duration::days(KEEP_DAYS))
                .execute(pool)
                .await?;
        }
    });
    Ok(())
}

/// A tenant's `/pub` calls since a moment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PubUsage {
    /// Every call recorded.
    pub total: i64,
    /// Calls by surface: `pub.data`, `pub.proxy`, `pub.actions`.
    pub by_kind: BTreeMap<String, i64>,
    /// Calls answered with an error status (4xx, 5xx).
    pub errors: i64,
    /// Calls by app, most first.
    pub by_app: Vec<AppUsage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppUsage {
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub total: i64,
}

/// The tenant's `/pub` totals since `since`.
pub async fn pub_totals(
    db: &Db,
    tenant: Id,
    since: DateTime<Utc>,
) -> Result<PubUsage, sqlx::Error> {
    let rows: Vec<(Id, String, bool, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT app_id, kind, status >= 400, COUNT(*) FROM usage_events \
         WHERE tenant_id = $1 AND created_at >= $2 GROUP BY app_id, kind, status >= 400"
    )
    .bind(tenant)
    .bind(since)
    .fetch_all(pool)
    .await?);
    let mut usage = PubUsage {
        total: 0,
        by_kind: BTreeMap::new(),
        errors: 0,
        by_app: Vec::new(),
    };
    let mut by_app: BTreeMap<uuid::Uuid, i64> = BTreeMap::new();
    for (app, kind, failed, count) in rows {
        usage.total += count;
        *usage.by_kind.entry(kind).or_default() += count;
        if failed {
            usage.errors += count;
        }
        *by_app.entry(app.0).or_default() += count;
    }
    usage.by_app = by_app
        .into_iter()
        .map(|(app_id, total)| AppUsage { app_id, total })
        .collect();
    usage
        .by_app
        .sort_by(|a, b| b.total.cmp(&a.total).then(a.app_id.cmp(&b.app_id)));
    Ok(usage)
}
