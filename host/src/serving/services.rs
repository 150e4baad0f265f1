//! The outbound services of server-side actions (`ctx.http.call(service,
//! endpoint, method, json, headers)`): a builder configures, per app, a name,
//! a base URL and headers the host adds (a credential is a reference to one
//! of the app's secrets, read at call time). An action reaches nothing else:
//! the endpoint is a path appended to the base URL (no absolute URLs, no
//! `..`, no host change), redirects are followed only to the same origin,
//! and each call has a timeout and a response-size cap.
//!
//! The SSRF rule: a service whose host is, or resolves to, a loopback,
//! private, link-local (169.254.0.0/16, the cloud metadata address),
//! shared, unspecified, multicast or other non-public address is refused,
//! unless the deployment sets `APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS=1` (for a
//! service on the same network, and for the tests). Names are resolved by
//! appbox itself and the checked addresses are the ones connected to (no
//! second lookup to rebind), and no HTTP proxy from the environment is used.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::app_secrets::{self, valid_name, Row, SecretsError};
use crate::app_users::secrets::SecretBox;
use crate::db::{Db, Id};
use crate::error::AppError;
use crate::on_db;

/// Services an app may have.
pub const MAX_SERVICES_PER_APP: i64 = 20;
/// Headers a service may add, and an action may pass to one call.
const MAX_HEADERS: usize = 20;
const MAX_HEADER_BYTES: usize = 4096;
const MAX_URL_BYTES: usize = 2048;
/// A call's request body (the `json=` argument, serialized).
pub const MAX_REQUEST_BYTES: usize = 1 << 20;
/// A call's response body.
pub const MAX_RESPONSE_BYTES: usize = 5 << 20;
/// A call's whole exchange (connect, send, read), and at most what is left
/// of the action's own cap.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;
/// Headers an action may not set: they belong to the connection.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(
        "A service name is 1 to 64 letters, digits or _ and starts with a letter or _ (got {0:?})"
    )]
    BadName(String),
    #[error("{0}")]
    Invalid(String),
    #[error("This app already has {MAX_SERVICES_PER_APP} services: delete one first")]
    TooMany,
    #[error("No service named {0:?} in this app: add it with PUT /api/v1/builder/apps/{{id}}/services/{0}")]
    NotFound(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ServicesError> for AppError {
    fn from(err: ServicesError) -> Self {
        let text = err.to_string();
        match err {
            ServicesError::BadName(_) | ServicesError::Invalid(_) => AppError::Unprocessable(text),
            ServicesError::TooMany => AppError::Conflict(text),
            ServicesError::NotFound(_) => AppError::NotFound(text),
            ServicesError::Database(e) => e.into(),
        }
    }
}

/// A header the host adds to every call of a service: fixed text, or one
/// of the app's secrets (with an optional prefix such as `"Bearer "`).
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum HeaderSpec {
    Text(String),
    Secret {
        secret: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
    },
}

/// What a builder sets for a service.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// `http(s)://host[:port][/path]`, no credentials, query or fragment.
    pub base_url: String,
    /// Header name → text, or `{"secret": "NAME", "prefix": "Bearer "}`.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderSpec>,
}

/// A service as the API lists it (secrets appear by name only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceInfo {
    pub name: String,
    pub base_url: String,
    pub headers: BTreeMap<String, HeaderSpec>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn invalid(text: impl Into<String>) -> ServicesError {
    ServicesError::Invalid(text.into())
}

fn check_base_url(text: &str) -> Result<Url, String> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("base_url is over {MAX_URL_BYTES} bytes"));
    }
    let url = Url::parse(text.trim()).map_err(|e| format!("base_url {text:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("base_url must start with http:// or https://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("base_url has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("base_url may not hold credentials: put them in a header from a secret".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("base_url may not have a query or a fragment".into());
    }
    Ok(url)
}

fn check_header(name: &str, value_len: usize) -> Result<HeaderName, String> {
    let header = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a header name"))?;
    if RESERVED_HEADERS.contains(&header.as_str()) {
        return Err(format!("the header {name} is set by the connection itself"));
    }
    if value_len > MAX_HEADER_BYTES {
        return Err(format!(
            "the header {name} is over {MAX_HEADER_BYTES} bytes"
        ));
    }
    Ok(header)
}

impl ServiceSpec {
    fn check(&self) -> Result<(), ServicesError> {
        check_base_url(&self.base_url).map_err(invalid)?;
        if self.headers.len() > MAX_HEADERS {
            return Err(invalid(format!(
                "a service adds at most {MAX_HEADERS} headers"
            )));
        }
        for (name, spec) in &self.headers {
            let len = match spec {
                HeaderSpec::Text(t) => t.len(),
                HeaderSpec::Secret { secret, prefix } => {
                    if !valid_name(secret) {
                        return Err(invalid(format!(
                            "the header {name} names the secret {secret:?}, which is not a secret name"
                        )));
                    }
                    prefix.as_deref().map_or(0, str::len)
                }
            };
            check_header(name, len).map_err(invalid)?;
            if let HeaderSpec::Text(t) = spec {
                HeaderValue::from_str(t).map_err(|_| {
                    invalid(format!(
                        "the header {name} has characters a header may not hold"
                    ))
                })?;
            }
        }
        Ok(())
    }
}

fn service_row(tenant: Id, app: Id, name: &str) -> Row<'_> {
    Row {
        table: "app_services",
        columns: ["base_url", "headers"],
        tenant,
        app,
        name,
    }
}

/// Creates or replaces service `name` of `app`.
pub async fn put(
    db: &Db,
    tenant: Id,
    app: Id,
    name: &str,
    spec: &ServiceSpec,
) -> Result<ServiceInfo, ServicesError> {
    if !valid_name(name) {
        return Err(ServicesError::BadName(name.chars().take(80).collect()));
    }
    spec.check()?;
    let base_url = spec.base_url.trim().to_owned();
    let headers = serde_json::to_string(&spec.headers).map_err(|e| invalid(e.to_string()))?;
    let (created_at, updated_at) = service_row(tenant, app, name)
        .upsert(db, [&base_url, &headers], MAX_SERVICES_PER_APP)
        .await?
        .ok_or(ServicesError::TooMany)?;
    Ok(ServiceInfo {
        name: name.to_owned(),
        base_url,
        headers: spec.headers.clone(),
        created_at,
        updated_at,
    })
}

type ServiceRow = (String, String, String, DateTime<Utc>, DateTime<Utc>);

fn info((name, base_url, headers, created_at, updated_at): ServiceRow) -> ServiceInfo {
    ServiceInfo {
        name,
        base_url,
        // Written by `put` only, from a checked spec.
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        created_at,
        updated_at,
    }
}

/// The services of `app`.
pub async fn list(db: &Db, tenant: Id, app: Id) -> Result<Vec<ServiceInfo>, ServicesError> {
    let sql = "SELECT name, base_url, headers, created_at, updated_at FROM app_services \
               WHERE tenant_id = $1 AND app_id = $2 ORDER BY name";
    let rows: Vec<ServiceRow> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(tenant)
        .bind(app)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(info).collect())
}

async fn find(db: &Db, tenant: Id, app: Id, name: &str) -> Result<ServiceInfo, ServicesError> {
    let sql = "SELECT name, base_url, headers, created_at, updated_at FROM app_services \
               WHERE tenant_id = $1 AND app_id = $2 AND name = $3";
    let row: Option<ServiceRow> = on_db!(db, |pool| sqlx::query_as(sql)
        .bind(tenant)
        .bind(app)
        .bind(name)
        .fetch_optional(pool)
        .await)?;
    row.map(info)
        .ok_or_else(|| ServicesError::NotFound(name.chars().take(80).collect()))
}

/// Deletes service `name` of `app`.
pub async fn delete(db: &Db, tenant: Id, app: Id, name: &str) -> Result<(), ServicesError> {
    if !service_row(tenant, app, name).delete(db).await? {
        return Err(ServicesError::NotFound(name.chars().take(80).collect()));
    }
    Ok(())
}

/// Whether `ip` is an address on the public internet (the SSRF rule).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                // 100.64.0.0/10 (carrier-grade NAT), 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            // 64:ff9b::/96 (NAT64) carries an IPv4 address.
            if first == 0x64 && v6.segments()[1] == 0xff9b {
                let [.., a, b, c, d] = v6.octets();
                return is_public(IpAddr::V4([a, b, c, d].into()));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // ::/96 (IPv4-compatible), 2001:db8::/32 (documentation)
                || v6.segments()[..6].iter().all(|s| *s == 0)
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// Resolves names itself and keeps only public addresses, so the address
/// checked is the address connected to.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Why a call failed: status and detail, raised in Python as `ActionError`.
#[derive(Debug)]
pub struct CallError {
    pub status: u16,
    pub detail: String,
}

fn refused(status: u16, detail: impl Into<String>) -> CallError {
    CallError {
        status,
        detail: detail.into(),
    }
}

impl From<ServicesError> for CallError {
    fn from(err: ServicesError) -> Self {
        match err {
            ServicesError::NotFound(name) => refused(
                404,
                format!("No service named {name:?} is configured for this app (a builder adds it with PUT /api/v1/builder/apps/{{id}}/services/{name})"),
            ),
            ServicesError::Database(e) => {
                tracing::error!(error = ?e, "reading an app's service");
                refused(500, "Internal server error")
            }
            other => refused(400, other.to_string()),
        }
    }
}

/// One `ctx.http.call`.
#[derive(Debug, Deserialize)]
pub struct CallArgs {
    pub service: String,
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
}

/// The HTTP client of actions and the SSRF rule it applies.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    pub fn new(allow_private: bool) -> Outbound {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CALL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt.previous().first();
                let same_origin =
                    first.is_some_and(|f| f.origin() == attempt.url().origin());
                if !same_origin {
                    let to = attempt.url().origin().ascii_serialization();
                    attempt.error(format!(
                        "the service redirected to another host ({to}); only redirects within the service are followed"
                    ))
                } else if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else {
                    attempt.follow()
                }
            }));
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
        }
        Outbound {
            client: builder.build().unwrap_or_default(),
            allow_private,
        }
    }

    /// Calls `args.endpoint` of service `args.service` of `app` and answers
    /// `{"status", "headers", "text", "json"}` (`json` is null unless the
    /// body is JSON). A non-2xx status is an answer, not an error.
    #[allow(clippy::too_many_arguments)]
    pub async fn call(
        &self,
        db: &Db,
        keys: &SecretBox,
        tenant: Id,
        app: Id,
        args: CallArgs,
        deadline: Instant,
    ) -> Result<Value, CallError> {
        let service = find(db, tenant, app, &args.service).await?;
        let url = self.target(&service.base_url, &args.endpoint)?;
        let method = match args
            .method
            .as_deref()
            .unwrap_or("GET")
            .to_ascii_uppercase()
            .as_str()
        {
            "GET" => reqwest::Method::GET,
            "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            "PATCH" => reqwest::Method::PATCH,
            "DELETE" => reqwest::Method::DELETE,
            "HEAD" => reqwest::Method::HEAD,
            other => {
                return Err(refused(
                    400,
                    format!("method {other:?} is not one of GET, POST, PUT, PATCH, DELETE, HEAD"),
                ))
            }
        };
        let mut headers = HeaderMap::new();
        let given = args.headers.unwrap_or_default();
        if given.len() > MAX_HEADERS {
            return Err(refused(400, format!("at most {MAX_HEADERS} headers")));
        }
        for (name, value) in &given {
            let header = check_header(name, value.len()).map_err(|e| refused(400, e))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                refused(
                    400,
                    format!("the header {name} has characters a header may not hold"),
                )
            })?;
            headers.insert(header, value);
        }
        // The service's own headers win over the action's.
        for (name, spec) in &service.headers {
            let text = match spec {
                HeaderSpec::Text(t) => t.clone(),
                HeaderSpec::Secret { secret, prefix } => {
                    let value = app_secrets::reveal(db, keys, tenant, app, secret)
                        .await
                        .map_err(|e| match e {
                            SecretsError::NotFound(_) => refused(
                                404,
                                format!("the service {:?} sends the secret {secret:?} as {name}, but the app has no such secret: set it first", service.name),
                            ),
                            other => {
                                tracing::error!(error = ?other, "reading a service's secret");
                                refused(500, "Internal server error")
                            }
                        })?;
                    format!("{}{value}", prefix.as_deref().unwrap_or_default())
                }
            };
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| refused(500, format!("the service's header {name:?} is invalid")))?;
            let value = HeaderValue::from_str(&text).map_err(|_| {
                refused(
                    400,
                    format!(
                        "the value of the header {name} of service {:?} cannot be sent as a header",
                        service.name
                    ),
                )
            })?;
            headers.insert(header, value);
        }
        // A little past the run's own cap, so that a call cut off by the
        // cap ends the run with the cap's 504 (the sandbox interrupts the
        // guest as soon as it resumes), not with an error it could catch.
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout = CALL_TIMEOUT.min(left + Duration::from_millis(50));
        let mut request = self
            .client
            .request(method, url.clone())
            .headers(headers)
            .timeout(timeout);
        if let Some(body) = args.json.filter(|v| !v.is_null()) {
            let bytes = serde_json::to_vec(&body).map_err(|e| refused(400, e.to_string()))?;
            if bytes.len() > MAX_REQUEST_BYTES {
                return Err(refused(
                    413,
                    format!(
                        "the request body is {} bytes, over the limit of {MAX_REQUEST_BYTES}",
                        bytes.len()
                    ),
                ));
            }
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        let failed = |e: reqwest::Error| {
            let status = if e.is_timeout() { 504 } else { 502 };
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            let what = if e.is_timeout() {
                format!("timed out after {:.1} s", timeout.as_secs_f64())
            } else {
                text
            };
            refused(
                status,
                format!("the call to service {:?} failed: {what}", service.name),
            )
        };
        let mut response = request.send().await.map_err(failed)?;
        let too_big = || {
            refused(
                413,
                format!(
                    "the response of service {:?} is over the limit of {MAX_RESPONSE_BYTES} bytes",
                    service.name
                ),
            )
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(too_big());
        }
        let status = response.status().as_u16();
        let mut answer_headers = serde_json::Map::new();
        for (name, value) in response.headers() {
            answer_headers.insert(
                name.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
            );
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(json!({
            "status": status,
            "headers": answer_headers,
            "text": String::from_utf8_lossy(&body),
            "json": parsed,
        }))
    }

    /// The URL of `endpoint` under `base`: refuses what would leave it.
    fn target(&self, base: &str, endpoint: &str) -> Result<Url, CallError> {
        let bad = |why: &str| {
            refused(
                400,
                format!("endpoint {:?} {why}: pass a path under the service's base URL, like \"/v1/items?page=2\"", endpoint.chars().take(200).collect::<String>()),
            )
        };
        if endpoint.len() > MAX_URL_BYTES {
            return Err(bad("is too long"));
        }
        if endpoint.contains("://") || endpoint.starts_with("//") {
            return Err(bad("is an absolute URL"));
        }
        if endpoint
            .chars()
            .any(|c| c.is_control() || c == '\\' || c == '#' || c == ' ')
        {
            return Err(bad("holds a character a path may not"));
        }
        let path = endpoint.split('?').next().unwrap_or_default();
        for segment in path.split('/') {
            let lower = segment.to_ascii_lowercase();
            if lower.contains("%2f") || lower.contains("%5c") {
                return Err(bad("holds an encoded slash"));
            }
            let decoded = lower.replace("%2e", ".");
            if decoded == "." || decoded == ".." {
                return Err(bad("leaves its directory with . or .."));
            }
        }
        let base_url = check_base_url(base).map_err(|e| refused(500, e))?;
        let joined = if endpoint.is_empty() {
            base_url.to_string()
        } else {
            format!(
                "{}/{}",
                base_url.as_str().trim_end_matches('/'),
                endpoint.trim_start_matches('/')
            )
        };
        let url = Url::parse(&joined).map_err(|_| bad("does not make a URL"))?;
        let prefix = base_url.path().trim_end_matches('/');
        if url.origin() != base_url.origin()
            || !(url.path() == prefix || url.path().starts_with(&format!("{prefix}/")))
        {
            return Err(bad("leaves the service"));
        }
        if !self.allow_private {
            let host = url.host_str().unwrap_or_default();
            let literal = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>();
            if literal.is_ok_and(|ip| !is_public(ip)) || host.eq_ignore_ascii_case("localhost") {
                return Err(refused(
                    403,
                    format!(
                        "the service's host {} is not a public address: appbox refuses private, loopback and link-local hosts unless APPBOX_ACTIONS_ALLOW_PRIVATE_HOSTS=1",
                        url.host_str().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssrf_rule() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn endpoints_stay_under_the_base_url() {
        let out = Outbound::new(true);
        let base = "https://api.example.com/v1";
        let ok = |e: &str| out.target(base, e).map(|u| u.to_string());
        assert_eq!(
            ok("/items?page=2").unwrap(),
            "https://api.example.com/v1/items?page=2"
        );
        assert_eq!(ok("items").unwrap(), "https://api.example.com/v1/items");
        assert_eq!(ok("").unwrap(), "https://api.example.com/v1");
        for bad in [
            "https://evil.example/x",
            "//evil.example/x",
            "/../admin",
            "/a/%2e%2E/admin",
            "/a/..",
            "/a%2f..%2fadmin",
            "\\\\evil",
            "/x#frag",
            "/x\r\nHost: evil",
        ] {
            assert!(out.target(base, bad).is_err(), "{bad}");
        }
        let strict = Outbound::new(false);
        for base in [
            "http://127.0.0.1:8080",
            "http://169.254.169.254/latest",
            "http://[::1]/",
            "http://localhost:3000",
        ] {
            let err = strict.target(base, "/x").unwrap_err();
            assert_eq!(err.status, 403, "{base}: {}", err.detail);
        }
    }
}
