//! Server-side Python actions (spec 001 §7, §8; issue 10): the host side of
//! the `appbox-actions` sandbox. Finds an action in an app's files
//! (`actions/manifest.json`), runs it with the deployment's caps and a
//! per-tenant concurrency cap, answers its `ctx` calls through the same
//! engine functions as the HTTP APIs (the proxy with the caller's
//! [`Caller`], the Custom Tables with the app's [`Scope`], the app's secrets
//! and services), and records every run in `action_runs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use appbox_actions::{ActionError, CtxError, CtxHost, Limits, Outcome, Request, Sandbox};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::app_secrets::{self, SecretsError};
use super::services::{CallArgs, Outbound};
use crate::app_users::secrets::SecretBox;
use crate::builder::vfs::Files;
use crate::data::custom_tables::{self, RecordQuery, Scope};
use crate::data::proxy::{self, Caller, QueryBody};
use crate::db::{Db, Id, Lease};
use crate::error::AppError;
use crate::on_db;

/// Runs kept per app in `action_runs`; every PRUNE_EVERY-th recorded run
/// deletes its app's older ones.
pub const RUNS_KEPT_PER_APP: i64 = 1000;
/// The trial load of publish and compile: a module's top level must load
/// within this.
const TRIAL_TIMEOUT: Duration = Duration::from_secs(5);
pub const MANIFEST: &str = "actions/manifest.json";
/// App versions whose action files are kept in memory.
const FILES_CACHED: usize = 512;
/// Every this many recorded runs, the app's runs past RUNS_KEPT_PER_APP go.
const PRUNE_EVERY: u64 = 64;

/// Deployment settings (environment variables, see README "Actions").
#[derive(Clone, Debug)]
pub struct ActionsConfig {
    pub timeout: Duration,
    pub memory_bytes: usize,
    pub per_tenant: usize,
    pub max_concurrency: u32,
    pub max_output_bytes: usize,
    pub cache_dir: PathBuf,
    /// `APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS`: services may be on private,
    /// loopback and link-local addresses (see `services.rs`).
    pub allow_private_hosts: bool,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

impl ActionsConfig {
    pub fn from_env() -> ActionsConfig {
        let cache_dir = std::env::var_os("APPBOX_ACTIONS_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/appbox/actions"))
            })
            .unwrap_or_else(|| PathBuf::from("appbox-data/cache"));
        ActionsConfig {
            timeout: Duration::from_millis(env_num("APPBOX_ACTION_TIMEOUT_MS", 30_000).max(10)),
            memory_bytes: (env_num("APPBOX_ACTION_MEMORY_MB", 256).clamp(32, 4096) as usize) << 20,
            per_tenant: env_num("APPBOX_ACTIONS_PER_TENANT", 4).max(1) as usize,
            max_concurrency: env_num("APPBOX_ACTIONS_CONCURRENCY", 16).clamp(1, 1024) as u32,
            max_output_bytes: (env_num("APPBOX_ACTION_MAX_OUTPUT_MB", 10).max(1) as usize) << 20,
            cache_dir,
            allow_private_hosts: std::env::var("APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS")
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes")),
        }
    }

    fn sandbox_config(&self) -> appbox_actions::SandboxConfig {
        appbox_actions::SandboxConfig {
            cache_dir: self.cache_dir.clone(),
            max_concurrency: self.max_concurrency,
            max_memory_bytes: self.memory_bytes,
        }
    }
}

/// Compiles the sandbox into the cache of this environment's configuration
/// (blocking), so that servers started afterwards load it in milliseconds.
pub fn warm_cache() -> Result<(), String> {
    appbox_actions::warm_cache(&ActionsConfig::from_env().sandbox_config())
        .map_err(|e| e.to_string())
}

/// The sandbox (compiled on first use) and the concurrency caps.
pub struct ActionsService {
    config: ActionsConfig,
    /// The `actions/` files of app versions (versions never change).
    files: Mutex<HashMap<(uuid::Uuid, i64), Arc<Files>>>,
    /// Runs recorded since start: every 64th prunes the app's old runs.
    recorded: std::sync::atomic::AtomicU64,
    sandbox: OnceCell<Result<Arc<Sandbox>, String>>,
    running: Arc<Mutex<HashMap<Id, usize>>>,
    total: Arc<tokio::sync::Semaphore>,
    /// The HTTP client of `ctx.http.call`.
    outbound: Outbound,
    /// Recent [`ActionsService::check`] results by a hash of the actions'
    /// files, oldest first: the compile API checks on every compile, and
    /// an edit of a page leaves the actions as they were (a trial load is
    /// ~5 ms an action).
    checked: Mutex<std::collections::VecDeque<([u8; 32], Vec<Problem>)>>,
}

/// Check results kept (a few per app being worked on).
const CHECKS_KEPT: usize = 64;

/// A run's slot in its tenant's cap; dropping it frees the slot.
struct Slot {
    tenant: Id,
    running: Arc<Mutex<HashMap<Id, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.running.lock() {
            if let Some(n) = map.get_mut(&self.tenant) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&self.tenant);
                }
            }
        }
    }
}

/// One entry of `actions/manifest.json`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ManifestEntry {
    pub name: String,
    pub file: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub timeout_s: Option<f64>,
    #[serde(default)]
    pub public: bool,
}

#[derive(Deserialize)]
struct Manifest {
    actions: Vec<ManifestEntry>,
}

/// Who runs an action: decides the proxy caller (and with it live or
/// published references) and what the answer shows.
#[derive(Clone, Copy, Debug)]
pub enum RunAs {
    /// A builder's test run: the current VFS, live references, logs and
    /// tracebacks in the answer.
    Builder { tenant: Id, app: Id, user: Id },
    /// `/actions/{app_id}`: a member of an internal app.
    Platform { tenant: Id, app: Id, user: Id },
    /// `/open/actions`: an API key.
    ApiKey { tenant: Id, app: Id, key: Id },
    /// `/ext/actions`: an app user.
    AppUser { tenant: Id, app: Id, user: Id },
    /// `/pub/actions/{slug}`: an anonymous visitor, only actions marked
    /// `"public": true`; the action sees what the visitor may see (public
    /// references and tables, reads only).
    Public { tenant: Id, app: Id },
}

impl RunAs {
    fn caller(self) -> Caller {
        match self {
            RunAs::Builder { tenant, app, user } | RunAs::Platform { tenant, app, user } => {
                Caller::Internal { tenant, app, user }
            }
            RunAs::ApiKey { tenant, app, key } => Caller::Open { tenant, app, key },
            RunAs::AppUser { tenant, app, user } => Caller::Ext { tenant, app, user },
            RunAs::Public { tenant, app } => Caller::Pub { tenant, app },
        }
    }
    fn tenant(self) -> Id {
        match self {
            RunAs::Builder { tenant, .. }
            | RunAs::Platform { tenant, .. }
            | RunAs::ApiKey { tenant, .. }
            | RunAs::AppUser { tenant, .. }
            | RunAs::Public { tenant, .. } => tenant,
        }
    }
    fn app(self) -> Id {
        match self {
            RunAs::Builder { app, .. }
            | RunAs::Platform { app, .. }
            | RunAs::ApiKey { app, .. }
            | RunAs::AppUser { app, .. }
            | RunAs::Public { app, .. } => app,
        }
    }
    fn kind(self) -> &'static str {
        match self {
            RunAs::Builder { .. } => "builder",
            RunAs::Platform { .. } => "platform",
            RunAs::ApiKey { .. } => "api_key",
            RunAs::AppUser { .. } => "app_user",
            RunAs::Public { .. } => "public",
        }
    }
    pub fn is_builder(self) -> bool {
        matches!(self, RunAs::Builder { .. })
    }
    pub fn is_public(self) -> bool {
        matches!(self, RunAs::Public { .. })
    }
}

/// Why an action could not be run (before or after the sandbox).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadManifest(String),
    #[error("Action {0:?} is not public: anonymous visitors run only actions marked \"public\": true in actions/manifest.json; sign in to run it")]
    NotPublic(String),
    #[error("This organisation already runs {0} actions at once; try again in a moment")]
    Busy(usize),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<RunError> for AppError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::NotFound(t) => AppError::NotFound(t),
            RunError::BadManifest(t) => AppError::Unprocessable(t),
            RunError::NotPublic(_) => AppError::Forbidden(err.to_string()),
            RunError::Busy(_) => AppError::TooManyRequests {
                detail: err.to_string(),
                retry_after_seconds: 1,
            },
            RunError::App(e) => e,
        }
    }
}

/// Parses the manifest of `files` (an app without one has no actions).
pub fn manifest(files: &Files) -> Result<Vec<ManifestEntry>, String> {
    let Some(text) = files.get(MANIFEST) else {
        return Ok(Vec::new());
    };
    let manifest: Manifest = serde_json::from_str(text)
        .map_err(|e| format!("{MANIFEST}:{}:{}: {e}", e.line(), e.column()))?;
    Ok(manifest.actions)
}

fn source_path(entry: &ManifestEntry) -> String {
    format!("actions/{}", entry.file.trim_start_matches("./"))
}

impl ActionsService {
    pub fn new(config: ActionsConfig) -> ActionsService {
        let total = Arc::new(tokio::sync::Semaphore::new(config.max_concurrency as usize));
        ActionsService {
            outbound: Outbound::new(config.allow_private_hosts),
            config,
            files: Mutex::default(),
            recorded: std::sync::atomic::AtomicU64::new(0),
            sandbox: OnceCell::new(),
            running: Arc::default(),
            total,
            checked: Mutex::default(),
        }
    }

    pub fn config(&self) -> &ActionsConfig {
        &self.config
    }

    /// The sandbox, compiled (or loaded from the cache) on first use.
    async fn sandbox(&self) -> Result<Arc<Sandbox>, AppError> {
        let config = self.config.sandbox_config();
        let sandbox = self
            .sandbox
            .get_or_init(|| async move {
                tokio::task::spawn_blocking(move || Sandbox::new(&config))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map(Arc::new).map_err(|e| e.to_string()))
            })
            .await;
        sandbox
            .clone()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("the action sandbox: {e}")))
    }

    /// The `actions/` files of version `version` of `app`, read once per
    /// version (a version's files never change).
    pub async fn files(
        &self,
        db: &Db,
        app: uuid::Uuid,
        version: i64,
    ) -> Result<Arc<Files>, AppError> {
        if let Some(files) = self
            .files
            .lock()
            .ok()
            .and_then(|m| m.get(&(app, version)).cloned())
        {
            return Ok(files);
        }
        let mut files = crate::builder::apps::read_files(db, app, version).await?;
        files.retain(|path, _| path.starts_with("actions/"));
        let files = Arc::new(files);
        if let Ok(mut map) = self.files.lock() {
            if map.len() >= FILES_CACHED {
                map.clear();
            }
            map.insert((app, version), files.clone());
        }
        Ok(files)
    }

    /// Makes the sandbox ready (compiling the component if it is not
    /// cached); logs how it went.
    pub async fn preload(&self) {
        let started = std::time::Instant::now();
        match self.sandbox().await {
            Ok(_) => tracing::info!(
                "actions: the Python sandbox is ready ({:.1} s)",
                started.elapsed().as_secs_f64()
            ),
            Err(e) => tracing::error!("actions: {e}"),
        }
    }

    fn slot(&self, tenant: Id) -> Result<Slot, RunError> {
        let mut map = self
            .running
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("actions lock poisoned")))?;
        let n = map.entry(tenant).or_insert(0);
        if *n >= self.config.per_tenant {
            return Err(RunError::Busy(self.config.per_tenant));
        }
        *n += 1;
        Ok(Slot {
            tenant,
            running: self.running.clone(),
        })
    }

    /// Runs action `name` of `files` as `who` (`keys` opens the app's
    /// secrets), records the run, and answers the outcome.
    pub async fn run(
        &self,
        db: &Db,
        keys: &SecretBox,
        files: &Files,
        name: &str,
        params: Value,
        who: RunAs,
    ) -> Result<Outcome, RunError> {
        let entries = manifest(files).map_err(RunError::BadManifest)?;
        let entry = entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| RunError::NotFound(format!("Action {name:?} not found")))?;
        if who.is_public() && !entry.public {
            return Err(RunError::NotPublic(name.to_owned()));
        }
        let path = source_path(entry);
        let source = files.get(&path).ok_or_else(|| {
            RunError::NotFound(format!("Action {name:?}: its file {path} does not exist"))
        })?;
        let _slot = self.slot(who.tenant())?;
        let _permit = self
            .total
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Unavailable("actions are shutting down".into()))?;
        let sandbox = self.sandbox().await?;
        let mut limits = Limits {
            timeout: self.config.timeout,
            memory_bytes: self.config.memory_bytes,
            max_output_bytes: self.config.max_output_bytes,
            ..Limits::default()
        };
        if let Some(t) = entry.timeout_s.filter(|t| *t > 0.0 && t.is_finite()) {
            limits.timeout = limits.timeout.min(Duration::from_secs_f64(t));
        }
        let host = Arc::new(HostCtx {
            db: db.clone(),
            caller: who.caller(),
            scope: Scope {
                tenant_id: who.tenant(),
                app_id: Some(who.app()),
                public_only: who.is_public(),
            },
            app: who.app(),
            keys: keys.clone(),
            outbound: self.outbound.clone(),
            deadline: Instant::now() + limits.timeout,
            lease: Lease::default(),
        });
        let outcome = sandbox
            .run(
                Request {
                    source: source.clone(),
                    filename: path,
                    entry: "execute".into(),
                    params,
                    load_only: false,
                },
                host,
                &limits,
            )
            .await;
        // Recorded off the request path (a commit can wait for the disk).
        let row = RunRow::of(who, name, &outcome);
        let prune = self
            .recorded
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY);
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(e) = record(&db, row, prune).await {
                tracing::warn!("recording an action run: {e}");
            }
        });
        Ok(outcome)
    }

    /// Checks every action of `files` (publish, and the compile API as
    /// warnings): each listed file exists, parses, loads and defines
    /// `execute`.
    pub async fn check(&self, files: &Files) -> Vec<Problem> {
        let entries = match manifest(files) {
            Ok(e) => e,
            Err(e) => {
                return vec![Problem {
                    file: MANIFEST.into(),
                    line: None,
                    message: e,
                }]
            }
        };
        if entries.is_empty() {
            return Vec::new();
        }
        let key = checked_key(files, &entries);
        let kept = self.checked.lock().ok().and_then(|checked| {
            checked
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, problems)| problems.clone())
        });
        if let Some(problems) = kept {
            return problems;
        }
        let sandbox = match self.sandbox().await {
            Ok(s) => s,
            Err(e) => {
                return vec![Problem {
                    file: MANIFEST.into(),
                    line: None,
                    message: format!("actions could not be checked: {e}"),
                }]
            }
        };
        let mut problems = Vec::new();
        let mut of_the_files = true;
        for entry in &entries {
            let path = source_path(entry);
            let Some(source) = files.get(&path) else {
                problems.push(Problem {
                    file: MANIFEST.into(),
                    line: None,
                    message: format!("action {:?}: {path} does not exist", entry.name),
                });
                continue;
            };
            let outcome = sandbox
                .run(
                    Request {
                        source: source.clone(),
                        filename: path.clone(),
                        entry: "execute".into(),
                        params: Value::Null,
                        load_only: true,
                    },
                    Arc::new(NoCtx),
                    &Limits {
                        timeout: TRIAL_TIMEOUT,
                        memory_bytes: self.config.memory_bytes,
                        ..Limits::default()
                    },
                )
                .await;
            if let Err(e) = outcome.result {
                // A timeout, a crash or a full pool says as much about the
                // machine's load as about the file: such a result is not
                // kept, or publish would go on refusing working actions.
                of_the_files &= matches!(
                    e,
                    ActionError::Syntax { .. }
                        | ActionError::Forbidden { .. }
                        | ActionError::Exception { .. }
                        | ActionError::BadEntry(_)
                );
                let line = match &e {
                    ActionError::Syntax { line, .. }
                    | ActionError::Forbidden { line, .. }
                    | ActionError::Exception { line, .. } => *line,
                    _ => None,
                };
                problems.push(Problem {
                    file: path,
                    line,
                    message: e.to_string(),
                });
            }
        }
        if let (true, Ok(mut checked)) = (of_the_files, self.checked.lock()) {
            checked.push_back((key, problems.clone()));
            if checked.len() > CHECKS_KEPT {
                checked.pop_front();
            }
        }
        problems
    }
}

/// What a check's result depends on: the manifest and each listed file.
fn checked_key(files: &Files, entries: &[ManifestEntry]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for path in std::iter::once(MANIFEST.to_owned()).chain(entries.iter().map(source_path)) {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        match files.get(&path) {
            Some(text) => {
                hasher.update([1]);
                hasher.update((text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update([0]),
        }
    }
    hasher.finalize().into()
}

/// An action that does not load: `actions/x.py:3: SyntaxError: …`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// What a run's error is called in the run log.
pub fn status_of(result: &Result<appbox_actions::Output, ActionError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(ActionError::Timeout(_)) => "timeout",
        Err(ActionError::Memory(_)) => "memory",
        Err(ActionError::Forbidden { .. }) => "forbidden",
        Err(_) => "error",
    }
}

/// A run as `action_runs` records it.
struct RunRow {
    who: RunAs,
    name: String,
    status: &'static str,
    duration_ms: i64,
    peak_memory: i64,
    error: Option<String>,
    logs: Option<String>,
}

impl RunRow {
    fn of(who: RunAs, name: &str, outcome: &Outcome) -> RunRow {
        RunRow {
            who,
            name: name.to_owned(),
            status: status_of(&outcome.result),
            duration_ms: outcome.duration.as_millis() as i64,
            peak_memory: outcome.peak_memory as i64,
            error: outcome
                .result
                .as_ref()
                .err()
                .map(|e| e.to_string().chars().take(2000).collect()),
            logs: who
                .is_builder()
                .then(|| format!("{}{}", outcome.stdout, outcome.stderr)),
        }
    }
}

async fn record(db: &Db, row: RunRow, prune: bool) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO action_runs (id, tenant_id, app_id, action, caller_kind, status, duration_ms, peak_memory_bytes, error, logs, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let prune_sql = "DELETE FROM action_runs WHERE app_id = $1 AND id NOT IN \
                 (SELECT id FROM action_runs WHERE app_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)";
    let who = row.who;
    on_db!(db, |pool| {
        sqlx::query(sql)
            .bind(Id::new())
            .bind(who.tenant())
            .bind(who.app())
            .bind(&row.name)
            .bind(who.kind())
            .bind(row.status)
            .bind(row.duration_ms)
            .bind(row.peak_memory)
            .bind(&row.error)
            .bind(&row.logs)
            .bind(Utc::now())
            .execute(pool)
            .await?;
        if prune {
            sqlx::query(prune_sql)
                .bind(who.app())
                .bind(RUNS_KEPT_PER_APP)
                .execute(pool)
                .await?;
        }
        Ok(())
    })
}

/// One row of the run log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunRecord {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub action: String,
    /// builder, platform, api_key or app_user.
    pub caller_kind: String,
    /// ok, timeout, memory, forbidden or error.
    pub status: String,
    pub duration_ms: i64,
    pub peak_memory_bytes: i64,
    pub error: Option<String>,
    /// stdout then stderr, builders' runs only.
    pub logs: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The runs of an app, newest first.
pub async fn list_runs(
    db: &Db,
    tenant: Id,
    app: Id,
    action: Option<&str>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<RunRecord>, sqlx::Error> {
    let sql = "SELECT id, action, caller_kind, status, duration_ms, peak_memory_bytes, error, logs, created_at \
               FROM action_runs WHERE tenant_id = $1 AND app_id = $2 \
               AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR status = $4) \
               ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6";
    type Row = (
        Id,
        String,
        String,
        String,
        i64,
        i64,
        Option<String>,
        Option<String>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(tenant)
        .bind(app)
        .bind(action)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| RunRecord {
            id: r.0 .0,
            action: r.1,
            caller_kind: r.2,
            status: r.3,
            duration_ms: r.4,
            peak_memory_bytes: r.5,
            error: r.6,
            logs: r.7,
            created_at: r.8,
        })
        .collect())
}

/// The host side of `ctx`: every call goes through the engine functions
/// the HTTP APIs use, as the run's caller.
struct HostCtx {
    db: Db,
    caller: Caller,
    scope: Scope,
    app: Id,
    keys: SecretBox,
    outbound: Outbound,
    /// When the run's cap ends: an outbound call gets at most what is left.
    deadline: Instant,
    /// The SQLite connection the run's `ctx.db.query` calls read on, kept
    /// until the run ends (see [`Lease`]).
    lease: Lease,
}

/// The trial load makes no ctx calls (only the module's top level runs).
struct NoCtx;

#[async_trait::async_trait]
impl CtxHost for NoCtx {
    async fn call(&self, method: &str, _args: Value) -> Result<Value, CtxError> {
        Err(CtxError {
            status: 400,
            detail: format!("ctx.{method} is not available while the module loads"),
        })
    }
}

fn refuse(err: impl Into<AppError>) -> CtxError {
    let err = err.into();
    let status = err.status().as_u16();
    let detail = match &err {
        AppError::Internal(e) => {
            tracing::error!(error = ?e, "an action's ctx call failed");
            "Internal server error".to_owned()
        }
        other => other.to_string(),
    };
    CtxError { status, detail }
}

fn bad(detail: impl Into<String>) -> CtxError {
    CtxError {
        status: 400,
        detail: detail.into(),
    }
}

fn arg_str<'a>(args: &'a Value, key: &str) -> Result<&'a str, CtxError> {
    match args.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Number(_)) => Err(bad(format!("{key} must be a string"))),
        _ => Err(bad(format!("{key} is required"))),
    }
}

fn arg_id(args: &Value) -> Result<String, CtxError> {
    match args.get("id") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(bad("id is required")),
    }
}

/// `ctx.db.query(table, limit=, offset=, order_by=, filters=, search=,
/// search_columns=, select=)` as a proxy query body. `order_by` may be a
/// column name (`"-name"` descending), a list of them, or the proxy's
/// `[{column, direction}]`; `filters` the proxy's list or a `{column:
/// value}` dict of equalities.
fn query_body(args: &Value) -> Result<QueryBody, CtxError> {
    let mut body = serde_json::Map::new();
    for key in ["limit", "offset", "search", "search_columns", "count_only"] {
        if let Some(v) = args.get(key).filter(|v| !v.is_null()) {
            body.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = args
        .get("select")
        .or_else(|| args.get("select_columns"))
        .filter(|v| !v.is_null())
    {
        body.insert("select_columns".into(), v.clone());
    }
    match args.get("filters") {
        Some(Value::Object(map)) => {
            let list: Vec<Value> = map
                .iter()
                .map(|(k, v)| json!({"column": k, "op": "eq", "value": v}))
                .collect();
            body.insert("filters".into(), Value::Array(list));
        }
        Some(v @ Value::Array(_)) => {
            body.insert("filters".into(), v.clone());
        }
        _ => {}
    }
    let order = |v: &Value| -> Value {
        match v {
            Value::String(s) => match s.strip_prefix('-') {
                Some(col) => json!({"column": col, "direction": "desc"}),
                None => json!({"column": s, "direction": "asc"}),
            },
            other => other.clone(),
        }
    };
    match args.get("order_by") {
        Some(Value::Array(items)) => {
            body.insert(
                "order_by".into(),
                Value::Array(items.iter().map(order).collect()),
            );
        }
        Some(v @ (Value::String(_) | Value::Object(_))) => {
            body.insert("order_by".into(), Value::Array(vec![order(v)]));
        }
        _ => {}
    }
    serde_json::from_value(Value::Object(body)).map_err(|e| bad(e.to_string()))
}

fn record_query(args: &Value) -> Result<RecordQuery, CtxError> {
    let num = |k: &str| args.get(k).and_then(Value::as_i64);
    let mut filters = Vec::new();
    if let Some(Value::Object(map)) = args.get("filters") {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            filters.push((k.clone(), text));
        }
    }
    Ok(RecordQuery {
        limit: num("limit"),
        offset: num("offset"),
        sort: args.get("sort").and_then(Value::as_str).map(str::to_owned),
        filters,
    })
}

fn to_value<T: Serialize>(v: T) -> Result<Value, CtxError> {
    serde_json::to_value(v).map_err(|e| refuse(AppError::Internal(e.into())))
}

#[async_trait::async_trait]
impl CtxHost for HostCtx {
    async fn call(&self, method: &str, args: Value) -> Result<Value, CtxError> {
        let db = &self.db;
        match method {
            "db.query" => {
                let table = arg_str(&args, "table")?;
                let body = query_body(&args)?;
                let text = proxy::query(db, Some(&self.lease), self.caller, table, &body)
                    .await
                    .map_err(refuse)?;
                let mut v: Value = serde_json::from_str(&text)
                    .map_err(|e| refuse(AppError::Internal(e.into())))?;
                // A list of rows, like the spec's example iterates over;
                // count_only answers {"total": n}.
                Ok(match v.get_mut("data") {
                    Some(rows) if !body.count_only => rows.take(),
                    _ => v,
                })
            }
            "db.insert" => {
                let table = arg_str(&args, "table")?;
                let data = args.get("data").cloned().unwrap_or(Value::Null);
                proxy::insert(db, self.caller, table, data)
                    .await
                    .map_err(refuse)
            }
            "db.update" => {
                let table = arg_str(&args, "table")?;
                let id = arg_id(&args)?;
                let data = args.get("data").cloned().unwrap_or(Value::Null);
                proxy::update(db, self.caller, table, &id, data)
                    .await
                    .map_err(refuse)
            }
            "db.delete" => {
                let table = arg_str(&args, "table")?;
                let id = arg_id(&args)?;
                let answer = proxy::delete(db, self.caller, table, &id)
                    .await
                    .map_err(refuse)?;
                Ok(answer.unwrap_or_else(|| json!({"id": id, "deleted": true})))
            }
            "data.list" => {
                let table = arg_str(&args, "table")?;
                let object = custom_tables::find_object(db, self.scope, table)
                    .await
                    .map_err(refuse)?;
                let rows = custom_tables::list_records(db, &object, &record_query(&args)?)
                    .await
                    .map_err(refuse)?;
                to_value(rows)
            }
            "data.get" => {
                let id = arg_id(&args)?;
                let (_, record) = custom_tables::find_record(db, self.scope, &id)
                    .await
                    .map_err(refuse)?;
                to_value(record)
            }
            "data.insert" => {
                let table = arg_str(&args, "table")?;
                let object = custom_tables::find_object(db, self.scope, table)
                    .await
                    .map_err(refuse)?;
                let data = args.get("data").cloned().unwrap_or(Value::Null);
                let record = custom_tables::create_record(db, self.scope, &object, data)
                    .await
                    .map_err(refuse)?;
                to_value(record)
            }
            "data.update" => {
                let id = arg_id(&args)?;
                let data = args.get("data").cloned().unwrap_or(Value::Null);
                let record = custom_tables::update_record(db, self.scope, &id, data)
                    .await
                    .map_err(refuse)?;
                to_value(record)
            }
            "data.delete" => {
                let id = arg_id(&args)?;
                custom_tables::delete_record(db, self.scope, &id)
                    .await
                    .map_err(refuse)?;
                Ok(json!({"id": id, "deleted": true}))
            }
            "secrets.get" => {
                let key = arg_str(&args, "key")?;
                match app_secrets::reveal(db, &self.keys, self.scope.tenant_id, self.app, key).await {
                    Ok(value) => Ok(Value::String(value)),
                    Err(SecretsError::NotFound(_)) => Err(CtxError {
                        status: 404,
                        detail: format!(
                            "No secret named {key:?} in this app: a builder sets it with PUT /api/v1/builder/apps/{{id}}/secrets/{key}"
                        ),
                    }),
                    Err(e) => Err(refuse(e)),
                }
            }
            "http.call" => {
                let call: CallArgs =
                    serde_json::from_value(args).map_err(|e| bad(format!("ctx.http.call: {e}")))?;
                self.outbound
                    .call(
                        db,
                        &self.keys,
                        self.scope.tenant_id,
                        self.app,
                        call,
                        self.deadline,
                    )
                    .await
                    .map_err(|e| CtxError {
                        status: e.status,
                        detail: e.detail,
                    })
            }
            other => Err(bad(format!("Unknown ctx call: {other}"))),
        }
    }
}
