//! Server-side Python actions (spec 001 §7, §8) in a wasmtime sandbox.
//!
//! One generic component (CPython built by componentize-py from
//! `guest/runner.py`, committed as `guest/dist/actions.wasm`) runs every
//! action: its export `run(source, entry, params, config)` executes the
//! action's source in a restricted namespace, and its one import
//! `call(method, args)` carries every `ctx` call (db, data, http, secrets) to
//! a [`CtxHost`] the caller provides. This crate has no HTTP and no database:
//! the host decides what each call may do.
//!
//! Per call: a fresh `Store` and instance from one `InstancePre` (nothing
//! survives between runs), a deadline checked on the ticks of ONE global
//! epoch ticker (a run yields to the executor on every tick, so CPU-bound
//! guests do not starve tokio), and a [`ResourceLimiter`] capping the
//! store's linear memory (a failed grow is a Python `MemoryError`). WASI has
//! no preopened directories, no environment, no sockets: the sandbox, not the
//! Python whitelist, is the security boundary.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter, Store,
    UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "guest/wit",
        world: "action",
        imports: { default: async },
        exports: { default: async },
    });
}

/// The component, built by `guest/build.sh`, embedded in the binary.
pub static COMPONENT: &[u8] = include_bytes!("../guest/dist/actions.wasm");

/// The component to run: the embedded one, or the file named by
/// `APPBOX_ACTIONS_COMPONENT` (CI runs the tests against a component it
/// has just built from `guest/`).
pub fn component() -> &'static [u8] {
    static FROM_FILE: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    FROM_FILE
        .get_or_init(|| {
            let path = std::env::var_os("APPBOX_ACTIONS_COMPONENT")?;
            match std::fs::read(&path) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    tracing::error!(
                        "APPBOX_ACTIONS_COMPONENT {path:?}: {e}; using the embedded component"
                    );
                    None
                }
            }
        })
        .as_deref()
        .unwrap_or(COMPONENT)
}

/// Modules an action may import (kept in sync with `guest/runner.py`).
pub const ALLOWED_MODULES: &[&str] = &[
    "base64",
    "bisect",
    "calendar",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "typing",
    "unicodedata",
    "uuid",
];

/// The epoch ticker's period: the resolution of the wall-time cap, and how
/// often a running guest yields to the executor.
const TICK: Duration = Duration::from_millis(10);
/// The deepest wasm stack a guest may use; the fiber stack is this plus
/// room for host frames, so a guest's stack overflow is a trap, never a
/// host abort.
const MAX_WASM_STACK: usize = 4 << 20;
const ASYNC_STACK: usize = MAX_WASM_STACK + (4 << 20);

/// Limits of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall time, from instantiation to the outcome.
    pub timeout: Duration,
    /// Total linear memory of the run's instance (≤ the sandbox's cap).
    pub memory_bytes: usize,
    /// Largest serialized response (data and file together).
    pub max_output_bytes: usize,
    /// Characters kept of stdout and of stderr each.
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            memory_bytes: 256 << 20,
            max_output_bytes: 10 << 20,
            max_log_bytes: 64 << 10,
        }
    }
}

/// What the host offers the action: every `ctx` call that is not pure
/// (`db.*`, `data.*`, `http.call`, `secrets.get`) arrives here as a method
/// name and JSON arguments. An `Err` becomes a Python `ActionError` with
/// `status` and `detail`.
#[async_trait::async_trait]
pub trait CtxHost: Send + Sync {
    async fn call(&self, method: &str, args: Value) -> Result<Value, CtxError>;
}

/// A refused ctx call, as the action sees it.
#[derive(Debug, Clone)]
pub struct CtxError {
    pub status: u16,
    pub detail: String,
}

/// One action to run.
#[derive(Clone, Debug)]
pub struct Request {
    pub source: String,
    /// Shown in tracebacks and error lines (`actions/export.py`).
    pub filename: String,
    /// The function to call with `ctx` (`execute`).
    pub entry: String,
    pub params: Value,
    /// Only execute the module and check `entry` exists (publish's trial
    /// load); no ctx call happens.
    pub load_only: bool,
}

/// A file the action produced (`ctx.csv.export`).
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub filename: String,
    pub content_type: String,
    pub content_base64: String,
}

/// What a successful run produced.
#[derive(Clone, Debug)]
pub struct Output {
    /// What the action gave `ctx.response.json` (or returned), else null.
    pub data: Value,
    pub file: Option<File>,
}

/// Why a run failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActionError {
    #[error("the action ran past its {}s limit", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the action ran out of memory (limit {} MiB)", .0 >> 20)]
    Memory(usize),
    #[error("{message}")]
    Forbidden {
        /// "import" or "builtin".
        what: String,
        /// The module or builtin refused.
        name: String,
        message: String,
        line: Option<u32>,
    },
    #[error("{message}")]
    Syntax { message: String, line: Option<u32> },
    #[error("{message}")]
    Exception {
        message: String,
        traceback: String,
        line: Option<u32>,
        /// The status of a refused ctx call the action did not catch.
        status: Option<u16>,
    },
    #[error("{0}")]
    BadEntry(String),
    #[error("bad output: {0}")]
    BadOutput(String),
    /// The guest trapped (stack overflow, …) or the sandbox failed.
    #[error("the action crashed: {0}")]
    Crashed(String),
    #[error("the action sandbox is not available: {0}")]
    Setup(String),
}

/// Everything about one run.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Output, ActionError>,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
    /// The highest total linear memory the instance reached, in bytes.
    pub peak_memory: usize,
}

/// Configuration of the sandbox (one per process).
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Where the compiled component is cached (created if missing).
    pub cache_dir: PathBuf,
    /// Runs at once across the process (the pooling allocator's size).
    pub max_concurrency: u32,
    /// The most memory any run may have.
    pub max_memory_bytes: usize,
}

/// The compiled component and the engine that runs it.
pub struct Sandbox {
    engine: Engine,
    pre: bindings::ActionPre<RunState>,
    max_memory_bytes: usize,
}

struct RunState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: Limiter,
    host: Arc<dyn CtxHost>,
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl bindings::appbox::actions::host::Host for RunState {
    async fn call(&mut self, method: String, args: String) -> Result<String, String> {
        let args: Value = match serde_json::from_str(&args) {
            Ok(v) => v,
            Err(e) => return Err(json!({"status": 400, "detail": e.to_string()}).to_string()),
        };
        match self.host.call(&method, args).await {
            Ok(v) => Ok(v.to_string()),
            Err(e) => Err(json!({"status": e.status, "detail": e.detail}).to_string()),
        }
    }
}

/// Caps the store's total linear memory and records its peak.
struct Limiter {
    cap: usize,
    total: usize,
    peak: usize,
    refused: Arc<AtomicBool>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total - current.min(self.total) + desired;
        if total > self.cap {
            self.refused.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        self.total = total;
        self.peak = self.peak.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

fn engine_config(cfg: &SandboxConfig) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.max_wasm_stack(MAX_WASM_STACK);
    config.async_stack_size(ASYNC_STACK);
    let mut pool = PoolingAllocationConfig::new();
    let n = cfg.max_concurrency.max(1);
    // A componentize-py component is a handful of core modules (libpython,
    // libc, the WASI adapter, …): size every pool for that many per run.
    pool.total_component_instances(n);
    pool.total_core_instances(n * 16);
    pool.total_memories(n * 4);
    pool.total_tables(n * 16);
    pool.total_stacks(n);
    pool.max_core_instances_per_component(32);
    pool.max_memories_per_component(8);
    pool.max_tables_per_component(32);
    pool.max_memory_size(cfg.max_memory_bytes);
    pool.table_elements(64 << 10);
    pool.max_core_instance_size(8 << 20);
    pool.max_component_instance_size(8 << 20);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// The ONE epoch ticker of the process: every engine's epoch advances with
/// it; each store has its own deadline.
fn start_ticker(engine: &Engine) {
    static ENGINES: OnceLock<std::sync::Mutex<Vec<wasmtime::EngineWeak>>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        std::thread::Builder::new()
            .name("appbox-actions-epoch".into())
            .spawn(|| loop {
                std::thread::sleep(TICK);
                if let Some(list) = ENGINES.get() {
                    if let Ok(mut list) = list.lock() {
                        list.retain(|weak| match weak.upgrade() {
                            Some(engine) => {
                                engine.increment_epoch();
                                true
                            }
                            None => false,
                        });
                    }
                }
            })
            .expect("spawn the epoch ticker");
        std::sync::Mutex::new(Vec::new())
    });
    if let Ok(mut list) = engines.lock() {
        list.push(engine.weak());
    }
}

/// The cache file of the compiled component: keyed by the component's
/// content, wasmtime's version and the engine's configuration.
fn artifact_path(engine: &Engine, dir: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let mut key = Sha256::new();
    key.update(component());
    key.update(env!("CARGO_PKG_VERSION").as_bytes());
    key.update(wasm_version().as_bytes());
    key.update(hasher.finish().to_le_bytes());
    let key = hex::encode(&key.finalize()[..16]);
    dir.join(format!("actions-{key}.cwasm"))
}

fn wasm_version() -> &'static str {
    // The engine's compatibility hash covers wasmtime's version and every
    // setting that changes compiled code; this names the crate line too.
    "wasmtime-48"
}

/// Loads the compiled component from the cache, or compiles and caches it.
/// Only files this function wrote are ever deserialized: each is written
/// beside a SHA-256 of its bytes, checked before loading.
fn load_component(engine: &Engine, dir: &Path) -> Result<Component, ActionError> {
    let path = artifact_path(engine, dir);
    let sum_path = path.with_extension("sha256");
    if let (Ok(bytes), Ok(sum)) = (std::fs::read(&path), std::fs::read_to_string(&sum_path)) {
        if hex::encode(Sha256::digest(&bytes)) == sum.trim() {
            // SAFETY: the bytes are an artifact this function serialized
            // with an engine of the same configuration (the file name is
            // keyed by it) and their checksum matches what it recorded.
            match unsafe { Component::deserialize(engine, &bytes) } {
                Ok(c) => return Ok(c),
                Err(e) => tracing::warn!("actions: cached component unusable, recompiling: {e}"),
            }
        }
    }
    let started = Instant::now();
    let bytes = engine
        .precompile_component(component())
        .map_err(|e| ActionError::Setup(format!("compiling the component: {e}")))?;
    tracing::info!(
        "actions: compiled the Python sandbox in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if std::fs::create_dir_all(dir).is_ok() {
        let pid = std::process::id();
        let tmp = path.with_extension(format!("cwasm.tmp{pid}"));
        let sum_tmp = path.with_extension(format!("sha256.tmp{pid}"));
        // The artifact first, then its checksum: a reader that finds a
        // checksum finds the artifact it describes (or a mismatch, and
        // recompiles).
        let ok = std::fs::write(&tmp, &bytes).is_ok()
            && std::fs::write(&sum_tmp, hex::encode(Sha256::digest(&bytes))).is_ok()
            && std::fs::rename(&tmp, &path).is_ok()
            && std::fs::rename(&sum_tmp, &sum_path).is_ok();
        if !ok {
            tracing::warn!("actions: could not cache the compiled component in {dir:?}");
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(&sum_tmp);
        }
    }
    // SAFETY: produced just now by this engine.
    unsafe { Component::deserialize(engine, &bytes) }
        .map_err(|e| ActionError::Setup(format!("loading the component: {e}")))
}

/// Compiles (or loads from the cache) the component for `cfg`, so that a
/// later [`Sandbox::new`] with the same configuration finds it cached.
pub fn warm_cache(cfg: &SandboxConfig) -> Result<(), ActionError> {
    let engine = Engine::new(&engine_config(cfg)).map_err(|e| ActionError::Setup(e.to_string()))?;
    load_component(&engine, &cfg.cache_dir).map(|_| ())
}

impl Sandbox {
    /// Builds the engine and loads the component (blocking: seconds on a
    /// cache miss; call it off the async executor).
    pub fn new(cfg: &SandboxConfig) -> Result<Sandbox, ActionError> {
        let engine =
            Engine::new(&engine_config(cfg)).map_err(|e| ActionError::Setup(e.to_string()))?;
        let component = load_component(&engine, &cfg.cache_dir)?;
        let mut linker: Linker<RunState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| ActionError::Setup(e.to_string()))?;
        bindings::appbox::actions::host::add_to_linker::<RunState, HasSelf<RunState>>(
            &mut linker,
            |s| s,
        )
        .map_err(|e| ActionError::Setup(e.to_string()))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| ActionError::Setup(e.to_string()))?;
        let pre = bindings::ActionPre::new(pre).map_err(|e| ActionError::Setup(e.to_string()))?;
        start_ticker(&engine);
        Ok(Sandbox {
            engine,
            pre,
            max_memory_bytes: cfg.max_memory_bytes,
        })
    }

    /// Runs one action in a fresh instance.
    pub async fn run(&self, req: Request, host: Arc<dyn CtxHost>, limits: &Limits) -> Outcome {
        let started = Instant::now();
        let refused = Arc::new(AtomicBool::new(false));
        let memory_cap = limits.memory_bytes.min(self.max_memory_bytes);
        // No preopened directories, no environment, no arguments, no
        // sockets, no name lookup; stdin/stdout/stderr are empty sinks
        // (the runner captures print() itself).
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let mut store = Store::new(
            &self.engine,
            RunState {
                wasi,
                table: ResourceTable::new(),
                limiter: Limiter {
                    cap: memory_cap,
                    total: 0,
                    peak: 0,
                    refused: refused.clone(),
                },
                host,
            },
        );
        store.limiter(|s| &mut s.limiter);
        let deadline = started + limits.timeout;
        let timed_out = Arc::new(AtomicBool::new(false));
        let flag = timed_out.clone();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                flag.store(true, Ordering::Relaxed);
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        let config = json!({
            "filename": req.filename,
            "max_output_bytes": limits.max_output_bytes,
            "max_log_bytes": limits.max_log_bytes,
            "load_only": req.load_only,
        })
        .to_string();
        let params = req.params.to_string();
        let answer = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            instance
                .call_run(&mut store, &req.source, &req.entry, &params, &config)
                .await
        }
        .await;
        let peak_memory = store.data().limiter.peak;
        let duration = started.elapsed();
        let mut outcome = Outcome {
            result: Err(ActionError::Crashed(String::new())),
            stdout: String::new(),
            stderr: String::new(),
            duration,
            peak_memory,
        };
        outcome.result = match answer {
            Ok(text) => parse_answer(&text, &mut outcome, limits, memory_cap),
            Err(e) => {
                if timed_out.load(Ordering::Relaxed) {
                    Err(ActionError::Timeout(limits.timeout))
                } else if refused.load(Ordering::Relaxed) {
                    Err(ActionError::Memory(memory_cap))
                } else {
                    let trap = e
                        .downcast_ref::<wasmtime::Trap>()
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| e.to_string());
                    Err(ActionError::Crashed(trap))
                }
            }
        };
        outcome
    }
}

fn line(v: &Value) -> Option<u32> {
    v.get("line")
        .and_then(Value::as_u64)
        .and_then(|l| u32::try_from(l).ok())
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn parse_answer(
    answer: &str,
    outcome: &mut Outcome,
    limits: &Limits,
    memory_cap: usize,
) -> Result<Output, ActionError> {
    let mut v: Value = serde_json::from_str(answer)
        .map_err(|e| ActionError::BadOutput(format!("the sandbox answered no JSON: {e}")))?;
    if let Some(logs) = v.get("logs") {
        outcome.stdout = text(logs, "stdout");
        outcome.stderr = text(logs, "stderr");
    }
    if v.get("ok").and_then(Value::as_bool) == Some(true) {
        if answer.len() > limits.max_output_bytes + 2 * limits.max_log_bytes + 1024 {
            return Err(ActionError::BadOutput(format!(
                "the response is over the limit of {} bytes",
                limits.max_output_bytes
            )));
        }
        let file = match v.get("file") {
            Some(f) if f.is_object() => Some(File {
                filename: text(f, "filename"),
                content_type: text(f, "content_type"),
                content_base64: text(f, "content_base64"),
            }),
            _ => None,
        };
        return Ok(Output {
            data: v.get_mut("data").map(Value::take).unwrap_or(Value::Null),
            file,
        });
    }
    let message = text(&v, "message");
    Err(match v.get("kind").and_then(Value::as_str).unwrap_or("") {
        "memory" => ActionError::Memory(memory_cap),
        "forbidden" => ActionError::Forbidden {
            what: text(&v, "what"),
            name: text(&v, "name"),
            message,
            line: line(&v),
        },
        "syntax" => ActionError::Syntax {
            message,
            line: line(&v),
        },
        "bad_entry" => ActionError::BadEntry(message),
        "output" => ActionError::BadOutput(message),
        _ => ActionError::Exception {
            traceback: text(&v, "traceback"),
            line: line(&v),
            status: v
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok()),
            message,
        },
    })
}
