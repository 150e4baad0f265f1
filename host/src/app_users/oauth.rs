//! OAuth sign-in for app users (spec 000 §2.4, spec 001 §19.5).
//!
//! Providers are per app (a builder stores a client id and an encrypted
//! secret). `authorize` stores a single-use `state` bound to the app, the
//! provider, the return path and the PKCE verifier; `callback` spends it,
//! exchanges the code, reads the profile and applies the linking rules of
//! §2.4.5. The providers' URLs have defaults and can be replaced by
//! configuration (`APPBOX_OAUTH_ENDPOINTS`), e.g. for a test provider.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::types::Json;

use super::secrets::{SecretBox, SecretError};
use super::tokens::{AppUserKeys, ACCESS_TOKEN_SECONDS};
use super::{AppUserError, AuthApp, SignedIn};
use crate::accounts::{random_hex, sha256_hex};
use crate::db::{is_unique_violation, Db, Id};
use crate::error::AppError;
use crate::on_db;

/// How long an authorize `state` may wait for its callback.
const STATE_MINUTES: i64 = 10;
/// How long an `oauth_pending` token lives (spec 000 §2.4.4).
pub const PENDING_MINUTES: i64 = 30;
/// Longest return path kept in a `state`.
const MAX_RETURN_PATH: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("不支援的 OAuth provider:{0}(支援:line、google)")]
    UnknownProvider(String),
    #[error("此 App 未啟用 {0} 登入")]
    NotEnabled(String),
    /// The spec's words (also for a state begun in another browser).
    #[error("無效或已使用的 OAuth state")]
    InvalidState,
    #[error("無效或已過期的 pending_token")]
    InvalidPending,
    #[error("{0}")]
    BadRequest(String),
    #[error("無效的 LIFF access token")]
    InvalidLiffToken,
    #[error("OAuth provider error: {0}")]
    Provider(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// Where a provider lives and how it is asked.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Endpoints {
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    /// Read with the provider's access token (Google: OpenID userinfo; LINE: profile).
    pub userinfo_url: Option<String>,
    /// LINE: verifies an ID token (`POST`) or a LIFF access token (`GET`).
    pub verify_url: Option<String>,
}

struct Provider {
    authorize_url: String,
    token_url: String,
    userinfo_url: String,
    verify_url: Option<String>,
    scope: &'static str,
}

/// The providers appbox knows; adding one is a row here.
const KNOWN: [&str; 2] = ["line", "google"];

fn defaults(name: &str) -> Option<Endpoints> {
    let e = |a: &str, t: &str, u: &str, v: Option<&str>| Endpoints {
        authorize_url: Some(a.into()),
        token_url: Some(t.into()),
        userinfo_url: Some(u.into()),
        verify_url: v.map(Into::into),
    };
    match name {
        "line" => Some(e(
            "https://access.line.me/oauth2/v2.1/authorize",
            "https://api.line.me/oauth2/v2.1/token",
            "https://api.line.me/v2/profile",
            Some("https://api.line.me/oauth2/v2.1/verify"),
        )),
        "google" => Some(e(
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://openidconnect.googleapis.com/v1/userinfo",
            None,
        )),
        _ => None,
    }
}

/// The OAuth settings of the server: the secret key, provider URLs, the
/// public URL, and the HTTP client for the providers.
pub struct OAuthConfig {
    pub secrets: SecretBox,
    overrides: HashMap<String, Endpoints>,
    /// `APPBOX_PUBLIC_URL`: the scheme://host[:port] providers call back to;
    /// when unset, the request's `Host` over http.
    pub public_url: Option<String>,
    http: reqwest::Client,
}

impl OAuthConfig {
    pub fn new(secrets: SecretBox) -> OAuthConfig {
        OAuthConfig {
            secrets,
            overrides: HashMap::new(),
            public_url: None,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    /// `{"google": {"token_url": "…", …}, …}`: replaces the named URLs.
    pub fn with_endpoints(mut self, json: &str) -> anyhow::Result<OAuthConfig> {
        self.overrides = serde_json::from_str(json)
            .map_err(|e| anyhow::anyhow!("APPBOX_OAUTH_ENDPOINTS is not valid JSON: {e}"))?;
        Ok(self)
    }

    pub fn with_public_url(mut self, url: Option<String>) -> OAuthConfig {
        self.public_url = url
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty());
        self
    }

    fn provider(&self, name: &str) -> Result<Provider, OAuthError> {
        let base = defaults(name).ok_or_else(|| OAuthError::UnknownProvider(name.into()))?;
        let over = self.overrides.get(name).cloned().unwrap_or_default();
        let pick = |a: Option<String>, b: Option<String>| a.or(b).unwrap_or_default();
        Ok(Provider {
            authorize_url: pick(over.authorize_url, base.authorize_url),
            token_url: pick(over.token_url, base.token_url),
            userinfo_url: pick(over.userinfo_url, base.userinfo_url),
            verify_url: over.verify_url.or(base.verify_url),
            scope: if name == "line" {
                "profile openid email"
            } else {
                "openid email profile"
            },
        })
    }
}

pub fn check_provider_name(name: &str) -> Result<(), OAuthError> {
    if KNOWN.contains(&name) {
        Ok(())
    } else {
        Err(OAuthError::UnknownProvider(name.chars().take(40).collect()))
    }
}

/// A provider as builders see it (never the secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderInfo {
    pub provider: String,
    pub client_id: String,
    pub enabled: bool,
    /// Always true: the secret is stored encrypted and never shown.
    pub has_client_secret: bool,
    pub updated_at: DateTime<Utc>,
}

/// Sets (creates or replaces) an app's provider.
pub async fn set_provider(
    db: &Db,
    config: &OAuthConfig,
    app: &crate::builder::apps::AppRecord,
    provider: &str,
    client_id: &str,
    client_secret: &str,
    enabled: bool,
) -> Result<(), AppUserError> {
    check_provider_name(provider)?;
    let sealed = config.secrets.encrypt(client_secret);
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO custom_app_oauth_providers (app_id, provider, tenant_id, client_id, client_secret, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (app_id, provider) DO UPDATE SET \
             client_id = excluded.client_id, client_secret = excluded.client_secret, enabled = excluded.enabled, updated_at = excluded.updated_at",
        )
        .bind(Id(app.id))
        .bind(provider)
        .bind(Id(app.tenant_id))
        .bind(client_id)
        .bind(&sealed)
        .bind(enabled)
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn list_providers(db: &Db, app: Id) -> Result<Vec<ProviderInfo>, sqlx::Error> {
    let rows: Vec<(String, String, bool, DateTime<Utc>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT provider, client_id, enabled, updated_at FROM custom_app_oauth_providers WHERE app_id = $1 ORDER BY provider",
        )
        .bind(app)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(provider, client_id, enabled, updated_at)| ProviderInfo {
            provider,
            client_id,
            enabled,
            has_client_secret: true,
            updated_at,
        })
        .collect())
}

/// Removes a provider; `false` if the app had none of that name.
pub async fn delete_provider(db: &Db, app: Id, provider: &str) -> Result<bool, sqlx::Error> {
    let n = on_db!(db, |pool| {
        sqlx::query("DELETE FROM custom_app_oauth_providers WHERE app_id = $1 AND provider = $2")
            .bind(app)
            .bind(provider)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(n > 0)
}

/// The enabled providers' names.
pub async fn enabled_providers(db: &Db, app: Id) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT provider FROM custom_app_oauth_providers WHERE app_id = $1 AND enabled = TRUE ORDER BY provider",
        )
        .bind(app)
        .fetch_all(pool)
        .await
    })
}

/// Client id and decrypted secret of an enabled provider.
async fn credentials(
    db: &Db,
    config: &OAuthConfig,
    app: Id,
    provider: &str,
) -> Result<(String, String), AppUserError> {
    check_provider_name(provider)?;
    let row: Option<(String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT client_id, client_secret FROM custom_app_oauth_providers WHERE app_id = $1 AND provider = $2 AND enabled = TRUE",
        )
        .bind(app)
        .bind(provider)
        .fetch_optional(pool)
        .await?
    });
    let (client_id, sealed) = row.ok_or_else(|| OAuthError::NotEnabled(provider.into()))?;
    Ok((
        client_id,
        config.secrets.decrypt(&sealed).map_err(OAuthError::from)?,
    ))
}

/// What a `state` remembers until the callback.
#[derive(Serialize, Deserialize, Default)]
struct StateData {
    return_path: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: String,
    /// SHA-256 of the value of the browser-binding cookie set by `authorize`.
    #[serde(default)]
    browser: String,
}

/// What an `oauth_pending` token remembers until the e-mail comes.
#[derive(Serialize, Deserialize)]
struct PendingData {
    subject: String,
    name: Option<String>,
    picture: Option<String>,
}

async fn put_ticket(
    db: &Db,
    kind: &str,
    app: Id,
    provider: &str,
    data: Value,
    minutes: i64,
) -> Result<String, sqlx::Error> {
    let token = random_hex(32);
    let now = Utc::now();
    on_db!(db, |pool| {
        sqlx::query("DELETE FROM custom_app_oauth_tickets WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await?;
        sqlx::query(
            "INSERT INTO custom_app_oauth_tickets (token_hash, kind, app_id, provider, data, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(kind)
        .bind(app)
        .bind(provider)
        .bind(Json(data))
        .bind(now + Duration::minutes(minutes))
        .execute(pool)
        .await?;
    });
    Ok(token)
}

/// Spends a ticket (single use): its provider and data if it is of this
/// kind and app and has not expired.
async fn take_ticket(
    db: &Db,
    kind: &str,
    app: Id,
    token: &str,
) -> Result<Option<(String, Value)>, sqlx::Error> {
    if token.len() != 64 {
        return Ok(None);
    }
    let row: Option<(Id, String, Json<Value>, DateTime<Utc>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "DELETE FROM custom_app_oauth_tickets WHERE token_hash = $1 AND kind = $2 \
             RETURNING app_id, provider, data, expires_at",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(kind)
        .fetch_optional(pool)
        .await?
    });
    Ok(row
        .filter(|(a, _, _, expires_at)| *a == app && *expires_at > Utc::now())
        .map(|(_, provider, data, _)| (provider, data.0)))
}

fn origin_of(url: &str) -> Option<String> {
    Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.origin().ascii_serialization())
}

/// The page a sign-in lands on: the app's `live_url`, else its runtime page.
fn landing_page(app: &AuthApp, public_base: &str) -> String {
    app.live_url
        .clone()
        .filter(|u| origin_of(u).is_some())
        .unwrap_or_else(|| format!("{public_base}/externalAppRuntime/{}", app.slug))
}

/// Where a sign-in may send its tokens. Every app of this server shares its
/// origin, so an origin check alone would let another app's page receive
/// them; and a base taken from the request's `Host` can be forged. So on
/// this server (known only from `APPBOX_PUBLIC_URL`) only the app's own page
/// is allowed, compared by path; elsewhere the address must be under
/// `live_url` or on an `allowed_origins` origin, never an app path.
fn redirect_allowed(app: &AuthApp, public_url: Option<&str>, uri: &str) -> bool {
    let Ok(target) = Url::parse(uri) else {
        return false;
    };
    let Some(origin) = origin_of(uri) else {
        return false;
    };
    if target.username() != "" || target.password().is_some() {
        return false;
    }
    let own_page = format!("/externalAppRuntime/{}", app.slug);
    if public_url.and_then(origin_of).as_deref() == Some(origin.as_str()) {
        return target.path() == own_page;
    }
    // Paths of this server's apps are never a target on any origin that
    // also serves them (a live_url or allowed origin set to this server).
    let app_path = ["/externalAppRuntime/", "/runtime/", "/assets/", "/api/"]
        .iter()
        .any(|p| target.path().starts_with(p));
    let under_live_url = app.live_url.as_deref().is_some_and(|live| {
        origin_of(live).as_deref() == Some(origin.as_str())
            && Url::parse(live).is_ok_and(|l| target.path().starts_with(l.path()))
    });
    let on_allowed_origin = app
        .allowed_origins
        .iter()
        .any(|a| origin_of(a).as_deref() == Some(origin.as_str()));
    (under_live_url && (!app_path || target.path() == own_page)) || (on_allowed_origin && !app_path)
}

/// Where this server is: the provider's callback URL for this app and
/// provider, and the public base (for the app's runtime page).
pub struct Site<'a> {
    pub callback_url: &'a str,
    pub public_base: &'a str,
    /// The browser-binding value: set as a cookie by `authorize`, read from
    /// it on `callback`. A `state` is spent only by the browser that asked
    /// for it, so nobody can finish their own sign-in in a victim's browser.
    pub browser: &'a str,
}

/// The provider's authorization URL (the 302 of `authorize`), after
/// storing a `state` bound to the app, the provider, the return path and
/// the PKCE verifier.
pub async fn authorize(
    db: &Db,
    config: &OAuthConfig,
    app: &AuthApp,
    provider: &str,
    return_path: Option<String>,
    redirect_uri: Option<String>,
    site: &Site<'_>,
) -> Result<String, AppUserError> {
    let Site {
        callback_url,
        public_base,
        ..
    } = *site;
    let endpoints = config.provider(provider)?;
    let (client_id, _) = credentials(db, config, app.id, provider).await?;
    if let Some(path) = &return_path {
        let fine = path.len() <= MAX_RETURN_PATH
            && (path.starts_with('#') || (path.starts_with('/') && !path.starts_with("//")))
            && !path.chars().any(char::is_control);
        if !fine {
            return Err(OAuthError::BadRequest(
                "return_path must be a path of the app such as #/orders or /orders (at most 500 characters)".into(),
            )
            .into());
        }
    }
    if let Some(uri) = &redirect_uri {
        if uri.len() > 2000 || !redirect_allowed(app, config.public_url.as_deref(), uri) {
            return Err(OAuthError::BadRequest(format!(
                "redirect_uri must be under the app's live_url or on one of its allowed_origins; leave it out to land on the app's own page {public_base}/externalAppRuntime/{}",
                app.slug
            ))
            .into());
        }
    }
    let verifier = random_hex(32);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let data = StateData {
        return_path,
        redirect_uri,
        code_verifier: verifier,
        browser: sha256_hex(site.browser.as_bytes()),
    };
    let state = put_ticket(
        db,
        "state",
        app.id,
        provider,
        serde_json::to_value(data).unwrap_or_default(),
        STATE_MINUTES,
    )
    .await?;
    let url = Url::parse_with_params(
        &endpoints.authorize_url,
        &[
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", callback_url),
            ("state", state.as_str()),
            ("scope", endpoints.scope),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .map_err(|e| OAuthError::Provider(format!("authorize_url: {e}")))?;
    Ok(url.into())
}

/// What the provider says about the user.
#[derive(Debug, Default)]
struct Profile {
    subject: String,
    email: Option<String>,
    name: Option<String>,
    picture: Option<String>,
}

fn profile_from(v: &Value) -> Option<Profile> {
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    let verified = v
        .get("email_verified")
        .map(|b| b.as_bool().unwrap_or(b.as_str() == Some("true")))
        .unwrap_or(true);
    Some(Profile {
        subject: text(&["sub", "userId", "id"])?,
        email: text(&["email"]).filter(|_| verified),
        name: text(&["name", "displayName"]),
        picture: text(&["picture", "pictureUrl"]),
    })
}

async fn provider_json(request: reqwest::RequestBuilder, what: &str) -> Result<Value, OAuthError> {
    let response = request
        .send()
        .await
        .map_err(|e| OAuthError::Provider(format!("{what}: {e}")))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| OAuthError::Provider(format!("{what}: {e}")))?;
    if !status.is_success() {
        return Err(OAuthError::Provider(format!("{what} answered {status}")));
    }
    Ok(body)
}

/// The outcome of a sign-in through a provider.
pub enum Resolution {
    SignedIn(SignedIn),
    /// No e-mail: an `oauth_pending` token to finish with `complete-email`.
    Pending(String),
}

/// What the provider sent back to the callback.
pub struct ProviderAnswer<'a> {
    pub code: Option<&'a str>,
    pub state: &'a str,
    pub error: Option<&'a str>,
}

/// Spends the `state`, exchanges the code and signs the user in. A forged,
/// replayed, expired or other app's `state` is [`OAuthError::InvalidState`]
/// (nothing to redirect to: the caller answers 400). Otherwise the answer
/// is the URL to redirect to, with `oauth_token`, `oauth_pending` or
/// `oauth_error`.
pub async fn callback(
    db: &Db,
    config: &OAuthConfig,
    keys: &AppUserKeys,
    app: &AuthApp,
    provider: &str,
    answer: &ProviderAnswer<'_>,
    site: &Site<'_>,
) -> Result<String, AppError> {
    let ProviderAnswer {
        code,
        state,
        error: provider_error,
    } = *answer;
    let Site {
        callback_url,
        public_base,
        browser,
    } = *site;
    check_provider_name(provider).map_err(AppUserError::from)?;
    let (state_provider, data) = take_ticket(db, "state", app.id, state)
        .await?
        .ok_or(AppUserError::OAuth(OAuthError::InvalidState))?;
    if state_provider != provider {
        return Err(AppUserError::OAuth(OAuthError::InvalidState).into());
    }
    let data: StateData = serde_json::from_value(data).unwrap_or_default();
    if browser.is_empty() || data.browser != sha256_hex(browser.as_bytes()) {
        return Err(AppUserError::OAuth(OAuthError::InvalidState).into());
    }
    let base = data
        .redirect_uri
        .clone()
        .unwrap_or_else(|| landing_page(app, public_base));
    let outcome = match (provider_error, code) {
        (Some(error), _) => Err(AppUserError::OAuth(OAuthError::Provider(
            error.chars().take(200).collect(),
        ))),
        (None, None) => Err(OAuthError::BadRequest("the callback has no code".into()).into()),
        (None, Some(code)) => {
            exchange(
                db,
                config,
                app,
                provider,
                code,
                &data.code_verifier,
                callback_url,
            )
            .await
        }
    };
    let mut params: Vec<(&str, String)> = Vec::new();
    match outcome {
        Ok(Resolution::SignedIn(signed)) => {
            params.push(("oauth_token", encode_tokens(keys, app, signed)?));
        }
        Ok(Resolution::Pending(token)) => params.push(("oauth_pending", token)),
        Err(AppUserError::Database(e)) => return Err(e.into()),
        Err(e) => {
            tracing::info!(provider, error = %e, "OAuth sign-in failed");
            params.push(("oauth_error", e.to_string()));
        }
    }
    if let Some(path) = data.return_path {
        params.push(("route", path));
    }
    let mut url = Url::parse(&base)
        .map_err(|e| AppUserError::OAuth(OAuthError::Provider(format!("live_url: {e}"))))?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in &params {
            query.append_pair(k, v);
        }
    }
    Ok(url.into())
}

/// The token answer as `oauth_token` carries it: JSON with every non-ASCII
/// character escaped (so `atob` + `JSON.parse` work), base64 URL-safe with
/// padding.
fn encode_tokens(keys: &AppUserKeys, app: &AuthApp, signed: SignedIn) -> Result<String, AppError> {
    let body = token_answer(keys, app, signed)?;
    let text = serde_json::to_string(&body).unwrap_or_default();
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    Ok(base64::engine::general_purpose::URL_SAFE.encode(ascii))
}

/// `{access_token, refresh_token, expires_in, token_type, user}`.
pub fn token_answer(
    keys: &AppUserKeys,
    app: &AuthApp,
    signed: SignedIn,
) -> Result<Value, AppError> {
    Ok(json!({
        "access_token": keys.issue(Id(signed.user.id), app.id, app.tenant_id)?,
        "refresh_token": signed.refresh_token,
        "expires_in": ACCESS_TOKEN_SECONDS,
        "token_type": "Bearer",
        "user": signed.user,
    }))
}

async fn exchange(
    db: &Db,
    config: &OAuthConfig,
    app: &AuthApp,
    provider: &str,
    code: &str,
    verifier: &str,
    callback_url: &str,
) -> Result<Resolution, AppUserError> {
    let endpoints = config.provider(provider)?;
    let (client_id, client_secret) = credentials(db, config, app.id, provider).await?;
    let tokens = provider_json(
        config.http.post(&endpoints.token_url).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", callback_url),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("code_verifier", verifier),
        ]),
        "token exchange",
    )
    .await?;
    let access = tokens
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::Provider("the token answer has no access_token".into()))?;
    let mut profile = provider_json(
        config.http.get(&endpoints.userinfo_url).bearer_auth(access),
        "userinfo",
    )
    .await
    .ok()
    .as_ref()
    .and_then(profile_from);
    // LINE gives the e-mail only in the ID token, which its verify endpoint reads.
    if let (Some(id_token), Some(verify)) = (
        tokens.get("id_token").and_then(Value::as_str),
        endpoints.verify_url.as_deref(),
    ) {
        let claims = provider_json(
            config
                .http
                .post(verify)
                .form(&[("id_token", id_token), ("client_id", client_id.as_str())]),
            "id token",
        )
        .await?;
        if let Some(from_token) = profile_from(&claims) {
            let merged = match profile.take() {
                Some(p) if p.subject == from_token.subject => Profile {
                    email: from_token.email.or(p.email),
                    ..p
                },
                _ => from_token,
            };
            profile = Some(merged);
        }
    }
    let profile =
        profile.ok_or_else(|| OAuthError::Provider("the provider gave no user id".into()))?;
    resolve(db, app, provider, profile).await
}

/// LINE LIFF: a LIFF access token, checked with LINE (issued to this app's
/// channel), then the same rules as a callback.
pub async fn liff_swap(
    db: &Db,
    config: &OAuthConfig,
    app: &AuthApp,
    liff_token: &str,
) -> Result<Resolution, AppUserError> {
    let endpoints = config.provider("line")?;
    let (client_id, _) = credentials(db, config, app.id, "line").await?;
    let verify = endpoints
        .verify_url
        .ok_or_else(|| OAuthError::Provider("no verify_url for line".into()))?;
    let checked = provider_json(
        config
            .http
            .get(&verify)
            .query(&[("access_token", liff_token)]),
        "LIFF verify",
    )
    .await
    .map_err(|_| OAuthError::InvalidLiffToken)?;
    let channel_ok = checked.get("client_id").and_then(Value::as_str) == Some(client_id.as_str())
        && checked
            .get("expires_in")
            .and_then(Value::as_i64)
            .is_none_or(|s| s > 0);
    if !channel_ok {
        return Err(OAuthError::InvalidLiffToken.into());
    }
    let profile = provider_json(
        config
            .http
            .get(&endpoints.userinfo_url)
            .bearer_auth(liff_token),
        "LIFF profile",
    )
    .await
    .map_err(|_| OAuthError::InvalidLiffToken)?;
    let profile = profile_from(&profile).ok_or(OAuthError::InvalidLiffToken)?;
    resolve(db, app, "line", profile).await
}

/// Spec 000 §2.4.5: a known identity signs in (profile refreshed); a
/// provider e-mail of an existing user links to them; a new e-mail makes a
/// user; no e-mail waits for one (`oauth_pending`).
async fn resolve(
    db: &Db,
    app: &AuthApp,
    provider: &str,
    profile: Profile,
) -> Result<Resolution, AppUserError> {
    let known: Option<(Id, bool)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT u.id, u.is_active FROM custom_app_user_identities i JOIN custom_app_users u ON u.id = i.user_id \
             WHERE i.app_id = $1 AND i.provider = $2 AND i.subject = $3",
        )
        .bind(app.id)
        .bind(provider)
        .bind(&profile.subject)
        .fetch_optional(pool)
        .await?
    });
    if let Some((user, active)) = known {
        if !active {
            return Err(AppUserError::Disabled);
        }
        let name = profile.name.as_deref().map(clip_name);
        on_db!(db, |pool| {
            sqlx::query(
                "UPDATE custom_app_users SET display_name = COALESCE($1, display_name), avatar_url = COALESCE($2, avatar_url), \
                 updated_at = $3 WHERE id = $4",
            )
            .bind(name)
            .bind(&profile.picture)
            .bind(Utc::now())
            .bind(user)
            .execute(pool)
            .await?;
        });
        return Ok(Resolution::SignedIn(
            super::start_session(db, user, true).await?,
        ));
    }
    match profile
        .email
        .as_deref()
        .and_then(|e| super::normalize_email(e).ok())
    {
        Some(email) => link_or_create(db, app, provider, &profile, &email, true).await,
        None => {
            let data = PendingData {
                subject: profile.subject,
                name: profile.name,
                picture: profile.picture,
            };
            let token = put_ticket(
                db,
                "pending",
                app.id,
                provider,
                serde_json::to_value(data).unwrap_or_default(),
                PENDING_MINUTES,
            )
            .await?;
            Ok(Resolution::Pending(token))
        }
    }
}

fn clip_name(name: &str) -> String {
    name.trim()
        .chars()
        .take(super::MAX_DISPLAY_NAME_CHARS)
        .collect()
}

/// Links the identity to the user with `email`, or makes that user.
/// `may_link` is false for an e-mail the user typed (complete-email): it is
/// not verified by the provider, so an existing account is not taken over
/// (409: sign in with the password instead).
async fn link_or_create(
    db: &Db,
    app: &AuthApp,
    provider: &str,
    profile: &Profile,
    email: &str,
    may_link: bool,
) -> Result<Resolution, AppUserError> {
    let existing: Option<(Id, bool)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, is_active FROM custom_app_users WHERE app_id = $1 AND email = $2",
        )
        .bind(app.id)
        .bind(email)
        .fetch_optional(pool)
        .await?
    });
    let user = match existing {
        Some(_) if !may_link => return Err(AppUserError::EmailTaken),
        Some((_, false)) => return Err(AppUserError::Disabled),
        Some((user, true)) => user,
        None => {
            let name = profile
                .name
                .as_deref()
                .map(clip_name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| clip_name(email.split('@').next().unwrap_or(email)));
            super::create_user(
                db,
                app,
                Some(email),
                None,
                &name,
                profile.picture.as_deref(),
            )
            .await?
        }
    };
    let linked: Result<(), sqlx::Error> = on_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO custom_app_user_identities (id, user_id, app_id, provider, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Id::new())
        .bind(user)
        .bind(app.id)
        .bind(provider)
        .bind(&profile.subject)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ())
    });
    match linked {
        Ok(()) => {}
        // The same identity linked by a concurrent callback: sign in as it.
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Resolution::SignedIn(
        super::start_session(db, user, true).await?,
    ))
}

/// Finishes an `oauth_pending` sign-in with an e-mail.
pub async fn complete_email(
    db: &Db,
    app: &AuthApp,
    pending_token: &str,
    email: &str,
) -> Result<SignedIn, AppUserError> {
    let email = super::normalize_email(email)?;
    let (provider, data) = take_ticket(db, "pending", app.id, pending_token.trim())
        .await?
        .ok_or(OAuthError::InvalidPending)?;
    let data: PendingData = serde_json::from_value(data).map_err(|_| OAuthError::InvalidPending)?;
    let profile = Profile {
        subject: data.subject,
        email: Some(email.clone()),
        name: data.name,
        picture: data.picture,
    };
    match link_or_create(db, app, &provider, &profile, &email, false).await? {
        Resolution::SignedIn(signed) => Ok(signed),
        Resolution::Pending(_) => Err(OAuthError::InvalidPending.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_go_only_to_the_apps_own_places() {
        let app = AuthApp {
            id: Id::new(),
            tenant_id: Id::new(),
            slug: "a1b2c3d4e5f6".into(),
            access_mode: "external".into(),
            live_url: Some("https://shop.example/app".into()),
            allowed_origins: vec!["https://admin.example".into(), "https://appbox.test".into()],
        };
        let server = Some("https://appbox.test");
        for good in [
            "https://shop.example/app/login",
            "https://admin.example/after-login",
            "https://appbox.test/externalAppRuntime/a1b2c3d4e5f6",
        ] {
            assert!(redirect_allowed(&app, server, good), "{good}");
        }
        for bad in [
            // Another app on this server, on the same origin.
            "https://appbox.test/externalAppRuntime/ffffffffffff",
            "https://appbox.test/runtime/ffffffffffff",
            // Not under live_url, a look-alike host, credentials in the URL.
            "https://shop.example/other",
            "https://shop.example.evil.test/app",
            "https://x@shop.example/app",
            "javascript:alert(1)",
            "/externalAppRuntime/a1b2c3d4e5f6",
        ] {
            assert!(!redirect_allowed(&app, server, bad), "{bad}");
        }
        // Without a configured public URL, this server's own origin (which
        // would come from a forgeable Host header) is never a target.
        assert!(!redirect_allowed(
            &AuthApp {
                allowed_origins: Vec::new(),
                live_url: None,
                ..app
            },
            None,
            "http://evil.test/externalAppRuntime/a1b2c3d4e5f6"
        ));
    }

    #[test]
    fn profiles_are_read_from_google_and_line_shapes() {
        let google = profile_from(
            &json!({"sub": "g1", "email": "A@x.io", "email_verified": true, "name": "Ada"}),
        )
        .unwrap();
        assert_eq!(
            (google.subject.as_str(), google.email.as_deref()),
            ("g1", Some("A@x.io"))
        );
        let unverified =
            profile_from(&json!({"sub": "g2", "email": "b@x.io", "email_verified": false}))
                .unwrap();
        assert_eq!(unverified.email, None);
        let line = profile_from(
            &json!({"userId": "U1", "displayName": "小明", "pictureUrl": "https://p"}),
        )
        .unwrap();
        assert_eq!(
            (line.subject.as_str(), line.name.as_deref(), line.email),
            ("U1", Some("小明"), None)
        );
        assert!(profile_from(&json!({"name": "no id"})).is_none());
    }
}
