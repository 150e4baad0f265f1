//! The state every handler shares: one `Arc`, cloned per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::app_users::oauth::OAuthConfig;
use crate::app_users::secrets::SecretBox;
use crate::app_users::tokens::AppUserKeys;
use crate::auth::TokenKeys;
use crate::builder::compile::CompileService;
use crate::db::Db;
use crate::edge::proxies::TrustedProxies;
use crate::edge::rate_limit::{Limits, RateLimits};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Db,
    tokens: TokenKeys,
    app_user_keys: AppUserKeys,
    oauth: OAuthConfig,
    metrics: PrometheusHandle,
    max_body_bytes: usize,
    compiler: CompileService,
    dev: crate::builder::dev::DevHub,
    actions: crate::serving::actions::ActionsService,
    login_limits: LoginLimits,
    rate_limits: RateLimits,
    trusted_proxies: TrustedProxies,
    /// Apps' files (spec 001 §15); `None` until `with_files`.
    files: Option<crate::edge::storage::FileStore>,
    /// Invitation and password-reset mail; `None` until `with_mailer`.
    mailer: Option<crate::members::mail::Mailer>,
}

/// Login attempts allowed per account and minute (a burst of this many,
/// refilled over the minute): enough for people, too few for guessing.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 20;
/// Login attempts allowed per client address and minute: a office behind one
/// address signs in freely; a flood of new e-mails from one address stops
/// here, before any password is hashed.
const LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: u32 = 60;
/// The limiters forget idle keys after this many checks, so a flood of
/// distinct e-mails cannot grow them without bound.
const PRUNE_EVERY: u64 = 1024;

/// Logins one address may have being checked at once: a flood from one
/// address waits for its own, not in front of everyone else's.
const LOGINS_IN_FLIGHT_PER_ADDRESS: usize = 2;

/// The login limits: per account, per client address, and in flight per
/// address.
struct LoginLimits {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// A login being checked; dropping it frees the address's slot.
pub struct LoginSlot {
    address: IpAddr,
    in_flight: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for LoginSlot {
    fn drop(&mut self) {
        if let Ok(mut in_flight) = self.in_flight.lock() {
            if let Some(n) = in_flight.get_mut(&self.address) {
                *n -= 1;
                if *n == 0 {
                    in_flight.remove(&self.address);
                }
            }
        }
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// How long until a refused key may try again, in whole seconds (≥ 1),
/// rounded up: a client that waits `Retry-After` seconds is let in.
fn wait_seconds(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(
        &governor::clock::DefaultClock::default(),
    ));
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Which limit refused a login, and for how long.
pub enum LoginRefusal {
    Address(u64),
    Account(u64),
    Busy,
}

impl AppState {
    pub fn new(db: Db, jwt_secret: &[u8], max_body_bytes: usize) -> AppState {
        AppState(Arc::new(Inner {
            db,
            tokens: TokenKeys::new(jwt_secret),
            app_user_keys: AppUserKeys::new(jwt_secret),
            // Replaced by `with_oauth` with the configured key; this one
            // (derived from the JWT secret) serves in-process tests.
            oauth: OAuthConfig::new(SecretBox::from_config(&format!(
                "appbox oauth secrets:{}",
                crate::accounts::sha256_hex(jwt_secret)
            ))),
            metrics: metrics_handle(),
            max_body_bytes,
            compiler: CompileService::default(),
            dev: Default::default(),
            actions: crate::serving::actions::ActionsService::new(
                crate::serving::actions::ActionsConfig::from_env(),
            ),
            login_limits: LoginLimits {
                per_account: RateLimiter::keyed(per_minute(LOGIN_ATTEMPTS_PER_MINUTE)),
                per_address: RateLimiter::keyed(per_minute(LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE)),
                checks: AtomicU64::new(0),
                in_flight: Arc::default(),
            },
            rate_limits: RateLimits::new(Limits::default()),
            trusted_proxies: TrustedProxies::default(),
            files: None,
            mailer: None,
        }))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    pub fn app_user_keys(&self) -> &AppUserKeys {
        &self.0.app_user_keys
    }

    pub fn oauth(&self) -> &OAuthConfig {
        &self.0.oauth
    }

    /// The key of secrets kept in the database (OAuth client secrets,
    /// actions' per-app secrets).
    pub fn secrets(&self) -> &SecretBox {
        &self.0.oauth.secrets
    }

    /// Sets the OAuth configuration; call before the state is shared.
    pub fn with_oauth(mut self, oauth: OAuthConfig) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.oauth = oauth;
        }
        self
    }

    /// Sets where apps' files are stored; call before the state is shared.
    pub fn with_files(mut self, files: crate::edge::storage::FileStore) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.files = Some(files);
        }
        self
    }

    /// Apps' files; `None` in a state built without them (in-process tests).
    pub fn files(&self) -> Option<&crate::edge::storage::FileStore> {
        self.0.files.as_ref()
    }

    /// Sets where mail goes; call before the state is shared.
    pub fn with_mailer(mut self, mailer: crate::members::mail::Mailer) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.mailer = Some(mailer);
        }
        self
    }

    pub fn mailer(&self) -> Option<&crate::members::mail::Mailer> {
        self.0.mailer.as_ref()
    }

    /// Sets the request rate limits and the proxies whose X-Forwarded-For
    /// is believed; call before the state is shared.
    pub fn with_edge(mut self, limits: Limits, proxies: TrustedProxies) -> AppState {
        if let Some(inner) = Arc::get_mut(&mut self.0) {
            inner.rate_limits = RateLimits::new(limits);
            inner.trusted_proxies = proxies;
        }
        self
    }

    /// The request rate limits (spec 001 §18.6).
    pub fn rate_limits(&self) -> &RateLimits {
        &self.0.rate_limits
    }

    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.0.trusted_proxies
    }

    pub fn metrics(&self) -> &PrometheusHandle {
        &self.0.metrics
    }

    /// Counts a login attempt from `address` for `account` (already bounded
    /// in length by the caller). The address is checked first, so a flood of
    /// new accounts from one address adds no keys to the account limiter.
    pub fn login_attempt(&self, address: IpAddr, account: &str) -> Result<LoginSlot, LoginRefusal> {
        let limits = &self.0.login_limits;
        if limits.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limits.per_account.retain_recent();
            limits.per_account.shrink_to_fit();
            limits.per_address.retain_recent();
            limits.per_address.shrink_to_fit();
        }
        limits
            .per_address
            .check_key(&address)
            .map_err(|n| LoginRefusal::Address(wait_seconds(n)))?;
        limits
            .per_account
            .check_key(&account.to_owned())
            .map_err(|n| LoginRefusal::Account(wait_seconds(n)))?;
        let mut in_flight = limits.in_flight.lock().map_err(|_| LoginRefusal::Busy)?;
        let n = in_flight.entry(address).or_insert(0);
        if *n >= LOGINS_IN_FLIGHT_PER_ADDRESS {
            return Err(LoginRefusal::Busy);
        }
        *n += 1;
        Ok(LoginSlot {
            address,
            in_flight: limits.in_flight.clone(),
        })
    }

    /// The Python action sandbox and its caps (issue 10).
    pub fn actions(&self) -> &crate::serving::actions::ActionsService {
        &self.0.actions
    }

    pub fn compiler(&self) -> &CompileService {
        &self.0.compiler
    }

    /// The dev-mode event streams (`appbox dev`).
    pub fn dev(&self) -> &crate::builder::dev::DevHub {
        &self.0.dev
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
