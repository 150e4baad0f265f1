//! Custom Tables: an app's own tables (objects), their fields, and records
//! whose `data` is JSON (spec 000 §6, spec 001 §13).
//!
//! Every function takes a [`Scope`]: the caller's tenant and, when the caller
//! is bound to one app (an API key, an app user, the runtime), that app. A
//! table or record outside the scope is "not found". The HTTP prefixes
//! (`/data`, `/open/data`, …) differ only in how the scope is obtained.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::types::Json;

use crate::db::{is_unique_violation, Db, Id};
use crate::error::FieldIssue;
use crate::on_db;

/// Tables an app may have (spec 001 §13).
pub const MAX_OBJECTS_PER_APP: i64 = 20;
/// Fields a table may have.
pub const MAX_FIELDS_PER_OBJECT: i64 = 50;
/// Records a list answers at most, and by default.
pub const MAX_LIST_LIMIT: i64 = 1000;
pub const DEFAULT_LIST_LIMIT: i64 = 100;

/// Who is asking, as far as data is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub tenant_id: Id,
    /// The one app the caller is bound to, if any.
    pub app_id: Option<Id>,
    /// An anonymous visitor (`/pub/data`, spec 001 §18): only tables marked
    /// `is_public_readable`, and no writes.
    pub public_only: bool,
}

impl Scope {
    /// A signed-in caller's scope: every table of the app (or tenant).
    pub fn of(tenant_id: Id, app_id: Option<Id>) -> Scope {
        Scope {
            tenant_id,
            app_id,
            public_only: false,
        }
    }

    fn writable(self) -> Result<(), DataError> {
        if self.public_only {
            return Err(DataError::ReadOnly);
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("資料表不存在")]
    ObjectNotFound,
    #[error("記錄不存在")]
    RecordNotFound,
    #[error("Field not found")]
    FieldNotFound,
    #[error("App not found")]
    AppNotFound,
    #[error("Several apps have a table with api_slug {0:?}: address it by its id, or pass app_id")]
    AmbiguousSlug(String),
    #[error("An app can have at most {MAX_OBJECTS_PER_APP} tables")]
    TooManyObjects,
    #[error("A table can have at most {MAX_FIELDS_PER_OBJECT} fields")]
    TooManyFields,
    #[error("This app already has a table with api_slug {0:?}")]
    SlugTaken(String),
    #[error("This table already has a field with field_key {0:?}")]
    FieldKeyTaken(String),
    #[error("此資料表未開放公開讀取: a builder sets is_public_readable on the table")]
    NotPublic,
    #[error("pub/ 端點僅允許讀取: sign in to write")]
    ReadOnly,
    #[error("{0}")]
    Invalid(String),
    #[error("The record is invalid")]
    InvalidRecord(Vec<FieldIssue>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How a field's values are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Relation,
}

impl FieldType {
    fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Relation => "relation",
        }
    }

    fn parse(text: &str) -> Result<FieldType, sqlx::Error> {
        match text {
            "text" => Ok(FieldType::Text),
            "number" => Ok(FieldType::Number),
            "date" => Ok(FieldType::Date),
            "relation" => Ok(FieldType::Relation),
            other => Err(sqlx::Error::Decode(
                format!("unknown field_type {other:?}").into(),
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomField {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub object_id: uuid::Uuid,
    pub name: String,
    pub field_key: String,
    pub field_type: FieldType,
    pub is_required: bool,
    pub sequence: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomObject {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub app_id: uuid::Uuid,
    pub name: String,
    pub api_slug: String,
    pub is_public_readable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In `sequence` order.
    pub fields: Vec<CustomField>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomRecord {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: uuid::Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub object_id: uuid::Uuid,
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A field as a request defines it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldSpec {
    pub name: String,
    pub field_key: String,
    pub field_type: FieldType,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub sequence: i64,
}

/// A partial change of a field; `None` leaves it as it is.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldChanges {
    pub name: Option<String>,
    pub field_type: Option<FieldType>,
    pub is_required: Option<bool>,
    pub sequence: Option<i64>,
}

/// `^[a-z0-9]([a-z0-9_]*[a-z0-9])?$` (spec 001 §13).
pub fn valid_api_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 64
        && allowed(&bytes[0])
        && allowed(&bytes[bytes.len() - 1])
        && bytes.iter().all(|b| allowed(b) || *b == b'_')
}

/// A field key doubles as a JSON key in filters: `^[a-zA-Z_][a-zA-Z0-9_]*$`.
pub fn valid_field_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_name(name: &str) -> Result<String, DataError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DataError::Invalid("name must be 1-100 characters".into()));
    }
    Ok(name.to_owned())
}

fn check_field(spec: &FieldSpec) -> Result<(), DataError> {
    check_name(&spec.name)?;
    if !valid_field_key(&spec.field_key) {
        return Err(DataError::Invalid(format!(
            "field_key {:?} must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (at most 64 characters)",
            spec.field_key
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------- objects

const OBJECT_COLUMNS: &str =
    "id, tenant_id, app_id, name, api_slug, is_public_readable, created_at, updated_at";

/// The tables of the scope's app (or of `app` for a tenant-wide caller).
pub async fn list_objects(
    db: &Db,
    scope: Scope,
    app: Option<Id>,
) -> Result<Vec<CustomObject>, DataError> {
    let app = scope.app_id.or(app);
    let sql = format!(
        "SELECT {OBJECT_COLUMNS} FROM custom_objects WHERE tenant_id = $1 AND ($2 IS NULL OR app_id = $2) \
         ORDER BY created_at, id"
    );
    let rows: Vec<ObjectRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(scope.tenant_id)
        .bind(app)
        .fetch_all(pool)
        .await?);
    // Every field of these tables in one query, not one query per table.
    let fields_sql = "SELECT f.id, f.object_id, f.name, f.field_key, f.field_type, f.is_required, f.sequence \
         FROM custom_fields f JOIN custom_objects o ON o.id = f.object_id \
         WHERE o.tenant_id = $1 AND ($2 IS NULL OR o.app_id = $2) ORDER BY f.sequence, f.created_at, f.id";
    let field_rows: Vec<FieldRow> = on_db!(db, |pool| sqlx::query_as(fields_sql)
        .bind(scope.tenant_id)
        .bind(app)
        .fetch_all(pool)
        .await?);
    let mut fields: Vec<CustomField> = field_rows
        .into_iter()
        .map(field_from_row)
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (own, rest): (Vec<CustomField>, Vec<CustomField>) =
                fields.drain(..).partition(|f| f.object_id == row.0 .0);
            fields = rest;
            row.into_object(own)
        })
        .filter(|object| object.is_public_readable || !scope.public_only)
        .collect())
}

type ObjectRow = (
    Id,
    Id,
    Id,
    String,
    String,
    bool,
    DateTime<Utc>,
    DateTime<Utc>,
);

trait IntoObject {
    fn into_object(self, fields: Vec<CustomField>) -> CustomObject;
}

impl IntoObject for ObjectRow {
    fn into_object(self, fields: Vec<CustomField>) -> CustomObject {
        let (id, tenant_id, app_id, name, api_slug, is_public_readable, created_at, updated_at) =
            self;
        CustomObject {
            id: id.0,
            tenant_id: tenant_id.0,
            app_id: app_id.0,
            name,
            api_slug,
            is_public_readable,
            created_at,
            updated_at,
            fields,
        }
    }
}

/// Finds a table by UUID or `api_slug` within the scope.
pub async fn find_object(db: &Db, scope: Scope, key: &str) -> Result<CustomObject, DataError> {
    let rows: Vec<ObjectRow> = match uuid::Uuid::parse_str(key) {
        Ok(id) => {
            let sql = format!(
                "SELECT {OBJECT_COLUMNS} FROM custom_objects WHERE id = $1 AND tenant_id = $2 AND ($3 IS NULL OR app_id = $3)"
            );
            on_db!(db, |pool| sqlx::query_as(&sql)
                .bind(Id(id))
                .bind(scope.tenant_id)
                .bind(scope.app_id)
                .fetch_all(pool)
                .await?)
        }
        Err(_) => {
            let sql = format!(
                "SELECT {OBJECT_COLUMNS} FROM custom_objects WHERE api_slug = $1 AND tenant_id = $2 AND ($3 IS NULL OR app_id = $3)"
            );
            on_db!(db, |pool| sqlx::query_as(&sql)
                .bind(key)
                .bind(scope.tenant_id)
                .bind(scope.app_id)
                .fetch_all(pool)
                .await?)
        }
    };
    let mut rows = rows.into_iter();
    let row = rows.next().ok_or(DataError::ObjectNotFound)?;
    if rows.next().is_some() {
        return Err(DataError::AmbiguousSlug(key.to_owned()));
    }
    if scope.public_only && !row.5 {
        return Err(DataError::NotPublic);
    }
    let fields = list_fields_of(db, row.0).await?;
    Ok(row.into_object(fields))
}

/// Creates a table with its fields in one transaction (spec 001 §13 batch).
pub async fn create_object(
    db: &Db,
    tenant: Id,
    app: Id,
    name: &str,
    api_slug: &str,
    is_public_readable: bool,
    fields: &[FieldSpec],
) -> Result<CustomObject, DataError> {
    let name = check_name(name)?;
    if !valid_api_slug(api_slug) {
        return Err(DataError::Invalid(format!(
            "api_slug {api_slug:?} must match ^[a-z0-9]([a-z0-9_]*[a-z0-9])?$: lowercase letters, digits and underscores, not starting or ending with an underscore"
        )));
    }
    for field in fields {
        check_field(field)?;
    }
    if let Some(dup) = fields
        .iter()
        .enumerate()
        .find_map(|(i, f)| fields[..i].iter().find(|g| g.field_key == f.field_key))
    {
        return Err(DataError::FieldKeyTaken(dup.field_key.clone()));
    }
    if fields.len() as i64 > MAX_FIELDS_PER_OBJECT {
        return Err(DataError::TooManyFields);
    }
    let id = Id::new();
    let now = Utc::now();
    let result: Result<(), DataError> = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        // Lock the app row first: concurrent creates then count one by one.
        let app_exists: Option<Id> = sqlx::query_scalar("UPDATE custom_apps SET updated_at = updated_at WHERE id = $1 AND tenant_id = $2 RETURNING id")
            .bind(app)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
        if app_exists.is_none() {
            return Err(DataError::AppNotFound);
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM custom_objects WHERE app_id = $1")
                .bind(app)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_OBJECTS_PER_APP {
            return Err(DataError::TooManyObjects);
        }
        sqlx::query(
            "INSERT INTO custom_objects (id, tenant_id, app_id, name, api_slug, is_public_readable, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id)
        .bind(tenant)
        .bind(app)
        .bind(&name)
        .bind(api_slug)
        .bind(is_public_readable)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { DataError::SlugTaken(api_slug.to_owned()) } else { e.into() })?;
        for field in fields {
            sqlx::query(
                "INSERT INTO custom_fields (id, object_id, name, field_key, field_type, is_required, sequence, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(Id::new())
            .bind(id)
            .bind(field.name.trim())
            .bind(&field.field_key)
            .bind(field.field_type.as_str())
            .bind(field.is_required)
            .bind(field.sequence)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    });
    result?;
    find_object(db, Scope::of(tenant, Some(app)), &id.to_string()).await
}

/// Renames a table or changes whether `/pub` may read it.
pub async fn update_object(
    db: &Db,
    scope: Scope,
    key: &str,
    name: Option<&str>,
    is_public_readable: Option<bool>,
) -> Result<CustomObject, DataError> {
    let object = find_object(db, scope, key).await?;
    let name = match name {
        Some(name) => check_name(name)?,
        None => object.name.clone(),
    };
    let public = is_public_readable.unwrap_or(object.is_public_readable);
    on_db!(db, |pool| {
        sqlx::query("UPDATE custom_objects SET name = $1, is_public_readable = $2, updated_at = $3 WHERE id = $4")
        .bind(&name)
        .bind(public)
        .bind(Utc::now())
        .bind(Id(object.id))
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    find_object(db, scope, &object.id.to_string()).await
}

/// Deletes a table with its fields and records.
pub async fn delete_object(db: &Db, scope: Scope, key: &str) -> Result<(), DataError> {
    let object = find_object(db, scope, key).await?;
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM custom_objects WHERE id = $1"
    )
    .bind(Id(object.id))
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------- fields

type FieldRow = (Id, Id, String, String, String, bool, i64);

fn field_from_row(row: FieldRow) -> Result<CustomField, sqlx::Error> {
    let (id, object_id, name, field_key, field_type, is_required, sequence) = row;
    Ok(CustomField {
        id: id.0,
        object_id: object_id.0,
        name,
        field_key,
        field_type: FieldType::parse(&field_type)?,
        is_required,
        sequence,
    })
}

const FIELD_COLUMNS: &str = "id, object_id, name, field_key, field_type, is_required, sequence";

async fn list_fields_of(db: &Db, object: Id) -> Result<Vec<CustomField>, DataError> {
    let sql = format!("SELECT {FIELD_COLUMNS} FROM custom_fields WHERE object_id = $1 ORDER BY sequence, created_at, id");
    let rows: Vec<FieldRow> = on_db!(db, |pool| sqlx::query_as(&sql)
        .bind(object)
        .fetch_all(pool)
        .await?);
    Ok(rows
        .into_iter()
        .map(field_from_row)
        .collect::<Result<_, _>>()?)
}

/// Adds a field to a table.
pub async fn add_field(
    db: &Db,
    scope: Scope,
    key: &str,
    spec: &FieldSpec,
) -> Result<CustomField, DataError> {
    check_field(spec)?;
    let object = find_object(db, scope, key).await?;
    let id = Id::new();
    let now = Utc::now();
    let object_id = Id(object.id);
    let result: Result<(), DataError> = on_db!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE custom_objects SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(object_id)
            .execute(&mut *tx)
            .await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM custom_fields WHERE object_id = $1")
                .bind(object_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_FIELDS_PER_OBJECT {
            return Err(DataError::TooManyFields);
        }
        sqlx::query(
            "INSERT INTO custom_fields (id, object_id, name, field_key, field_type, is_required, sequence, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id)
        .bind(object_id)
        .bind(spec.name.trim())
        .bind(&spec.field_key)
        .bind(spec.field_type.as_str())
        .bind(spec.is_required)
        .bind(spec.sequence)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { DataError::FieldKeyTaken(spec.field_key.clone()) } else { e.into() })?;
        tx.commit().await?;
        Ok(())
    });
    result?;
    find_field(db, scope, id).await
}

/// A field by id, within the scope.
pub async fn find_field(db: &Db, scope: Scope, field: Id) -> Result<CustomField, DataError> {
    let sql =
        "SELECT f.id, f.object_id, f.name, f.field_key, f.field_type, f.is_required, f.sequence \
               FROM custom_fields f JOIN custom_objects o ON o.id = f.object_id \
               WHERE f.id = $1 AND o.tenant_id = $2 AND ($3 IS NULL OR o.app_id = $3)";
    let row: Option<FieldRow> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(field)
        .bind(scope.tenant_id)
        .bind(scope.app_id)
        .fetch_optional(pool)
        .await?);
    Ok(field_from_row(row.ok_or(DataError::FieldNotFound)?)?)
}

pub async fn update_field(
    db: &Db,
    scope: Scope,
    field: Id,
    changes: FieldChanges,
) -> Result<CustomField, DataError> {
    let current = find_field(db, scope, field).await?;
    let name = match changes.name.as_deref() {
        Some(name) => check_name(name)?,
        None => current.name,
    };
    on_db!(db, |pool| {
        sqlx::query(
        "UPDATE custom_fields SET name = $1, field_type = $2, is_required = $3, sequence = $4, updated_at = $5 WHERE id = $6"
    )
    .bind(&name)
    .bind(changes.field_type.unwrap_or(current.field_type).as_str())
    .bind(changes.is_required.unwrap_or(current.is_required))
    .bind(changes.sequence.unwrap_or(current.sequence))
    .bind(Utc::now())
    .bind(field)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    find_field(db, scope, field).await
}

pub async fn delete_field(db: &Db, scope: Scope, field: Id) -> Result<(), DataError> {
    find_field(db, scope, field).await?;
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM custom_fields WHERE id = $1"
    )
    .bind(field)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------- records

/// Checks `data` against the table's fields; `complete` means a new record
/// (required fields must be there). Returns every problem found.
async fn validate(
    db: &Db,
    scope: Scope,
    object: &CustomObject,
    data: &Map<String, Value>,
) -> Result<(), DataError> {
    let mut issues = Vec::new();
    for field in &object.fields {
        let value = data.get(&field.field_key);
        let missing = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        };
        if missing {
            if field.is_required {
                issues.push(FieldIssue {
                    field: field.field_key.clone(),
                    error: "is required".into(),
                });
            }
            continue;
        }
        let Some(value) = value else { continue };
        let problem = match field.field_type {
            FieldType::Text => (!value.is_string()).then(|| "must be a string".to_owned()),
            FieldType::Number => (!value.is_number()).then(|| "must be a number".to_owned()),
            FieldType::Date => match value.as_str() {
                Some(s)
                    if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                        || DateTime::parse_from_rfc3339(s).is_ok() =>
                {
                    None
                }
                _ => Some("must be a date as YYYY-MM-DD (or an RFC 3339 date-time)".to_owned()),
            },
            FieldType::Relation => match value.as_str().map(uuid::Uuid::parse_str) {
                Some(Ok(target)) => {
                    if record_exists(db, scope, Id(object.app_id), Id(target)).await? {
                        None
                    } else {
                        Some(format!(
                            "refers to record {target}, which does not exist in this app"
                        ))
                    }
                }
                _ => Some("must be the id (UUID) of a record".to_owned()),
            },
        };
        if let Some(error) = problem {
            issues.push(FieldIssue {
                field: field.field_key.clone(),
                error,
            });
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(DataError::InvalidRecord(issues))
    }
}

async fn record_exists(db: &Db, scope: Scope, app: Id, record: Id) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM custom_records r JOIN custom_objects o ON o.id = r.object_id \
               WHERE r.id = $1 AND r.tenant_id = $2 AND o.app_id = $3";
    let n: i64 = on_db!(db, |pool| sqlx::query_scalar(sql)
        .bind(record)
        .bind(scope.tenant_id)
        .bind(app)
        .fetch_one(pool)
        .await?);
    Ok(n > 0)
}

type RecordRow = (
    Id,
    Id,
    Id,
    Json<Value>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn record_from_row(
    (id, tenant_id, object_id, data, created_at, updated_at): RecordRow,
) -> CustomRecord {
    CustomRecord {
        id: id.0,
        tenant_id: tenant_id.0,
        object_id: object_id.0,
        data: data.0,
        created_at,
        updated_at,
    }
}

/// How to page, sort and filter a list of records.
#[derive(Debug, Default)]
pub struct RecordQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `key` (ascending) or `-key` (descending): a data key, `created_at` or
    /// `updated_at`. Default: newest first.
    pub sort: Option<String>,
    /// Data key = value, all of which must hold. A value that parses as JSON
    /// (a number, `true`) matches that JSON value or the same text.
    pub filters: Vec<(String, String)>,
}

/// The records of a table.
pub async fn list_records(
    db: &Db,
    object: &CustomObject,
    query: &RecordQuery,
) -> Result<Vec<CustomRecord>, DataError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIST_LIMIT);
    let offset = query.offset.unwrap_or(0);
    if !(1..=MAX_LIST_LIMIT).contains(&limit) {
        return Err(DataError::Invalid(format!(
            "limit must be between 1 and {MAX_LIST_LIMIT}"
        )));
    }
    if offset < 0 {
        return Err(DataError::Invalid("offset must not be negative".into()));
    }
    // Placeholders: $1 object, then two per filter, then limit and offset.
    let json = JsonSql::for_db(db);
    let mut sql = String::from(
        "SELECT id, tenant_id, object_id, data, created_at, updated_at FROM custom_records WHERE object_id = $1",
    );
    let mut next = 2;
    for (key, _) in &query.filters {
        if !valid_field_key(key) {
            return Err(DataError::Invalid(format!(
                "cannot filter on {key:?}: keys match ^[a-zA-Z_][a-zA-Z0-9_]*$"
            )));
        }
        sql.push_str(&format!(" AND {}", json.equals(key, next, next + 1)));
        next += 2;
    }
    let order = match query
        .sort
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => "created_at DESC, id DESC".to_owned(),
        Some(sort) => {
            let (key, direction) = match sort.strip_prefix('-') {
                Some(key) => (key, "DESC"),
                None => (sort.strip_prefix('+').unwrap_or(sort), "ASC"),
            };
            match key {
                "created_at" | "updated_at" => format!("{key} {direction}, id {direction}"),
                key if valid_field_key(key) => {
                    format!("{} {direction}, created_at DESC, id DESC", json.value(key))
                }
                _ => return Err(DataError::Invalid(format!("cannot sort by {key:?}"))),
            }
        }
    };
    sql.push_str(&format!(
        " ORDER BY {order} LIMIT ${next} OFFSET ${}",
        next + 1
    ));
    let rows: Vec<RecordRow> = on_db!(db, |pool| {
        let mut q = sqlx::query_as(&sql).bind(Id(object.id));
        for (_, value) in &query.filters {
            let as_json = serde_json::from_str::<Value>(value)
                .unwrap_or_else(|_| Value::String(value.clone()));
            q = q.bind(Json(as_json)).bind(value.clone());
        }
        q.bind(limit).bind(offset).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(record_from_row).collect())
}

/// JSON access in the two SQL dialects.
struct JsonSql {
    postgres: bool,
}

impl JsonSql {
    fn for_db(db: &Db) -> JsonSql {
        JsonSql {
            postgres: matches!(db, Db::Postgres(_)),
        }
    }

    /// The value at `data.key`, comparable and sortable. `key` is validated
    /// against `^[a-zA-Z_][a-zA-Z0-9_]*$` before it gets here.
    fn value(&self, key: &str) -> String {
        if self.postgres {
            format!("(data -> '{key}')")
        } else {
            format!("json_extract(data, '$.{key}')")
        }
    }

    /// `data.key` equals the JSON value bound at `$json` or the text at `$text`.
    fn equals(&self, key: &str, json: usize, text: usize) -> String {
        if self.postgres {
            format!("((data -> '{key}') = ${json} OR (data ->> '{key}') = ${text})")
        } else {
            format!("(json_extract(data, '$.{key}') = json_extract(${json}, '$') OR json_extract(data, '$.{key}') = ${text})")
        }
    }
}

fn as_object(data: Value) -> Result<Map<String, Value>, DataError> {
    match data {
        Value::Object(map) => Ok(map),
        _ => Err(DataError::Invalid("data must be a JSON object".into())),
    }
}

/// Adds a record to a table.
pub async fn create_record(
    db: &Db,
    scope: Scope,
    object: &CustomObject,
    data: Value,
) -> Result<CustomRecord, DataError> {
    scope.writable()?;
    let data = as_object(data)?;
    validate(db, scope, object, &data).await?;
    let id = Id::new();
    let now = Utc::now();
    let row: RecordRow = on_db!(db, |pool| {
        sqlx::query_as(
        "INSERT INTO custom_records (id, tenant_id, object_id, data, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, tenant_id, object_id, data, created_at, updated_at"
    )
    .bind(id)
    .bind(scope.tenant_id)
    .bind(Id(object.id))
    .bind(Json(Value::Object(data)))
    .bind(now)
    .fetch_one(pool)
    .await?
    });
    Ok(record_from_row(row))
}

/// A record and its table, within the scope.
pub async fn find_record(
    db: &Db,
    scope: Scope,
    record: &str,
) -> Result<(CustomObject, CustomRecord), DataError> {
    let id = uuid::Uuid::parse_str(record).map_err(|_| DataError::RecordNotFound)?;
    let sql = "SELECT r.id, r.tenant_id, r.object_id, r.data, r.created_at, r.updated_at FROM custom_records r \
               JOIN custom_objects o ON o.id = r.object_id \
               WHERE r.id = $1 AND r.tenant_id = $2 AND ($3 IS NULL OR o.app_id = $3)";
    let row: Option<RecordRow> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(Id(id))
        .bind(scope.tenant_id)
        .bind(scope.app_id)
        .fetch_optional(pool)
        .await?);
    let record = record_from_row(row.ok_or(DataError::RecordNotFound)?);
    let object = find_object(db, scope, &record.object_id.to_string()).await?;
    Ok((object, record))
}

/// Merges `changes` into a record's data (keys sent overwrite, others stay;
/// a key sent as `null` is kept as `null`).
pub async fn update_record(
    db: &Db,
    scope: Scope,
    record: &str,
    changes: Value,
) -> Result<CustomRecord, DataError> {
    scope.writable()?;
    let changes = as_object(changes)?;
    let (object, current) = find_record(db, scope, record).await?;
    let mut data = match current.data {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    data.extend(changes);
    validate(db, scope, &object, &data).await?;
    let row: Option<RecordRow> = on_db!(db, |pool| {
        sqlx::query_as(
        "UPDATE custom_records SET data = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4 \
         RETURNING id, tenant_id, object_id, data, created_at, updated_at"
    )
    .bind(Json(Value::Object(data)))
    .bind(Utc::now())
    .bind(Id(current.id))
    .bind(scope.tenant_id)
    .fetch_optional(pool)
    .await?
    });
    Ok(record_from_row(row.ok_or(DataError::RecordNotFound)?))
}

pub async fn delete_record(db: &Db, scope: Scope, record: &str) -> Result<uuid::Uuid, DataError> {
    scope.writable()?;
    let (_, current) = find_record(db, scope, record).await?;
    crate::db::delete_owned(db, "custom_records", Id(current.id), scope.tenant_id).await?;
    Ok(current.id)
}

/// `src/data.json` of an app (spec NOTES #10): its tables with their fields.
pub async fn data_json(db: &Db, tenant: Id, app: Id) -> Result<String, DataError> {
    let objects = list_objects(db, Scope::of(tenant, Some(app)), None).await?;
    let described: Vec<Value> = objects
        .iter()
        .map(|o| {
            serde_json::json!({
                "id": o.id,
                "name": o.name,
                "api_slug": o.api_slug,
                "is_public_readable": o.is_public_readable,
                "fields": o.fields.iter().map(|f| serde_json::json!({
                    "name": f.name, "field_key": f.field_key, "field_type": f.field_type, "is_required": f.is_required,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&described).unwrap_or_else(|_| "[]".into()) + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_slugs_follow_the_spec_rule() {
        for good in ["orders", "customer_info", "product_v2", "a", "0x"] {
            assert!(valid_api_slug(good), "{good}");
        }
        for bad in ["Orders", "my-table", "_start", "end_", "", "a b", "ü"] {
            assert!(!valid_api_slug(bad), "{bad}");
        }
    }

    #[test]
    fn field_keys_are_safe_json_keys() {
        assert!(valid_field_key("tour_name") && valid_field_key("_x") && valid_field_key("A1"));
        for bad in ["1a", "a-b", "a'b", "", "a.b", "$a"] {
            assert!(!valid_field_key(bad), "{bad}");
        }
    }
}
