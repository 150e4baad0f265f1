//! Publishing, for apps and integrations alike (spec 000 §3.8, spec 001 §9,
//! §10, §12): publish requests, their decisions, the publish history and
//! rollback.
//!
//! **The rule.** A publish is a *proposal*: the app's VFS version (none for
//! an integration, which publishes references only) and a snapshot of its
//! references (`table_name`, `columns`, `permissions`). A caller with
//! `builder.publish` publishes their proposal at once; a caller without it
//! files it as a pending request. Approving a request publishes exactly the
//! stored proposal — never the VFS or the references as they are at
//! approval time. While an app's request (one with a VFS version) is
//! pending, the app's files and publishing are locked (423, spec 001 §10);
//! references stay editable and go into the next proposal. One pending
//! request per app (a partial unique index).
//!
//! Every publish (direct, approval, rollback) is one transaction that sets
//! `custom_apps.published_version` — the one source of truth for what end
//! users get — writes the snapshot into the references' `published_*`
//! columns, and adds a row to `app_publications`, the history that
//! rollback draws on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use crate::builder::apps::{self, AppsError};
use crate::data::refs;
use crate::db::{is_unique_violation, Db, Id};
use crate::on_db;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// An integration's publish while a request is pending (spec 000 §8.1).
    #[error("已有 pending 發布申請")]
    PendingExists,
    #[error("Publish request not found or no longer pending")]
    RequestNotFound,
    #[error("Only the person who asked may cancel a publish request")]
    NotRequester,
    #[error("You filed this publish request, so another publisher must approve it; you may cancel it instead")]
    OwnRequest,
    #[error("reject_reason is required: tell the requester what to change")]
    ReasonRequired,
    #[error("{0} is longer than 2000 characters; shorten it")]
    TooLong(&'static str),
    #[error("Version {version} of this app was never published; GET /api/v1/builder/apps/{app}/publishes lists the versions you can roll back to")]
    NeverPublished { app: uuid::Uuid, version: i64 },
    /// Includes [`AppsError::Locked`]: an app's request is pending (423).
    #[error(transparent)]
    App(#[from] AppsError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One reference as proposed or published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefSnapshot {
    pub table_name: String,
    pub columns: Vec<String>,
    pub permissions: Vec<String>,
    /// Whether anonymous visitors read it through `/pub` (spec 001 §18.2);
    /// absent in proposals stored before it was part of the snapshot.
    #[serde(default)]
    pub is_public_readable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishRequest {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub requested_by: Option<uuid::Uuid>,
    pub note: String,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    /// The VFS version this request publishes; `null` for an integration
    /// (references only).
    pub vfs_version: Option<i64>,
    /// The reference snapshot this request publishes, as it was when the
    /// request was filed (`null` only for requests older than this field).
    pub references: Option<Vec<RefSnapshot>>,
    pub reject_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub decided_by: Option<uuid::Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

type RequestRow = (
    Id,
    Id,
    Option<Id>,
    String,
    String,
    Option<i64>,
    Option<Json<Vec<RefSnapshot>>>,
    Option<String>,
    Option<Id>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

const REQUEST_COLUMNS: &str =
    "id, app_id, requested_by, note, status, vfs_version, proposed_references, \
     reject_reason, decided_by, decided_at, created_at";

fn request_from_row(
    (
        id,
        app_id,
        requested_by,
        note,
        status,
        vfs_version,
        references,
        reject_reason,
        decided_by,
        decided_at,
        created_at,
    ): RequestRow,
) -> PublishRequest {
    PublishRequest {
        id: id.0,
        app_id: app_id.0,
        requested_by: requested_by.map(|i| i.0),
        note,
        status,
        vfs_version,
        references: references.map(|j| j.0),
        reject_reason,
        decided_by: decided_by.map(|i| i.0),
        decided_at,
        created_at,
    }
}

/// An app's requests, newest first.
pub async fn list_requests(
    db: &Db,
    tenant: Id,
    app: Id,
) -> Result<Vec<PublishRequest>, PublishError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM publish_requests WHERE app_id = $1 AND tenant_id = $2 ORDER BY created_at DESC, id");
    let rows: Vec<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(app)
        .bind(tenant)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(request_from_row).collect())
}

/// The app's pending request, if any.
pub async fn pending(db: &Db, tenant: Id, app: Id) -> Result<Option<PublishRequest>, PublishError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM publish_requests WHERE app_id = $1 AND tenant_id = $2 AND status = 'pending'");
    let row: Option<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(app)
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    Ok(row.map(request_from_row))
}

async fn request(
    db: &Db,
    tenant: Id,
    app: Id,
    request_id: &str,
) -> Result<PublishRequest, PublishError> {
    let id = uuid::Uuid::parse_str(request_id).map_err(|_| PublishError::RequestNotFound)?;
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM publish_requests WHERE id = $1 AND app_id = $2 AND tenant_id = $3");
    let row: Option<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(id))
        .bind(app)
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    row.map(request_from_row)
        .ok_or(PublishError::RequestNotFound)
}

/// The error for "a request is pending": 423 for an app (its files are
/// locked), 409 for an integration (spec 000 §8.1).
fn busy(app: Id, request: uuid::Uuid, vfs_version: Option<i64>) -> PublishError {
    match vfs_version {
        Some(version) => PublishError::App(AppsError::Locked {
            app: app.0,
            request,
            version,
        }),
        None => PublishError::PendingExists,
    }
}

/// Refuses with 423 (or 409, see [`busy`]) while a request is pending.
pub async fn ensure_unlocked(db: &Db, tenant: Id, app: Id) -> Result<(), PublishError> {
    match pending(db, tenant, app).await? {
        Some(p) => Err(busy(app, p.id, p.vfs_version)),
        None => Ok(()),
    }
}

/// `table_name, columns, permissions, is_public_readable` of a reference.
type LiveRefRow = (String, Json<Vec<String>>, Json<Vec<String>>, bool);

/// The app's references as they are now.
async fn live_snapshot(db: &Db, tenant: Id, app: Id) -> Result<Vec<RefSnapshot>, sqlx::Error> {
    let rows: Vec<LiveRefRow> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT table_name, columns, permissions, is_public_readable FROM app_data_references \
             WHERE app_id = $1 AND tenant_id = $2 ORDER BY table_name",
        )
        .bind(app)
        .bind(tenant)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(table_name, columns, permissions, is_public_readable)| RefSnapshot {
                table_name,
                columns: columns.0,
                permissions: permissions.0,
                is_public_readable,
            },
        )
        .collect())
}

/// Longest note or rejection reason a request keeps.
const MAX_TEXT_CHARS: usize = 2000;

/// Publishes the app's current proposal — `vfs_version` (an app; the
/// caller has compiled it) or none (an integration) with its references as
/// they are now — at once when `direct`, else as a pending request.
/// Answers the request (`approved` or `pending`).
pub async fn publish(
    db: &Db,
    tenant: Id,
    app: Id,
    user: Id,
    note: &str,
    vfs_version: Option<i64>,
    direct: bool,
) -> Result<PublishRequest, PublishError> {
    if note.chars().count() > MAX_TEXT_CHARS {
        return Err(PublishError::TooLong("note"));
    }
    ensure_unlocked(db, tenant, app).await?;
    let references = live_snapshot(db, tenant, app).await?;
    let id = Id::new();
    if direct {
        commit(
            db,
            Change {
                tenant,
                app,
                vfs_version,
                references: &references,
                action: "publish",
                request: RequestChange::Insert { id, note },
                requested_by: Some(user),
                published_by: user,
            },
        )
        .await?;
    } else {
        let inserted = on_db!(db, |pool| {
            sqlx::query(
                "INSERT INTO publish_requests (id, tenant_id, app_id, requested_by, note, status, vfs_version, proposed_references, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)",
            )
            .bind(id)
            .bind(tenant)
            .bind(app)
            .bind(user)
            .bind(note)
            .bind(vfs_version)
            .bind(Json(&references))
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ())
        });
        match inserted {
            // Another request was filed meanwhile.
            Err(e) if is_unique_violation(&e) => {
                ensure_unlocked(db, tenant, app).await?;
                return Err(PublishError::PendingExists);
            }
            other => other?,
        }
    }
    request(db, tenant, app, &id.to_string()).await
}

/// How a pending request ends.
pub enum Decision {
    /// By a publisher other than the requester.
    Approve,
    /// By a publisher, with a reason.
    Reject(String),
    /// By the requester.
    Cancel,
}

/// Ends a pending request; an approval publishes the stored proposal.
/// The caller checks `builder.publish` for approve and reject.
pub async fn decide(
    db: &Db,
    tenant: Id,
    app: Id,
    request_id: &str,
    user: Id,
    decision: Decision,
) -> Result<PublishRequest, PublishError> {
    let current = request(db, tenant, app, request_id).await?;
    if current.status != "pending" {
        return Err(PublishError::RequestNotFound);
    }
    let (status, reason) = match decision {
        Decision::Approve => {
            if current.requested_by == Some(user.0) {
                return Err(PublishError::OwnRequest);
            }
            // Requests filed before proposals were stored publish the
            // live references, as they always did.
            let references = match current.references {
                Some(references) => references,
                None => live_snapshot(db, tenant, app).await?,
            };
            commit(
                db,
                Change {
                    tenant,
                    app,
                    vfs_version: current.vfs_version,
                    references: &references,
                    action: "approve",
                    request: RequestChange::Approve { id: Id(current.id) },
                    requested_by: current.requested_by.map(Id),
                    published_by: user,
                },
            )
            .await?;
            return request(db, tenant, app, request_id).await;
        }
        Decision::Reject(reason) => {
            let reason = reason.trim().to_owned();
            if reason.is_empty() {
                return Err(PublishError::ReasonRequired);
            }
            if reason.chars().count() > MAX_TEXT_CHARS {
                return Err(PublishError::TooLong("reject_reason"));
            }
            ("rejected", Some(reason))
        }
        Decision::Cancel => {
            if current.requested_by != Some(user.0) {
                return Err(PublishError::NotRequester);
            }
            ("cancelled", None)
        }
    };
    // Only a still-pending request changes, so two deciders cannot both win.
    let changed = on_db!(db, |pool| {
        sqlx::query(
            "UPDATE publish_requests SET status = $1, reject_reason = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $5 AND tenant_id = $6 AND status = 'pending'",
        )
        .bind(status)
        .bind(&reason)
        .bind(user)
        .bind(Utc::now())
        .bind(Id(current.id))
        .bind(tenant)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(PublishError::RequestNotFound);
    }
    request(db, tenant, app, request_id).await
}

/// Republishes `version`, which must have been published before, with the
/// references it was last published with. The working copy is untouched.
/// The caller checks `builder.publish`.
pub async fn rollback(
    db: &Db,
    tenant: Id,
    app: Id,
    user: Id,
    version: i64,
) -> Result<(), PublishError> {
    ensure_unlocked(db, tenant, app).await?;
    let earlier: Option<(Json<Vec<RefSnapshot>>,)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT refs FROM app_publications WHERE app_id = $1 AND tenant_id = $2 AND vfs_version = $3 \
             ORDER BY published_at DESC LIMIT 1",
        )
        .bind(app)
        .bind(tenant)
        .bind(version)
        .fetch_optional(pool)
        .await?
    });
    let Some((references,)) = earlier else {
        return Err(PublishError::NeverPublished {
            app: app.0,
            version,
        });
    };
    commit(
        db,
        Change {
            tenant,
            app,
            vfs_version: Some(version),
            references: &references.0,
            action: "rollback",
            request: RequestChange::None,
            requested_by: None,
            published_by: user,
        },
    )
    .await
}

enum RequestChange<'a> {
    /// A direct publish: recorded as an approved request.
    Insert {
        id: Id,
        note: &'a str,
    },
    /// The approval of this pending request.
    Approve {
        id: Id,
    },
    None,
}

struct Change<'a> {
    tenant: Id,
    app: Id,
    vfs_version: Option<i64>,
    references: &'a [RefSnapshot],
    /// `publish`, `approve` or `rollback`.
    action: &'static str,
    request: RequestChange<'a>,
    requested_by: Option<Id>,
    published_by: Id,
}

/// Makes `p` what end users get, in one transaction: the request's state,
/// `custom_apps.published_version`, the references' published snapshot
/// (references missing from the snapshot become unpublished), the history.
async fn commit(db: &Db, p: Change<'_>) -> Result<(), PublishError> {
    let now = Utc::now();
    let request_id = match p.request {
        RequestChange::Insert { id, .. } | RequestChange::Approve { id } => Some(id),
        RequestChange::None => None,
    };
    on_db!(db, |pool| {
        // Every branch starts with a write, so SQLite takes its write lock
        // up front.
        let mut tx = pool.begin().await?;
        match p.request {
            RequestChange::Insert { id, note } => {
                sqlx::query(
                    "INSERT INTO publish_requests (id, tenant_id, app_id, requested_by, note, status, vfs_version, \
                     proposed_references, decided_by, decided_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'approved', $6, $7, $4, $8, $8)",
                )
                .bind(id)
                .bind(p.tenant)
                .bind(p.app)
                .bind(p.published_by)
                .bind(note)
                .bind(p.vfs_version)
                .bind(Json(p.references))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            RequestChange::Approve { id } => {
                let changed = sqlx::query(
                    "UPDATE publish_requests SET status = 'approved', decided_by = $1, decided_at = $2 \
                     WHERE id = $3 AND app_id = $4 AND tenant_id = $5 AND status = 'pending'",
                )
                .bind(p.published_by)
                .bind(now)
                .bind(id)
                .bind(p.app)
                .bind(p.tenant)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(PublishError::RequestNotFound);
                }
            }
            RequestChange::None => {}
        }
        // A direct publish or a rollback never overtakes a request filed
        // since the caller's check: seen here, under the transaction.
        if !matches!(p.request, RequestChange::Approve { .. }) {
            let filed: Option<(Id, Option<i64>)> = sqlx::query_as(
                "SELECT id, vfs_version FROM publish_requests \
                 WHERE app_id = $1 AND tenant_id = $2 AND status = 'pending'",
            )
            .bind(p.app)
            .bind(p.tenant)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((request, vfs_version)) = filed {
                return Err(busy(p.app, request.0, vfs_version));
            }
        }
        let updated = match p.vfs_version {
            Some(version) => sqlx::query(
                "UPDATE custom_apps SET status = 'published', published_version = $1, published_at = $2, \
                 updated_at = $2 WHERE id = $3 AND tenant_id = $4",
            )
            .bind(version)
            .bind(now)
            .bind(p.app)
            .bind(p.tenant)
            .execute(&mut *tx)
            .await?,
            None => sqlx::query(
                "UPDATE custom_apps SET published_at = $1, updated_at = $1 WHERE id = $2 AND tenant_id = $3",
            )
            .bind(now)
            .bind(p.app)
            .bind(p.tenant)
            .execute(&mut *tx)
            .await?,
        };
        if updated.rows_affected() == 0 {
            return Err(PublishError::App(AppsError::NotFound));
        }
        let existing: Vec<(Id, String)> = sqlx::query_as(
            "SELECT id, table_name FROM app_data_references WHERE app_id = $1 AND tenant_id = $2",
        )
        .bind(p.app)
        .bind(p.tenant)
        .fetch_all(&mut *tx)
        .await?;
        for (ref_id, table) in existing {
            match p.references.iter().find(|r| r.table_name == table) {
                Some(snapshot) => {
                    sqlx::query(
                        "UPDATE app_data_references SET published_columns = $1, published_permissions = $2, \
                         published_at = $3, published_is_public_readable = $6 WHERE id = $4 AND tenant_id = $5",
                    )
                    .bind(Json(&snapshot.columns))
                    .bind(Json(&snapshot.permissions))
                    .bind(now)
                    .bind(ref_id)
                    .bind(p.tenant)
                    .bind(snapshot.is_public_readable)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "UPDATE app_data_references SET published_columns = NULL, published_permissions = NULL, \
                         published_at = NULL, published_is_public_readable = NULL WHERE id = $1 AND tenant_id = $2",
                    )
                    .bind(ref_id)
                    .bind(p.tenant)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::query(
            "INSERT INTO app_publications (id, tenant_id, app_id, vfs_version, refs, action, request_id, \
             requested_by, published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Id::new())
        .bind(p.tenant)
        .bind(p.app)
        .bind(p.vfs_version)
        .bind(Json(p.references))
        .bind(p.action)
        .bind(request_id)
        .bind(p.requested_by)
        .bind(p.published_by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    refs::forget_access();
    Ok(())
}

/// One entry of an app's publish history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Publication {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    /// The VFS version published; `null` for a references-only publish
    /// (an integration).
    pub vfs_version: Option<i64>,
    /// The references as published.
    pub references: Vec<RefSnapshot>,
    /// `publish` (direct), `approve` (an approved request) or `rollback`.
    pub action: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub request_id: Option<uuid::Uuid>,
    pub requested_by_email: Option<String>,
    /// Who published: the publisher, the approver, or who rolled back.
    pub published_by_email: Option<String>,
    pub published_at: DateTime<Utc>,
    /// This entry is what end users get now.
    pub is_current: bool,
}

type PublicationRow = (
    Id,
    Option<i64>,
    Json<Vec<RefSnapshot>>,
    String,
    Option<Id>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
);

/// An app's publishes, newest first.
pub async fn list_publications(
    db: &Db,
    tenant: Id,
    app: Id,
) -> Result<Vec<Publication>, PublishError> {
    let rows: Vec<PublicationRow> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT p.id, p.vfs_version, p.refs, p.action, p.request_id, r.email, u.email, p.published_at \
             FROM app_publications p LEFT JOIN users r ON r.id = p.requested_by \
             LEFT JOIN users u ON u.id = p.published_by \
             WHERE p.app_id = $1 AND p.tenant_id = $2 ORDER BY p.published_at DESC, p.id",
        )
        .bind(app)
        .bind(tenant)
        .fetch_all(pool)
        .await?
    });
    let current = apps::find_app(db, Some(tenant), &app.to_string())
        .await?
        .published_version;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(
            |(i, (id, vfs_version, references, action, request_id, requested, published, at))| {
                Publication {
                    id: id.0,
                    vfs_version,
                    references: references.0,
                    action,
                    request_id: request_id.map(|r| r.0),
                    requested_by_email: requested,
                    published_by_email: published,
                    published_at: at,
                    is_current: i == 0 && vfs_version == current,
                }
            },
        )
        .collect())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishStatus {
    /// The caller has `builder.publish` (publishes at once, approves).
    pub can_publish: bool,
    /// A request is pending: publishing (and an app's file writes) wait.
    pub is_locked: bool,
    pub pending_request: Option<PublishRequest>,
    pub published_at: Option<DateTime<Utc>>,
    /// The VFS version end users get; `null` until published.
    pub published_version: Option<i64>,
}

pub async fn status(
    db: &Db,
    tenant: Id,
    app: Id,
    may_publish: bool,
) -> Result<PublishStatus, PublishError> {
    let pending_request = pending(db, tenant, app).await?;
    let record = apps::find_app(db, Some(tenant), &app.to_string()).await?;
    Ok(PublishStatus {
        can_publish: may_publish,
        is_locked: pending_request.is_some(),
        pending_request,
        published_at: record.published_at,
        published_version: record.published_version,
    })
}
