//! The state every handler shares: one `Arc`, cloned per request.

use std::sync::{Arc, OnceLock};

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::auth::TokenKeys;
use crate::compile::CompileService;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Db,
    tokens: TokenKeys,
    metrics: PrometheusHandle,
    max_body_bytes: usize,
    compiler: CompileService,
    login_attempts: DefaultKeyedRateLimiter<String>,
}

/// Login attempts allowed per account and minute (a burst of this many,
/// refilled over the minute): enough for people, too few for guessing.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 20;

impl AppState {
    pub fn new(db: Db, jwt_secret: &[u8], max_body_bytes: usize) -> AppState {
        AppState(Arc::new(Inner {
            db,
            tokens: TokenKeys::new(jwt_secret),
            metrics: metrics_handle(),
            max_body_bytes,
            compiler: CompileService::default(),
            login_attempts: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(LOGIN_ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            )),
        }))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    pub fn metrics(&self) -> &PrometheusHandle {
        &self.0.metrics
    }

    /// Counts a login attempt for `account`; `Err(seconds)` when over the
    /// limit, with how long to wait.
    pub fn login_attempt(&self, account: &str) -> Result<(), u64> {
        self.0
            .login_attempts
            .check_key(&account.to_owned())
            .map_err(|not_until| {
                not_until
                    .wait_time_from(governor::clock::Clock::now(
                        &governor::clock::DefaultClock::default(),
                    ))
                    .as_secs()
                    .max(1)
            })
    }

    pub fn compiler(&self) -> &CompileService {
        &self.0.compiler
    }

    pub fn max_body_bytes(&self) -> usize {
        self.0.max_body_bytes
    }
}

/// The process-wide Prometheus recorder (the `metrics` facade has one global
/// recorder, so it is installed once however many routers are built).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is already installed, in which
            // case our handle just renders nothing: not worth a crash.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
