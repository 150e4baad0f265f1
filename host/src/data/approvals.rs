//! Approval workflows over proxy writes (spec 000 §5.7, spec 001 §7).
//!
//! A workflow names a table and an operation. A matching insert is written
//! and flagged (insert-then-flag, so the caller gets an id); a matching
//! update or delete is held (pre-guard): nothing changes until the last
//! level approves, and the held payload lives in the request. On the final
//! decision the workflow's state callback (`approved_state_field` =
//! `approved_state_value` / `rejected_state_value`) is applied in the same
//! transaction as the decision. With `allow_api_bypass`, API-key callers
//! write at once and an audit row records it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::types::Json;

use crate::db::{Db, Id};
use crate::on_db;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("Approval workflow not found")]
    WorkflowNotFound,
    #[error("Approval request not found")]
    RequestNotFound,
    #[error("This request was already decided")]
    AlreadyDecided,
    #[error(
        "You already approved a level of this request; another approver must approve the next"
    )]
    AlreadyApprovedByYou,
    #[error("This is your own request: another approver must decide on it")]
    OwnRequest,
    #[error("A workflow for {0} already exists; change it instead")]
    Duplicate(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Who asked for a held write.
#[derive(Debug, Clone, Copy)]
pub enum Requester {
    User(Id),
    Key(Id),
    /// An app user through `/ext`: neither a platform user nor a key, so
    /// the request records no requester (they can never approve anyway).
    AppUser(Id),
}

/// An operation a workflow guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Insert,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    fn parse(text: &str) -> Operation {
        match text {
            "insert" => Operation::Insert,
            "update" => Operation::Update,
            _ => Operation::Delete,
        }
    }

    /// The words of a held request (spec 001 §7).
    pub fn pending_message(self, levels: i64) -> String {
        let what = match self {
            Operation::Insert => "此操作",
            Operation::Update => "此更新",
            Operation::Delete => "此刪除",
        };
        format!("{what}需要簽核審批({levels} 層),已建立申請")
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Workflow {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub table_name: String,
    pub operation: Operation,
    pub levels: i64,
    pub approved_state_field: Option<String>,
    pub approved_state_value: Option<String>,
    pub rejected_state_value: Option<String>,
    pub allow_api_bypass: bool,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A workflow as a request defines or changes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct WorkflowSpec {
    pub table_name: Option<String>,
    pub operation: Option<Operation>,
    pub levels: Option<i64>,
    pub approved_state_field: Option<String>,
    pub approved_state_value: Option<String>,
    pub rejected_state_value: Option<String>,
    pub allow_api_bypass: Option<bool>,
    pub is_active: Option<bool>,
}

type WorkflowRow = (
    Id,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    bool,
    DateTime<Utc>,
    DateTime<Utc>,
);

const WORKFLOW_COLUMNS: &str = "id, table_name, operation, levels, approved_state_field, approved_state_value, rejected_state_value, \
     allow_api_bypass, is_active, created_at, updated_at";

fn workflow_from_row(row: WorkflowRow) -> Workflow {
    let (
        id,
        table_name,
        operation,
        levels,
        field,
        approved,
        rejected,
        allow_api_bypass,
        is_active,
        created_at,
        updated_at,
    ) = row;
    Workflow {
        id: id.0,
        table_name,
        operation: Operation::parse(&operation),
        levels,
        approved_state_field: field,
        approved_state_value: approved,
        rejected_state_value: rejected,
        allow_api_bypass,
        is_active,
        created_at,
        updated_at,
    }
}

pub async fn list_workflows(db: &Db, tenant: Id) -> Result<Vec<Workflow>, ApprovalError> {
    let sql = format!("SELECT {WORKFLOW_COLUMNS} FROM approval_workflows WHERE tenant_id = $1 ORDER BY table_name, operation");
    let rows: Vec<WorkflowRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(workflow_from_row).collect())
}

async fn get_workflow(db: &Db, tenant: Id, id: &str) -> Result<Workflow, ApprovalError> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApprovalError::WorkflowNotFound)?;
    let sql = format!(
        "SELECT {WORKFLOW_COLUMNS} FROM approval_workflows WHERE id = $1 AND tenant_id = $2"
    );
    let row: Option<WorkflowRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(id))
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    row.map(workflow_from_row)
        .ok_or(ApprovalError::WorkflowNotFound)
}

/// The active workflow guarding `operation` on `table`, if any.
pub async fn active_workflow(
    db: &Db,
    tenant: Id,
    table: &str,
    operation: Operation,
) -> Result<Option<Workflow>, sqlx::Error> {
    let sql = format!(
        "SELECT {WORKFLOW_COLUMNS} FROM approval_workflows WHERE tenant_id = $1 AND table_name = $2 AND operation = $3 AND is_active"
    );
    let row: Option<WorkflowRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .bind(table)
        .bind(operation.as_str())
        .fetch_optional(pool)
        .await?);
    Ok(row.map(workflow_from_row))
}

/// Every active workflow of a table, whatever its operation.
pub async fn active_workflows(
    db: &Db,
    tenant: Id,
    table: &str,
) -> Result<Vec<Workflow>, sqlx::Error> {
    let sql = format!(
        "SELECT {WORKFLOW_COLUMNS} FROM approval_workflows WHERE tenant_id = $1 AND table_name = $2 AND is_active"
    );
    let rows: Vec<WorkflowRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .bind(table)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(workflow_from_row).collect())
}

fn check_levels(spec: &WorkflowSpec) -> Result<(), ApprovalError> {
    if let Some(levels) = spec.levels {
        if !(1..=10).contains(&levels) {
            return Err(ApprovalError::Invalid(
                "levels must be between 1 and 10".into(),
            ));
        }
    }
    Ok(())
}

/// A state field must be a real column of the table that writes may set:
/// never a system column (a workflow on `tenant_id` would move rows to
/// another tenant). Checked when a workflow is saved and again when it is
/// applied.
async fn check_state_field(db: &Db, table: &str, field: &str) -> Result<(), ApprovalError> {
    let types = crate::data::catalog::column_types(db, table).await?;
    if crate::data::catalog::SYSTEM_COLUMNS.contains(&field) || !types.contains_key(field) {
        return Err(ApprovalError::Invalid(format!(
            "approved_state_field {field:?} is not a writable column of {table}; name a state column such as \"state\" or \"status\""
        )));
    }
    Ok(())
}

pub async fn create_workflow(
    db: &Db,
    tenant: Id,
    spec: WorkflowSpec,
) -> Result<Workflow, ApprovalError> {
    check_levels(&spec)?;
    let table = spec
        .table_name
        .clone()
        .ok_or_else(|| ApprovalError::Invalid("table_name is required".into()))?;
    let operation = spec.operation.ok_or_else(|| {
        ApprovalError::Invalid("operation is required (insert, update or delete)".into())
    })?;
    if crate::data::catalog::classify(&table) != crate::data::catalog::TableKind::Business {
        return Err(ApprovalError::Invalid(format!(
            "{table:?} is not an ERP table"
        )));
    }
    if let Some(field) = &spec.approved_state_field {
        check_state_field(db, &table, field).await?;
    }
    let id = Id::new();
    let now = Utc::now();
    let result = on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO approval_workflows (id, tenant_id, table_name, operation, levels, approved_state_field, approved_state_value, \
         rejected_state_value, allow_api_bypass, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
    )
    .bind(id)
    .bind(tenant)
    .bind(&table)
    .bind(operation.as_str())
    .bind(spec.levels.unwrap_or(1))
    .bind(&spec.approved_state_field)
    .bind(&spec.approved_state_value)
    .bind(&spec.rejected_state_value)
    .bind(spec.allow_api_bypass.unwrap_or(false))
    .bind(spec.is_active.unwrap_or(true))
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ())
    });
    match result {
        Err(e) if crate::db::is_unique_violation(&e) => Err(ApprovalError::Duplicate(format!(
            "{} on {table}",
            operation.as_str()
        ))),
        other => {
            other?;
            get_workflow(db, tenant, &id.to_string()).await
        }
    }
}

pub async fn update_workflow(
    db: &Db,
    tenant: Id,
    id: &str,
    spec: WorkflowSpec,
) -> Result<Workflow, ApprovalError> {
    check_levels(&spec)?;
    let current = get_workflow(db, tenant, id).await?;
    if let Some(field) = &spec.approved_state_field {
        check_state_field(db, &current.table_name, field).await?;
    }
    on_db!(db, |pool| {
        sqlx::query(
        "UPDATE approval_workflows SET levels = $1, approved_state_field = $2, approved_state_value = $3, rejected_state_value = $4, \
         allow_api_bypass = $5, is_active = $6, updated_at = $7 WHERE id = $8 AND tenant_id = $9"
    )
    .bind(spec.levels.unwrap_or(current.levels))
    .bind(spec.approved_state_field.or(current.approved_state_field))
    .bind(spec.approved_state_value.or(current.approved_state_value))
    .bind(spec.rejected_state_value.or(current.rejected_state_value))
    .bind(spec.allow_api_bypass.unwrap_or(current.allow_api_bypass))
    .bind(spec.is_active.unwrap_or(current.is_active))
    .bind(Utc::now())
    .bind(Id(current.id))
    .bind(tenant)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    get_workflow(db, tenant, id).await
}

pub async fn delete_workflow(db: &Db, tenant: Id, id: &str) -> Result<(), ApprovalError> {
    let current = get_workflow(db, tenant, id).await?;
    crate::db::delete_owned(db, "approval_workflows", Id(current.id), tenant).await?;
    Ok(())
}

// ------------------------------------------------------------ requests

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApprovalRequest {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub workflow_id: Option<uuid::Uuid>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub app_id: Option<uuid::Uuid>,
    pub table_name: String,
    pub operation: Operation,
    pub row_id: String,
    /// The held fields of an update.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub levels: i64,
    pub approved_levels: i64,
    #[schema(value_type = Vec<Object>)]
    pub decisions: Value,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The platform user who asked (internal proxy), if a user did.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub requested_by_user: Option<uuid::Uuid>,
    /// The API key that asked (open proxy), if a key did.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub requested_by_key: Option<uuid::Uuid>,
}

type RequestRow = (
    Id,
    Option<Id>,
    Option<Id>,
    String,
    String,
    String,
    Json<Value>,
    String,
    i64,
    i64,
    Json<Value>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<Id>,
    Option<Id>,
);

const REQUEST_COLUMNS: &str = "id, workflow_id, app_id, table_name, operation, row_id, payload, status, levels, approved_levels, \
     decisions, created_at, decided_at, requested_by_user, requested_by_key";

fn request_from_row(row: RequestRow) -> ApprovalRequest {
    let (
        id,
        workflow_id,
        app_id,
        table_name,
        operation,
        row_id,
        payload,
        status,
        levels,
        approved_levels,
        decisions,
        created_at,
        decided_at,
        requested_by_user,
        requested_by_key,
    ) = row;
    ApprovalRequest {
        id: id.0,
        workflow_id: workflow_id.map(|i| i.0),
        app_id: app_id.map(|i| i.0),
        table_name,
        operation: Operation::parse(&operation),
        row_id,
        payload: payload.0,
        status,
        levels,
        approved_levels,
        decisions: decisions.0,
        created_at,
        decided_at,
        requested_by_user: requested_by_user.map(|i| i.0),
        requested_by_key: requested_by_key.map(|i| i.0),
    }
}

/// Opens a pending request for a write that needs approval.
pub async fn hold(
    db: &Db,
    tenant: Id,
    app: Id,
    workflow: &Workflow,
    row_id: &str,
    payload: &Map<String, Value>,
    requester: Requester,
) -> Result<ApprovalRequest, sqlx::Error> {
    let id = Id::new();
    let (user, key) = match requester {
        Requester::User(user) => (Some(user), None),
        Requester::Key(key) => (None, Some(key)),
        Requester::AppUser(_) => (None, None),
    };
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO approval_requests (id, tenant_id, workflow_id, app_id, table_name, operation, row_id, payload, status, levels, created_at, \
         requested_by_user, requested_by_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12)"
    )
    .bind(id)
    .bind(tenant)
    .bind(Id(workflow.id))
    .bind(app)
    .bind(&workflow.table_name)
    .bind(workflow.operation.as_str())
    .bind(row_id)
    .bind(Json(payload))
    .bind(workflow.levels)
    .bind(Utc::now())
    .bind(user)
    .bind(key)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    get_request(db, tenant, &id.to_string())
        .await
        .map_err(|e| match e {
            ApprovalError::Database(db) => db,
            other => sqlx::Error::Protocol(other.to_string()),
        })
}

/// Something worth auditing (a bypassed approval, a decision).
pub struct AuditEvent<'a> {
    pub app: Option<Id>,
    pub user: Option<Id>,
    pub action: &'a str,
    pub table: &'a str,
    pub row_id: &'a str,
    pub detail: Value,
}

/// Records an audit event.
pub async fn audit(db: &Db, tenant: Id, event: AuditEvent<'_>) -> Result<(), sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO audit_logs (id, tenant_id, app_id, user_id, action, table_name, row_id, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(Id::new())
    .bind(tenant)
    .bind(event.app)
    .bind(event.user)
    .bind(event.action)
    .bind(event.table)
    .bind(event.row_id)
    .bind(Json(&event.detail))
    .bind(Utc::now())
    .execute(pool)
    .await
    .map(|_| ())
    })
}

pub async fn get_request(db: &Db, tenant: Id, id: &str) -> Result<ApprovalRequest, ApprovalError> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApprovalError::RequestNotFound)?;
    let sql =
        format!("SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE id = $1 AND tenant_id = $2");
    let row: Option<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(Id(id))
        .bind(tenant)
        .fetch_optional(pool)
        .await?);
    row.map(request_from_row)
        .ok_or(ApprovalError::RequestNotFound)
}

pub async fn list_requests(
    db: &Db,
    tenant: Id,
    status: Option<&str>,
) -> Result<Vec<ApprovalRequest>, ApprovalError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY created_at DESC, id"
    );
    let rows: Vec<RequestRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(tenant)
        .bind(status)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(request_from_row).collect())
}

/// An approver's decision on one level.
pub enum Decision {
    Approve,
    Reject(String),
}

/// What a final decision must do to the guarded row.
pub enum Effect {
    /// Set these fields (held update payload and/or the state callback).
    Update(Map<String, Value>),
    Delete,
    Nothing,
}

/// A decision worked out but not yet recorded: the caller applies `effect`
/// to the row first, then [`commit`]s; if applying fails, the request stays
/// as it was.
pub struct Plan {
    pub request: ApprovalRequest,
    pub effect: Effect,
    status: &'static str,
    approved_levels: i64,
    decisions: Vec<Value>,
    decided_at: Option<DateTime<Utc>>,
}

/// Whether `user` asked for the request: themselves, or through an API key
/// they created (a builder's own key must not let them approve their write).
async fn asked_by(db: &Db, request: &ApprovalRequest, user: Id) -> Result<bool, ApprovalError> {
    if request.requested_by_user == Some(user.0) {
        return Ok(true);
    }
    let Some(key) = request.requested_by_key else {
        return Ok(false);
    };
    let creator: Option<Option<Id>> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT created_by FROM api_keys WHERE id = $1"
    )
    .bind(Id(key))
    .fetch_optional(pool)
    .await?);
    Ok(creator.flatten() == Some(user))
}

/// Works out a decision and what a final one does to the row.
pub async fn plan(
    db: &Db,
    tenant: Id,
    id: &str,
    user: Id,
    decision: Decision,
) -> Result<Plan, ApprovalError> {
    let request = get_request(db, tenant, id).await?;
    if request.status != "pending" {
        return Err(ApprovalError::AlreadyDecided);
    }
    if matches!(decision, Decision::Approve) && asked_by(db, &request, user).await? {
        return Err(ApprovalError::OwnRequest);
    }
    let mut decisions = request.decisions.as_array().cloned().unwrap_or_default();
    let user_text = user.to_string();
    if matches!(decision, Decision::Approve)
        && decisions
            .iter()
            .any(|d| d["user_id"] == user_text.as_str() && d["decision"] == "approve")
    {
        return Err(ApprovalError::AlreadyApprovedByYou);
    }
    let workflow = match request.workflow_id {
        Some(w) => get_workflow(db, tenant, &w.to_string()).await.ok(),
        None => None,
    };
    if let Some(field) = workflow
        .as_ref()
        .and_then(|w| w.approved_state_field.as_deref())
    {
        check_state_field(db, &request.table_name, field).await?;
    }
    let state = |value: &Option<String>| -> Map<String, Value> {
        match (
            workflow
                .as_ref()
                .and_then(|w| w.approved_state_field.clone()),
            value,
        ) {
            (Some(field), Some(value)) => [(field, Value::String(value.clone()))]
                .into_iter()
                .collect(),
            _ => Map::new(),
        }
    };
    let now = Utc::now();
    let (status, approved_levels, effect) = match &decision {
        Decision::Approve => {
            let approved = request.approved_levels + 1;
            decisions.push(serde_json::json!({"level": approved, "user_id": user_text, "decision": "approve", "at": now}));
            if approved < request.levels {
                ("pending", approved, Effect::Nothing)
            } else {
                let approved_state = state(
                    &workflow
                        .as_ref()
                        .and_then(|w| w.approved_state_value.clone()),
                );
                let effect = match request.operation {
                    Operation::Insert => Effect::Update(approved_state),
                    Operation::Update => {
                        let mut fields = request.payload.as_object().cloned().unwrap_or_default();
                        fields.extend(approved_state);
                        Effect::Update(fields)
                    }
                    Operation::Delete => Effect::Delete,
                };
                ("approved", approved, effect)
            }
        }
        Decision::Reject(reason) => {
            decisions.push(serde_json::json!({"level": request.approved_levels + 1, "user_id": user_text, "decision": "reject", "reason": reason, "at": now}));
            let rejected_state = state(
                &workflow
                    .as_ref()
                    .and_then(|w| w.rejected_state_value.clone()),
            );
            let effect = match request.operation {
                // A rejected insert is marked with the rejected state; with
                // no state to mark it by, it is removed.
                Operation::Insert if rejected_state.is_empty() => Effect::Delete,
                Operation::Insert | Operation::Update => Effect::Update(rejected_state),
                Operation::Delete => Effect::Nothing,
            };
            ("rejected", request.approved_levels, effect)
        }
    };
    let decided_at = (status != "pending").then_some(now);
    let effect = match effect {
        // An approved insert is written even with no state to set: that
        // write runs the consequences (triggers) the insert held back.
        Effect::Update(fields)
            if fields.is_empty()
                && !(request.operation == Operation::Insert && status == "approved") =>
        {
            Effect::Nothing
        }
        other => other,
    };
    Ok(Plan {
        request,
        effect,
        status,
        approved_levels,
        decisions,
        decided_at,
    })
}

/// Records a planned decision.
pub async fn commit(db: &Db, tenant: Id, plan: Plan) -> Result<ApprovalRequest, ApprovalError> {
    let Plan {
        request,
        status,
        approved_levels,
        decisions,
        decided_at,
        ..
    } = plan;
    // Only a still-pending request at the same level changes: two approvers
    // acting at once cannot both count.
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE approval_requests SET status = $1, approved_levels = $2, decisions = $3, decided_at = $4 \
         WHERE id = $5 AND status = 'pending' AND approved_levels = $6"
    )
    .bind(status)
    .bind(approved_levels)
    .bind(Json(Value::Array(decisions)))
    .bind(decided_at)
    .bind(Id(request.id))
    .bind(request.approved_levels)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(ApprovalError::AlreadyDecided);
    }
    get_request(db, tenant, &request.id.to_string()).await
}

/// One audited event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub app_id: Option<uuid::Uuid>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<uuid::Uuid>,
    pub action: String,
    pub table_name: Option<String>,
    pub row_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: Value,
    pub created_at: DateTime<Utc>,
}

type AuditRow = (
    Id,
    Option<Id>,
    Option<Id>,
    String,
    Option<String>,
    Option<String>,
    Json<Value>,
    DateTime<Utc>,
);

/// The tenant's latest audit entries, newest first.
pub async fn list_audit(db: &Db, tenant: Id, limit: i64) -> Result<Vec<AuditEntry>, ApprovalError> {
    let rows: Vec<AuditRow> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, app_id, user_id, action, table_name, row_id, detail, created_at FROM audit_logs \
         WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(pool)
    .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(id, app_id, user_id, action, table_name, row_id, detail, created_at)| AuditEntry {
                id: id.0,
                app_id: app_id.map(|i| i.0),
                user_id: user_id.map(|i| i.0),
                action,
                table_name,
                row_id,
                detail: detail.0,
                created_at,
            },
        )
        .collect())
}
