//! The one proxy engine over the ERP tables (spec 000 §5, §9), behind every
//! proxy prefix. A prefix only decides who the caller is ([`Caller`]); the
//! checks, the SQL and the answers are the same for all of them.
//!
//! Every request runs the pipeline of spec 000 §9.1: table name and core
//! blacklist, reference (live or published), operation permission, column
//! whitelist, name pattern, operator whitelist, tenant injection, system
//! columns dropped on writes. SQL is built by sea-query with bound
//! parameters only; identifiers come from the database catalog, never from
//! the request as such. Rows are turned into JSON by the database itself
//! (`json_agg` / `json_group_array`), so a page is one string end to end.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use sea_query::{
    Alias, Asterisk, Cond, Expr, Func, NullOrdering, Order, PostgresQueryBuilder, Query,
    SimpleExpr, SqliteQueryBuilder,
};
use sea_query_binder::SqlxBinder;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::data::approvals::{self, Effect, Operation};
use crate::data::catalog::{self, SYSTEM_COLUMNS};
use crate::data::refs::{self, Access};
use crate::data::triggers;
use crate::db::{Db, Id, Lease};
use crate::on_db;

/// Who calls the proxy, and so which reference version and limits apply.
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    /// `/proxy/{app_id}`: a platform user of an internal app; live references.
    Internal { tenant: Id, app: Id, user: Id },
    /// `/open/proxy`: an API key; published references.
    Open { tenant: Id, app: Id, key: Id },
    /// `/ext/proxy`: an app user of an external or self-built app
    /// (spec 000 §2.3.7); published references, like `/open`.
    Ext { tenant: Id, app: Id, user: Id },
    /// `/pub/proxy/{slug}`: an anonymous visitor of a public app (spec 001
    /// §18): published references marked public, reads only, 100 rows a page.
    Pub { tenant: Id, app: Id },
}

impl Caller {
    fn tenant(self) -> Id {
        match self {
            Caller::Internal { tenant, .. }
            | Caller::Open { tenant, .. }
            | Caller::Ext { tenant, .. }
            | Caller::Pub { tenant, .. } => tenant,
        }
    }

    fn app(self) -> Id {
        match self {
            Caller::Internal { app, .. }
            | Caller::Open { app, .. }
            | Caller::Ext { app, .. }
            | Caller::Pub { app, .. } => app,
        }
    }

    /// Who asks, as an approval request records it; `None` for an
    /// anonymous visitor, who never writes (`authorize` refuses it).
    fn requester(self) -> Option<approvals::Requester> {
        match self {
            Caller::Internal { user, .. } => Some(approvals::Requester::User(user)),
            Caller::Open { key, .. } => Some(approvals::Requester::Key(key)),
            Caller::Ext { user, .. } => Some(approvals::Requester::AppUser(user)),
            Caller::Pub { .. } => None,
        }
    }

    fn uses_published(self) -> bool {
        !matches!(self, Caller::Internal { .. })
    }

    /// Largest page a simple query answers (spec 000 §5.0).
    pub fn limit_cap(self) -> i64 {
        match self {
            Caller::Internal { .. } => 500,
            Caller::Open { .. } | Caller::Ext { .. } => 1000,
            // Spec 001 §18.7: a larger limit is cut to 100, not refused.
            Caller::Pub { .. } => 100,
        }
    }
}

/// An operation, named as references grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Create,
    Update,
    Delete,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// A refusal, with the spec's status and words (spec 000 §8.2, §9.4).
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The tenant's share of the database is in use: 429, try again.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// `^[a-zA-Z_][a-zA-Z0-9_]*$` (spec 000 §8.4).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

/// What a caller may touch in one table.
struct Grant {
    table: String,
    /// Column → API type, for the columns this caller may use.
    allowed: BTreeMap<String, String>,
    types: Arc<BTreeMap<String, String>>,
}

impl Grant {
    fn allows(&self, column: &str) -> bool {
        self.allowed.contains_key(column)
    }
}

async fn authorize(db: &Db, caller: Caller, table: &str, op: Op) -> Result<Grant, ProxyError> {
    if !valid_name(table) {
        return Err(ProxyError::BadRequest(format!("不合法的表名稱: {table}")));
    }
    if catalog::classify(table) == catalog::TableKind::Forbidden {
        return Err(ProxyError::Forbidden("此表不可引用".into()));
    }
    let access = refs::access(
        db,
        caller.tenant(),
        caller.app(),
        table,
        caller.uses_published(),
    )
    .await?;
    let (columns, permissions) = match access {
        None => {
            return Err(ProxyError::Forbidden(format!(
                "App 未被授權存取表 '{table}'"
            )))
        }
        Some(Access::Unpublished) => {
            return Err(ProxyError::Forbidden(format!(
                "表 '{table}' 的引用尚未發布"
            )))
        }
        Some(Access::Granted {
            columns,
            permissions,
            is_public_readable,
        }) => {
            if matches!(caller, Caller::Pub { .. }) {
                if !is_public_readable {
                    return Err(ProxyError::Forbidden(format!(
                        "表 '{table}' 未開放公開讀取: a builder sets is_public_readable on its reference and publishes the app"
                    )));
                }
                if op != Op::Read {
                    return Err(ProxyError::Forbidden(
                        "pub/ 端點僅允許讀取: sign in to write".into(),
                    ));
                }
            }
            (columns, permissions)
        }
    };
    if !permissions.iter().any(|p| p == op.as_str()) {
        return Err(ProxyError::Forbidden(format!(
            "App 未被授權對表 '{table}' 執行 '{}' 操作",
            op.as_str()
        )));
    }
    let types = catalog::column_types(db, table).await?;
    // `id` is always allowed (spec 000 §9.4); a column the table no longer
    // has is dropped.
    let allowed = columns
        .iter()
        .map(String::as_str)
        .chain(["id"])
        .filter_map(|c| types.get(c).map(|t| (c.to_owned(), t.clone())))
        .collect();
    Ok(Grant {
        table: table.to_owned(),
        allowed,
        types,
    })
}

// ------------------------------------------------------------ values

/// The PostgreSQL type a text parameter is cast to, by API type.
fn pg_type(api_type: &str) -> &'static str {
    match api_type {
        "UUID" => "uuid",
        "NUMERIC" => "numeric",
        "INTEGER" => "bigint",
        "FLOAT" => "double precision",
        "BOOLEAN" => "boolean",
        "DATE" => "date",
        "TIMESTAMPTZ" => "timestamptz",
        "JSONB" => "jsonb",
        _ => "text",
    }
}

/// A JSON value as the text PostgreSQL parses into the column's type.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Checks and converts a value for a column of `api_type`, the same way on
/// both backends (spec 000 §5.6): numeric strings become numbers, `""`
/// becomes NULL for UUIDs, dates and date-times must parse. SQLite would
/// store anything anywhere; PostgreSQL would refuse late and vaguely.
fn coerce(column: &str, api_type: &str, value: &Value) -> Result<Value, ProxyError> {
    let bad = |what: &str| ProxyError::BadRequest(format!("欄位 '{column}' 的值格式錯誤: {what}"));
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match api_type {
        "UUID" => match value.as_str() {
            Some("") => Value::Null,
            Some(s) if uuid::Uuid::parse_str(s).is_ok() => value.clone(),
            _ => return Err(bad("expected a UUID")),
        },
        "NUMERIC" | "FLOAT" | "INTEGER" => {
            let number = match value {
                Value::Number(n) => Some(n.clone()),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(serde_json::Number::from_f64),
                _ => None,
            }
            .ok_or_else(|| bad("expected a number"))?;
            if api_type == "INTEGER"
                && number.as_i64().is_none()
                && number.as_f64().is_none_or(|f| f.fract() != 0.0)
            {
                return Err(bad("expected an integer"));
            }
            match (api_type, number.as_f64()) {
                ("INTEGER", Some(f)) => Value::from(f as i64),
                _ => Value::Number(number),
            }
        }
        "BOOLEAN" => match value {
            Value::Bool(_) => value.clone(),
            Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Value::Bool(n.as_i64() == Some(1))
            }
            Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
            _ => return Err(bad("expected true or false")),
        },
        "DATE" => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => value.clone(),
            _ => return Err(bad("expected a date as YYYY-MM-DD")),
        },
        "TIMESTAMPTZ" => match value.as_str() {
            Some(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => value.clone(),
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                Value::String(format!("{s}T00:00:00Z"))
            }
            _ => {
                return Err(bad(
                    "expected an ISO 8601 date-time such as 2026-03-24T12:00:00Z",
                ))
            }
        },
        "JSONB" => value.clone(),
        _ => match value {
            Value::String(_) => value.clone(),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => return Err(bad("expected text")),
        },
    })
}

/// A JSON value as a bound parameter for `column`, typed for the backend.
fn param(db: &Db, api_type: &str, value: &Value) -> SimpleExpr {
    match db {
        Db::Postgres(_) => {
            let text: sea_query::Value = as_text(value).into();
            // sea-query numbers `$1` in a PostgreSQL custom expression (and
            // `?` in a SQLite one) into the statement's placeholders.
            Expr::cust_with_values(format!("CAST($1 AS {})", pg_type(api_type)), [text])
        }
        Db::Sqlite(_) => {
            let bound: sea_query::Value = match value {
                Value::Null => sea_query::Value::String(None),
                Value::Bool(b) => i64::from(*b).into(),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => i.into(),
                    None => n.as_f64().unwrap_or(0.0).into(),
                },
                Value::String(s) => s.clone().into(),
                other => other.to_string().into(),
            };
            Expr::val(bound).into()
        }
    }
}

fn column(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

fn as_text_expr(name: &str) -> SimpleExpr {
    Expr::cust(format!("CAST(\"{name}\" AS TEXT)"))
}

/// `%`, `_` and `\` in a search term match themselves.
fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn tenant_is(db: &Db, tenant: Id) -> SimpleExpr {
    column("tenant_id").eq(param(db, "UUID", &Value::String(tenant.to_string())))
}

// ------------------------------------------------------------ reads

/// A filter of `POST …/query` (spec 000 §5.2).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Filter {
    pub column: String,
    pub op: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub value: Value,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OrderBy {
    pub column: String,
    #[serde(default)]
    pub direction: Option<String>,
}

/// The body of `POST …/query`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryBody {
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub order_by: Vec<OrderBy>,
    pub search: Option<String>,
    pub search_columns: Option<Vec<String>>,
    pub select_columns: Option<Vec<String>>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    #[serde(default)]
    pub count_only: bool,
}

/// Bounds on a query, checked before any SQL is built: each refusal names
/// its cap, so a caller knows what to change.
const MAX_FILTERS: usize = 20;
const MAX_IN_VALUES: usize = 500;
const MAX_PATTERN_CHARS: usize = 200;
const MAX_OFFSET: i64 = 100_000;
const MAX_ORDER_BY: usize = 10;

fn check_bounds(body: &QueryBody) -> Result<(), ProxyError> {
    let refuse = |what: String| Err(ProxyError::BadRequest(what));
    if body.filters.len() > MAX_FILTERS {
        return refuse(format!(
            "Too many filters: {} (at most {MAX_FILTERS})",
            body.filters.len()
        ));
    }
    for filter in &body.filters {
        match &filter.value {
            Value::Array(items) if items.len() > MAX_IN_VALUES => {
                return refuse(format!(
                    "Too many values for 'in' on {}: {} (at most {MAX_IN_VALUES})",
                    filter.column,
                    items.len()
                ))
            }
            Value::String(text) if text.chars().count() > MAX_PATTERN_CHARS => {
                return refuse(format!(
                    "The value for {} is too long: {} characters (at most {MAX_PATTERN_CHARS})",
                    filter.column,
                    text.chars().count()
                ))
            }
            _ => {}
        }
    }
    if let Some(term) = &body.search {
        if term.chars().count() > MAX_PATTERN_CHARS {
            return refuse(format!(
                "The search term is too long: {} characters (at most {MAX_PATTERN_CHARS})",
                term.chars().count()
            ));
        }
    }
    if body.order_by.len() > MAX_ORDER_BY {
        return refuse(format!(
            "Too many order_by columns: {} (at most {MAX_ORDER_BY})",
            body.order_by.len()
        ));
    }
    if body.offset.is_some_and(|o| o > MAX_OFFSET) {
        return refuse(format!(
            "offset is too large (at most {MAX_OFFSET}); narrow the query with filters instead"
        ));
    }
    Ok(())
}

/// Waits for one of the tenant's read slots, at most the query timeout. A
/// tenant may run reads on half the pool's connections at once, so that one
/// tenant's expensive queries leave connections (and cores) for the others.
async fn read_slot(db: &Db, tenant: Id) -> Result<tokio::sync::OwnedSemaphorePermit, ProxyError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SLOTS: OnceLock<Mutex<HashMap<Id, Arc<tokio::sync::Semaphore>>>> = OnceLock::new();
    let per_tenant = (on_db!(db, |pool| pool.options().get_max_connections()) as usize / 2).max(1);
    let semaphore = {
        let mut slots = SLOTS
            .get_or_init(Default::default)
            .lock()
            .map_err(|_| ProxyError::Busy("The server is busy; try again".into()))?;
        // Forget tenants with no read in flight, so the map stays small.
        if slots.len() > 1024 {
            slots.retain(|_, s| s.available_permits() < per_tenant);
        }
        slots
            .entry(tenant)
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(per_tenant)))
            .clone()
    };
    match tokio::time::timeout(crate::db::query_timeout(), semaphore.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ProxyError::Busy(format!(
            "Your organisation already has {per_tenant} queries running; try again in a moment"
        ))),
    }
}

const OPERATORS: [&str; 11] = [
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "like",
    "ilike",
    "in",
    "is_null",
    "is_not_null",
];

fn check_column(grant: &Grant, name: &str, refusal: &str) -> Result<(), ProxyError> {
    if !valid_name(name) {
        return Err(ProxyError::BadRequest(format!("不合法的欄位名稱: {name}")));
    }
    if !grant.allows(name) {
        return Err(ProxyError::BadRequest(format!("{refusal}: {name}")));
    }
    Ok(())
}

fn filter_condition(db: &Db, grant: &Grant, filter: &Filter) -> Result<SimpleExpr, ProxyError> {
    check_column(grant, &filter.column, "未授權的篩選欄位")?;
    if !OPERATORS.contains(&filter.op.as_str()) {
        return Err(ProxyError::BadRequest(format!(
            "不支援的運算子: {}",
            filter.op
        )));
    }
    let name = filter.column.as_str();
    let api_type = grant.allowed[name].as_str();
    let col = || column(name);
    let typed = |v: &Value| coerce(name, api_type, v).map(|v| param(db, api_type, &v));
    let value = &filter.value;
    let like = |case_sensitive: bool| -> Result<SimpleExpr, ProxyError> {
        let pattern = as_text(value).ok_or_else(|| {
            ProxyError::BadRequest(format!("'{}' 運算子需要字串 value", filter.op))
        })?;
        Ok(match (db, case_sensitive) {
            (Db::Postgres(_), true) => Expr::expr(as_text_expr(name)).like(pattern),
            (Db::Postgres(_), false) => {
                Expr::cust_with_values(format!("CAST(\"{name}\" AS TEXT) ILIKE $1"), [pattern])
            }
            // SQLite's LIKE ignores ASCII case; GLOB is its case-sensitive twin.
            (Db::Sqlite(_), true) => Expr::cust_with_values(
                format!("CAST(\"{name}\" AS TEXT) GLOB ?"),
                [like_to_glob(&pattern)],
            ),
            (Db::Sqlite(_), false) => Expr::expr(as_text_expr(name)).like(pattern),
        })
    };
    Ok(match filter.op.as_str() {
        "is_null" => col().is_null(),
        "is_not_null" => col().is_not_null(),
        "eq" if value.is_null() => col().is_null(),
        "ne" if value.is_null() => col().is_not_null(),
        "eq" => col().eq(typed(value)?),
        "ne" => col().ne(typed(value)?),
        "gt" => col().gt(typed(value)?),
        "gte" => col().gte(typed(value)?),
        "lt" => col().lt(typed(value)?),
        "lte" => col().lte(typed(value)?),
        "like" => like(true)?,
        "ilike" => like(false)?,
        _ => {
            let Value::Array(items) = value else {
                return Err(ProxyError::BadRequest(
                    "'in' 運算子的 value 必須是陣列".into(),
                ));
            };
            if items.is_empty() {
                Expr::cust("1 = 0")
            } else {
                col().is_in(items.iter().map(typed).collect::<Result<Vec<_>, _>>()?)
            }
        }
    })
}

/// A LIKE pattern as a GLOB pattern: `%` → `*`, `_` → `?`, and GLOB's own
/// special characters match themselves.
fn like_to_glob(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '%' => "*".to_owned(),
            '_' => "?".to_owned(),
            '*' => "[*]".to_owned(),
            '?' => "[?]".to_owned(),
            '[' => "[[]".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// `GET /{table}?limit&offset` (spec 000 §5.1): a bare list.
pub async fn list(
    db: &Db,
    caller: Caller,
    table: &str,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<String, ProxyError> {
    let body = QueryBody {
        limit,
        offset,
        ..Default::default()
    };
    let (rows, _, _) = select(db, None, caller, table, &body).await?;
    Ok(rows)
}

/// `POST /{table}/query` (spec 000 §5.2; NOTES #2): `{"data", "limit",
/// "offset"}`, or `{"total"}` with `count_only`.
pub async fn query(
    db: &Db,
    lease: Option<&Lease>,
    caller: Caller,
    table: &str,
    body: &QueryBody,
) -> Result<String, ProxyError> {
    let (rows, limit, offset) = select(db, lease, caller, table, body).await?;
    if body.count_only {
        return Ok(rows);
    }
    Ok(format!(
        "{{\"data\":{rows},\"limit\":{limit},\"offset\":{offset}}}"
    ))
}

/// Runs a read; answers the rows as JSON text (or `{"total": n}`) and the
/// limit and offset used. On SQLite, `lease` (an action run's) lends the
/// connection.
async fn select(
    db: &Db,
    lease: Option<&Lease>,
    caller: Caller,
    table: &str,
    body: &QueryBody,
) -> Result<(String, i64, i64), ProxyError> {
    check_bounds(body)?;
    let grant = authorize(db, caller, table, Op::Read).await?;
    let _slot = read_slot(db, caller.tenant()).await?;
    let limit = body.limit.unwrap_or(100).clamp(1, caller.limit_cap());
    let offset = body.offset.unwrap_or(0).max(0);

    let mut conditions = Cond::all().add(tenant_is(db, caller.tenant()));
    for filter in &body.filters {
        conditions = conditions.add(filter_condition(db, &grant, filter)?);
    }
    if let Some(term) = body.search.as_deref().filter(|t| !t.is_empty()) {
        let columns: Vec<String> = match &body.search_columns {
            Some(columns) if !columns.is_empty() => {
                for c in columns {
                    check_column(&grant, c, "未授權的篩選欄位")?;
                }
                columns.clone()
            }
            _ => grant
                .allowed
                .keys()
                .filter(|c| *c != "id")
                .cloned()
                .collect(),
        };
        let pattern = format!("%{}%", escape_like(term));
        let mut any = Cond::any();
        for c in &columns {
            let matches = match db {
                Db::Postgres(_) => Expr::cust_with_values(
                    format!("CAST(\"{c}\" AS TEXT) ILIKE $1"),
                    [pattern.clone()],
                ),
                Db::Sqlite(_) => Expr::cust_with_values(
                    format!("CAST(\"{c}\" AS TEXT) LIKE ? ESCAPE '\\'"),
                    [pattern.clone()],
                ),
            };
            any = any.add(matches);
        }
        conditions = conditions.add(any);
    }

    if body.count_only {
        let statement = Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from(Alias::new(&grant.table))
            .cond_where(conditions)
            .to_owned();
        let total: i64 = match db {
            Db::Postgres(pool) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_scalar_with(&sql, values)
                    .fetch_one(pool)
                    .await
                    .map_err(|e| database_error(e, &grant.table))?
            }
            Db::Sqlite(pool) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                let mut conn = crate::db::reader(pool, lease).await?;
                sqlx::query_scalar_with(&sql, values)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| database_error(e, &grant.table))?
            }
        };
        return Ok((format!("{{\"total\":{total}}}"), limit, offset));
    }

    let selected: Vec<String> = match &body.select_columns {
        Some(columns) if !columns.is_empty() => {
            for c in columns {
                check_column(&grant, c, "未授權的欄位")?;
            }
            let mut columns = columns.clone();
            columns.dedup();
            columns
        }
        _ => grant.allowed.keys().cloned().collect(),
    };
    let mut inner = Query::select();
    inner
        .from(Alias::new(&grant.table))
        .cond_where(conditions)
        .limit(limit as u64)
        .offset(offset as u64);
    // The id breaks ties so pages are stable (NOTES #8); it follows the last
    // column's direction so that an index on (…, column) can serve the order.
    let mut tie_break = Some(Order::Desc);
    let mut ordered = false;
    for order in &body.order_by {
        // Unknown or unauthorised columns are ignored (spec 000 §9.4).
        if valid_name(&order.column) && grant.allows(&order.column) && tie_break.is_some() {
            let descending = order
                .direction
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("desc"));
            // Ordered by the id itself: every later key is moot.
            tie_break =
                (order.column != "id").then_some(if descending { Order::Desc } else { Order::Asc });
            let direction = if descending { Order::Desc } else { Order::Asc };
            // NULLs sort as the largest value on both backends (PostgreSQL's
            // default, which its indexes serve); SQLite takes them as the
            // smallest unless told.
            match db {
                Db::Postgres(_) => inner.order_by(Alias::new(&order.column), direction),
                Db::Sqlite(_) => inner.order_by_with_nulls(
                    Alias::new(&order.column),
                    direction,
                    if descending {
                        NullOrdering::First
                    } else {
                        NullOrdering::Last
                    },
                ),
            };
            ordered = true;
        }
    }
    if !ordered && grant.types.contains_key("created_at") {
        inner.order_by(Alias::new("created_at"), Order::Desc);
    }
    if let Some(direction) = tie_break {
        inner.order_by(Alias::new("id"), direction);
    }

    let rows: String = match db {
        Db::Postgres(pool) => {
            for c in &selected {
                inner.column(Alias::new(c));
            }
            let outer = Query::select()
                .expr(Expr::cust("COALESCE(json_agg(t), '[]'::json)::text"))
                .from_subquery(inner.to_owned(), Alias::new("t"))
                .to_owned();
            let (sql, values) = outer.build_sqlx(PostgresQueryBuilder);
            sqlx::query_scalar_with(&sql, values)
                .fetch_one(pool)
                .await
                .map_err(|e| database_error(e, &grant.table))?
        }
        Db::Sqlite(pool) => {
            let pairs: Vec<String> = selected
                .iter()
                .map(|c| format!("'{c}', {}", sqlite_json_value(c, &grant.types[c])))
                .collect();
            inner.expr_as(
                Expr::cust(format!("json_object({})", pairs.join(", "))),
                Alias::new("j"),
            );
            let outer = Query::select()
                .expr(Expr::cust("COALESCE(json_group_array(json(j)), '[]')"))
                .from_subquery(inner.to_owned(), Alias::new("t"))
                .to_owned();
            let (sql, values) = outer.build_sqlx(SqliteQueryBuilder);
            let mut conn = crate::db::reader(pool, lease).await?;
            sqlx::query_scalar_with(&sql, values)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| database_error(e, &grant.table))?
        }
    };
    Ok((rows, limit, offset))
}

/// A column as a JSON value in SQLite, matching what PostgreSQL's
/// `json_agg` gives for the same type.
fn sqlite_json_value(column: &str, api_type: &str) -> String {
    match api_type {
        "JSONB" => format!("json(\"{column}\")"),
        "BOOLEAN" => format!("CASE WHEN \"{column}\" IS NULL THEN NULL WHEN \"{column}\" THEN json('true') ELSE json('false') END"),
        _ => format!("\"{column}\""),
    }
}

// ------------------------------------------------------------ writes

/// The fields of a write: `{"data": {…}}` or a bare object (NOTES #3),
/// keeping only the columns this caller may write, never system columns.
fn writable_fields(grant: &Grant, body: Value) -> Result<Map<String, Value>, ProxyError> {
    let fields = match body {
        Value::Object(mut map)
            if map.len() == 1 && map.get("data").is_some_and(Value::is_object) =>
        {
            match map.remove("data") {
                Some(Value::Object(inner)) => inner,
                _ => Map::new(),
            }
        }
        Value::Object(map) => map,
        _ => {
            return Err(ProxyError::BadRequest(
                "無有效欄位資料: send a JSON object of fields".into(),
            ))
        }
    };
    let kept: Map<String, Value> = fields
        .into_iter()
        .filter(|(k, _)| valid_name(k) && grant.allows(k) && !SYSTEM_COLUMNS.contains(&k.as_str()))
        .map(|(k, v)| {
            // Spec 000 §5.6: "" in a *_id column is NULL.
            let v = if k.ends_with("_id") && v.as_str() == Some("") {
                Value::Null
            } else {
                v
            };
            (k, v)
        })
        .collect();
    if kept.is_empty() {
        return Err(ProxyError::BadRequest("無有效欄位資料".into()));
    }
    Ok(kept)
}

/// `POST /{table}` (spec 000 §5.3): 201 `{"id", "created_at", "data"}`.
/// Under an insert workflow the row is written and flagged: the answer
/// also carries `approval_status: "pending"` (spec 000 §5.7); its
/// consequences (triggers) wait for the approval.
pub async fn insert(
    db: &Db,
    caller: Caller,
    table: &str,
    body: Value,
) -> Result<Value, ProxyError> {
    let grant = authorize(db, caller, table, Op::Create).await?;
    let mut fields = writable_fields(&grant, body)?;
    let approval = Approval::of(db, caller, &grant.table, Operation::Insert).await?;
    // A workflow's state field is the approval's to set: a write that is
    // not an approval leaves it at the column's default (the pending state).
    fields.retain(|name, _| !approval.decides(name));
    check_references(db, caller.tenant(), &grant.table, &fields).await?;
    let mut columns = vec![Alias::new("tenant_id")];
    let mut values = vec![param(
        db,
        "UUID",
        &Value::String(caller.tenant().to_string()),
    )];
    for (name, value) in &fields {
        columns.push(Alias::new(name));
        let api_type = &grant.types[name];
        values.push(param(db, api_type, &coerce(name, api_type, value)?));
    }
    let statement = Query::insert()
        .into_table(Alias::new(&grant.table))
        .columns(columns)
        .values(values)
        .map_err(|e| ProxyError::BadRequest(e.to_string()))?
        .returning(Query::returning().exprs([
            Expr::cust("CAST(id AS TEXT)"),
            Expr::cust("CAST(created_at AS TEXT)"),
        ]))
        .to_owned();
    let kind = WriteKind::Insert {
        consequences: !approval.holds(),
    };
    let (_, returned) = execute(db, caller.tenant(), &grant.table, kind, |b| {
        statement.build_any_sqlx(b)
    })
    .await?;
    let (id, created_at) =
        returned.ok_or_else(|| ProxyError::Database(sqlx::Error::RowNotFound))?;
    let mut answer = serde_json::json!({"id": id, "created_at": created_at, "data": fields});
    approval
        .apply(db, caller, &grant.table, &id, &Map::new(), &mut answer)
        .await?;
    Ok(answer)
}

/// How the approval workflows of a table bear on one write.
struct Approval {
    /// The workflow of this write's operation, unless the caller bypasses it.
    holding: Option<approvals::Workflow>,
    /// Bypassed by an API key (`allow_api_bypass`): audited, written at once.
    bypassed: Option<approvals::Workflow>,
    /// State fields only approvals set (every active workflow's), unless bypassed.
    state_fields: Vec<String>,
}

impl Approval {
    async fn of(
        db: &Db,
        caller: Caller,
        table: &str,
        operation: Operation,
    ) -> Result<Approval, ProxyError> {
        let workflows = approvals::active_workflows(db, caller.tenant(), table).await?;
        let workflow = workflows.iter().find(|w| w.operation == operation).cloned();
        let bypass = workflow
            .as_ref()
            .is_some_and(|w| w.allow_api_bypass && matches!(caller, Caller::Open { .. }));
        Ok(Approval {
            state_fields: if bypass {
                Vec::new()
            } else {
                workflows
                    .iter()
                    .filter_map(|w| w.approved_state_field.clone())
                    .collect()
            },
            holding: if bypass { None } else { workflow.clone() },
            bypassed: if bypass { workflow } else { None },
        })
    }

    fn holds(&self) -> bool {
        self.holding.is_some()
    }

    /// Whether `field` is set by approvals only.
    fn decides(&self, field: &str) -> bool {
        self.state_fields.iter().any(|f| f == field)
    }

    /// Records a bypass in the audit log, or opens the request that holds
    /// the write (the answer then says so). `true` when held.
    async fn apply(
        &self,
        db: &Db,
        caller: Caller,
        table: &str,
        row_id: &str,
        payload: &Map<String, Value>,
        answer: &mut Value,
    ) -> Result<bool, ProxyError> {
        if let Some(workflow) = &self.bypassed {
            let detail = serde_json::json!({"workflow_id": workflow.id, "operation": workflow.operation.as_str(), "payload": payload});
            approvals::audit(
                db,
                caller.tenant(),
                approvals::AuditEvent {
                    app: Some(caller.app()),
                    user: None,
                    action: "approval_bypass",
                    table,
                    row_id,
                    detail,
                },
            )
            .await?;
            return Ok(false);
        }
        let Some(workflow) = &self.holding else {
            return Ok(false);
        };
        let request = approvals::hold(
            db,
            caller.tenant(),
            caller.app(),
            workflow,
            row_id,
            payload,
            caller.requester().ok_or_else(|| {
                ProxyError::Forbidden("pub/ 端點僅允許讀取: sign in to write".into())
            })?,
        )
        .await?;
        answer["approval_status"] = "pending".into();
        answer["approval_request_id"] = request.id.to_string().into();
        answer["approval_message"] = workflow.operation.pending_message(workflow.levels).into();
        Ok(true)
    }
}

/// Every foreign-key value of a write must name a row of the caller's own
/// tenant. Another tenant's row answers exactly like a row that does not
/// exist, so the answer tells nothing about other tenants.
async fn check_references(
    db: &Db,
    tenant: Id,
    table: &str,
    fields: &Map<String, Value>,
) -> Result<(), ProxyError> {
    let info = catalog::table_info(db, table).await?;
    for (column, value) in fields {
        let Some(parent) = info.foreign_keys.get(column) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let refused = || ProxyError::BadRequest(format!("關聯的記錄不存在: 欄位 '{column}'"));
        let Some(id) = as_text(value).and_then(|t| uuid::Uuid::parse_str(&t).ok()) else {
            return Err(refused());
        };
        if !row_exists(db, tenant, parent, id).await? {
            return Err(refused());
        }
    }
    Ok(())
}

async fn row_exists(db: &Db, tenant: Id, table: &str, id: uuid::Uuid) -> Result<bool, ProxyError> {
    let statement = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from(Alias::new(table))
        .and_where(column("id").eq(param(db, "UUID", &Value::String(id.to_string()))))
        .and_where(tenant_is(db, tenant))
        .to_owned();
    let n: i64 = match db {
        Db::Postgres(pool) => {
            let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
            sqlx::query_scalar_with(&sql, values)
                .fetch_one(pool)
                .await
                .map_err(|e| database_error(e, table))?
        }
        Db::Sqlite(pool) => {
            let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
            sqlx::query_scalar_with(&sql, values)
                .fetch_one(pool)
                .await
                .map_err(|e| database_error(e, table))?
        }
    };
    Ok(n > 0)
}

/// `PATCH /{table}/{id}` (spec 000 §5.4): `{"id", "updated": true}`; under
/// an update workflow nothing changes yet: `"updated": false` and the
/// request holds the fields (pre-guard).
pub async fn update(
    db: &Db,
    caller: Caller,
    table: &str,
    row_id: &str,
    body: Value,
) -> Result<Value, ProxyError> {
    let grant = authorize(db, caller, table, Op::Update).await?;
    let fields = writable_fields(&grant, body)?;
    let id = row_uuid(row_id)?;
    let mut coerced = Map::new();
    for (name, value) in &fields {
        coerced.insert(name.clone(), coerce(name, &grant.types[name], value)?);
    }
    if !row_exists(db, caller.tenant(), &grant.table, id).await? {
        return Err(ProxyError::NotFound("記錄不存在".into()));
    }
    check_references(db, caller.tenant(), &grant.table, &coerced).await?;
    let approval = Approval::of(db, caller, &grant.table, Operation::Update).await?;
    let mut answer = serde_json::json!({"id": id, "updated": false});
    if approval
        .apply(
            db,
            caller,
            &grant.table,
            &id.to_string(),
            &coerced,
            &mut answer,
        )
        .await?
    {
        return Ok(answer);
    }
    if let Some(field) = coerced.keys().find(|f| approval.decides(f)) {
        return Err(ProxyError::Forbidden(format!(
            "欄位 '{field}' 由簽核流程設定: '{field}' of {} changes only when an approval request is approved or rejected; leave it out of the update",
            grant.table
        )));
    }
    write_update(
        db,
        caller.tenant(),
        &grant.table,
        &grant.types,
        id,
        &coerced,
    )
    .await?;
    answer["updated"] = true.into();
    Ok(answer)
}

/// Sets already checked and coerced fields of one row of the tenant.
async fn write_update(
    db: &Db,
    tenant: Id,
    table: &str,
    types: &BTreeMap<String, String>,
    id: uuid::Uuid,
    fields: &Map<String, Value>,
) -> Result<(), ProxyError> {
    let mut statement = Query::update();
    statement.table(Alias::new(table));
    for (name, value) in fields {
        let api_type = types
            .get(name)
            .ok_or_else(|| ProxyError::BadRequest(format!("{table} has no column {name}")))?;
        statement.value(Alias::new(name), param(db, api_type, value));
    }
    if types.contains_key("updated_at") && !fields.contains_key("updated_at") {
        let now = Value::String(Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        statement.value(Alias::new("updated_at"), param(db, "TIMESTAMPTZ", &now));
    }
    statement
        .and_where(column("id").eq(param(db, "UUID", &Value::String(id.to_string()))))
        .and_where(tenant_is(db, tenant))
        .returning(Query::returning().expr(Expr::cust("CAST(id AS TEXT)")));
    if execute(db, tenant, table, WriteKind::Update(Id(id)), |b| {
        statement.build_any_sqlx(b)
    })
    .await?
    .0 == 0
    {
        return Err(ProxyError::NotFound("記錄不存在".into()));
    }
    Ok(())
}

/// `DELETE /{table}/{id}` (spec 000 §5.5): `None` when deleted (204);
/// under a delete workflow the row stays and the answer says it is pending.
pub async fn delete(
    db: &Db,
    caller: Caller,
    table: &str,
    row_id: &str,
) -> Result<Option<Value>, ProxyError> {
    let grant = authorize(db, caller, table, Op::Delete).await?;
    let id = row_uuid(row_id)?;
    if !row_exists(db, caller.tenant(), &grant.table, id).await? {
        return Err(ProxyError::NotFound("記錄不存在".into()));
    }
    let mut answer = serde_json::json!({"id": id, "deleted": false});
    let approval = Approval::of(db, caller, &grant.table, Operation::Delete).await?;
    if approval
        .apply(
            db,
            caller,
            &grant.table,
            &id.to_string(),
            &Map::new(),
            &mut answer,
        )
        .await?
    {
        return Ok(Some(answer));
    }
    write_delete(db, caller.tenant(), &grant.table, id).await?;
    Ok(None)
}

async fn write_delete(db: &Db, tenant: Id, table: &str, id: uuid::Uuid) -> Result<(), ProxyError> {
    let statement = Query::delete()
        .from_table(Alias::new(table))
        .and_where(column("id").eq(param(db, "UUID", &Value::String(id.to_string()))))
        .and_where(tenant_is(db, tenant))
        .returning(Query::returning().expr(Expr::cust("CAST(id AS TEXT)")))
        .to_owned();
    if execute(db, tenant, table, WriteKind::Delete(Id(id)), |b| {
        statement.build_any_sqlx(b)
    })
    .await?
    .0 == 0
    {
        return Err(ProxyError::NotFound("記錄不存在".into()));
    }
    Ok(())
}

/// Applies the final decision of an approval to its row: the held update
/// and the workflow's state callback, or the held delete.
pub async fn apply_decision(
    db: &Db,
    tenant: Id,
    table: &str,
    row_id: &str,
    effect: &Effect,
) -> Result<(), ProxyError> {
    let id = row_uuid(row_id)?;
    match effect {
        Effect::Nothing => Ok(()),
        Effect::Delete => write_delete(db, tenant, table, id).await,
        Effect::Update(fields) => {
            let types = catalog::column_types(db, table).await?;
            let mut coerced = Map::new();
            for (name, value) in fields {
                let api_type = types.get(name).ok_or_else(|| {
                    ProxyError::BadRequest(format!("{table} has no column {name}"))
                })?;
                coerced.insert(name.clone(), coerce(name, api_type, value)?);
            }
            write_update(db, tenant, table, &types, id, &coerced).await
        }
    }
}

/// A row id that is not a UUID names no row: 404, like any unknown id.
fn row_uuid(text: &str) -> Result<uuid::Uuid, ProxyError> {
    uuid::Uuid::parse_str(text).map_err(|_| ProxyError::NotFound("記錄不存在".into()))
}

/// What a write statement does to which row.
#[derive(Clone, Copy)]
enum WriteKind {
    /// `INSERT … RETURNING id, created_at`; `consequences`: run the
    /// triggers now (not for an insert held for approval: they run when it
    /// is approved).
    Insert {
        consequences: bool,
    },
    Update(Id),
    Delete(Id),
}

/// Runs a write built for either backend. Writes to tables with
/// consequences ([`triggers`]) run in one transaction with them. Answers
/// the rows changed and, for an insert, the new id and created_at.
async fn execute<F>(
    db: &Db,
    tenant: Id,
    table: &str,
    kind: WriteKind,
    build: F,
) -> Result<(u64, Option<(String, String)>), ProxyError>
where
    F: Fn(&dyn sea_query::QueryBuilder) -> (String, sea_query_binder::SqlxValues),
{
    let types = catalog::column_types(db, table).await?;
    let result = match db {
        Db::Postgres(pool) => {
            let (sql, values) = build(&PostgresQueryBuilder);
            let mut tx = pool.begin().await?;
            let out = write_on(&mut *tx, true, tenant, table, &types, kind, &sql, values).await;
            match out {
                Ok(out) => tx.commit().await.map(|()| out),
                Err(e) => Err(e),
            }
        }
        Db::Sqlite(pool) => {
            let (sql, values) = build(&SqliteQueryBuilder);
            let mut tx = pool.begin().await?;
            let out = write_on(&mut *tx, false, tenant, table, &types, kind, &sql, values).await;
            match out {
                Ok(out) => tx.commit().await.map(|()| out),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(out) => Ok(out),
        Err(e) => Err(explain(db, e, table).await),
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_on<C, DB>(
    conn: &mut C,
    postgres: bool,
    tenant: Id,
    table: &str,
    types: &BTreeMap<String, String>,
    kind: WriteKind,
    sql: &str,
    values: sea_query_binder::SqlxValues,
) -> Result<(u64, Option<(String, String)>), sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> sea_query_binder::SqlxValues: sqlx::IntoArguments<'q, DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    (String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    (String,): for<'r> sqlx::FromRow<'r, DB::Row>,
    (Option<String>,): for<'r> sqlx::FromRow<'r, DB::Row>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let watched = triggers::watches(table)
        && !matches!(
            kind,
            WriteKind::Insert {
                consequences: false
            }
        );
    let before = match kind {
        WriteKind::Update(id) | WriteKind::Delete(id) if watched => {
            row_image(&mut *conn, postgres, table, types, tenant, id).await?
        }
        _ => None,
    };
    let (rows, returned) = match kind {
        WriteKind::Insert { .. } => {
            let returned: (String, String) = sqlx::query_as_with(sql, values)
                .fetch_one(&mut *conn)
                .await?;
            (1, Some(returned))
        }
        // Updates and deletes say `RETURNING id`: the rows they changed.
        _ => {
            let changed: Vec<(String,)> = sqlx::query_as_with(sql, values)
                .fetch_all(&mut *conn)
                .await?;
            (changed.len() as u64, None)
        }
    };
    if watched && rows > 0 {
        let target = match kind {
            WriteKind::Update(id) => Some(id),
            WriteKind::Insert { .. } => returned
                .as_ref()
                .and_then(|(id, _)| uuid::Uuid::parse_str(id).ok())
                .map(Id),
            WriteKind::Delete(_) => None,
        };
        let after = match target {
            Some(id) => row_image(&mut *conn, postgres, table, types, tenant, id).await?,
            None => None,
        };
        triggers::after_write(&mut *conn, tenant, table, before.as_ref(), after.as_ref()).await?;
    }
    Ok((rows, returned))
}

/// One row of the tenant as a JSON object, or `None`.
async fn row_image<C, DB>(
    conn: &mut C,
    postgres: bool,
    table: &str,
    types: &BTreeMap<String, String>,
    tenant: Id,
    id: Id,
) -> Result<Option<triggers::Row>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    Id: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    (Option<String>,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    // `table` and the column names come from the catalog, not the request.
    let sql = if postgres {
        format!(
            "SELECT row_to_json(t)::text FROM \"{table}\" t WHERE t.id = $1 AND t.tenant_id = $2"
        )
    } else {
        let pairs: Vec<String> = types
            .iter()
            .map(|(c, t)| format!("'{c}', {}", sqlite_json_value(c, t)))
            .collect();
        format!(
            "SELECT json_object({}) FROM \"{table}\" WHERE id = $1 AND tenant_id = $2",
            pairs.join(", ")
        )
    };
    let text: Option<(Option<String>,)> = sqlx::query_as(&sql)
        .bind(id)
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(text
        .and_then(|(t,)| t)
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        }))
}

/// Database refusals of bad values are the caller's 400 (409 for a
/// duplicate), naming the column and, for a CHECK, the allowed values —
/// never a constraint's name or expression; anything else stays a 500.
fn database_error(err: sqlx::Error, table: &str) -> ProxyError {
    refusal(err, table, None)
}

/// [`database_error`] for writes: on PostgreSQL a violated CHECK is looked
/// up to name its allowed values (SQLite's message carries them already).
async fn explain(db: &Db, err: sqlx::Error, table: &str) -> ProxyError {
    let definition = match (&err, db) {
        (sqlx::Error::Database(e), Db::Postgres(pool)) if e.code().as_deref() == Some("23514") => {
            match e.constraint() {
                Some(name) => sqlx::query_scalar::<_, String>(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass($2)",
                )
                .bind(name)
                .bind(table)
                .fetch_optional(pool)
                .await
                .ok()
                .flatten(),
                None => None,
            }
        }
        _ => None,
    };
    refusal(err, table, definition.as_deref())
}

/// The quoted literals of a CHECK expression: `state IN ('a', 'b')` → a, b.
fn quoted_literals(expression: &str) -> Vec<String> {
    expression
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The first `"quoted"` word of a PostgreSQL message.
fn first_quoted(message: &str) -> Option<String> {
    message.split('"').nth(1).map(str::to_owned)
}

fn refusal(err: sqlx::Error, table: &str, check: Option<&str>) -> ProxyError {
    let sqlx::Error::Database(db_err) = &err else {
        return ProxyError::Database(err);
    };
    let code = db_err.code().map(|c| c.into_owned()).unwrap_or_default();
    let message = db_err.message().to_owned();
    let constraint = db_err.constraint().map(str::to_owned);
    // PostgreSQL names constraints {table}_{column}_{suffix}.
    let column_of = |suffix: &str| {
        constraint
            .as_deref()
            .and_then(|c| c.strip_prefix(&format!("{table}_")))
            .and_then(|c| c.strip_suffix(suffix))
            .map(str::to_owned)
    };
    // SQLite says "… constraint failed: table.column" or ": expression".
    let sqlite_detail = message.split(": ").nth(1).unwrap_or_default().to_owned();
    match code.as_str() {
        // PostgreSQL: CHECK; SQLite: SQLITE_CONSTRAINT_CHECK.
        "23514" | "275" => {
            let column = column_of("_check")
                .or_else(|| {
                    sqlite_detail
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .find(|w| !w.is_empty())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "?".into());
            let allowed = quoted_literals(check.unwrap_or(&sqlite_detail));
            if allowed.is_empty() {
                ProxyError::BadRequest(format!("欄位 '{column}' 的值不在允許的範圍內"))
            } else {
                ProxyError::BadRequest(format!(
                    "欄位 '{column}' 的值不在允許的範圍內: allowed values are {}",
                    allowed.join(", ")
                ))
            }
        }
        "23502" | "1299" => {
            let column = first_quoted(&message)
                .or_else(|| sqlite_detail.rsplit('.').next().map(str::to_owned))
                .unwrap_or_else(|| "?".into());
            ProxyError::BadRequest(format!("缺少必填欄位: '{column}'"))
        }
        "23503" | "787" => match column_of("_fkey") {
            Some(column) => ProxyError::BadRequest(format!("關聯的記錄不存在: 欄位 '{column}'")),
            None => ProxyError::BadRequest("關聯的記錄不存在".into()),
        },
        "23505" | "2067" | "1555" => {
            // SQLite lists the columns; PostgreSQL's detail says "Key (a, b)=…".
            let columns: Vec<String> = if code == "23505" {
                db_err
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .and_then(|e| e.detail())
                    .and_then(|d| d.strip_prefix("Key ("))
                    .and_then(|d| d.split(")=").next())
                    .map(|cols| cols.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default()
            } else {
                sqlite_detail
                    .split(", ")
                    .filter_map(|c| c.rsplit('.').next().map(str::to_owned))
                    .collect()
            };
            let columns: Vec<String> = columns.into_iter().filter(|c| c != "tenant_id").collect();
            if columns.is_empty() {
                ProxyError::Conflict("重複的值: a row with the same value already exists".into())
            } else {
                ProxyError::Conflict(format!(
                    "重複的值: a row with the same {} already exists",
                    columns.join(", ")
                ))
            }
        }
        c if c.starts_with("22") => ProxyError::BadRequest(format!("欄位值格式錯誤 ({message})")),
        _ => ProxyError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_spec_pattern() {
        assert!(valid_name("amount_total") && valid_name("_x") && valid_name("A9"));
        for bad in ["", "1a", "a-b", "a b", "a;drop", "\"a\"", "a'"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn like_patterns_become_globs() {
        assert_eq!(like_to_glob("%abc_%"), "*abc?*");
        assert_eq!(like_to_glob("a*b?[c"), "a[*]b[?][[]c");
    }
}
