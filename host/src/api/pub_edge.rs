//! The public edge over HTTP (spec 001 §18, spec 000 §8.3): the rate-limit
//! layer every request passes, the client address it counts by, the
//! anonymous visitor of `/api/v1/pub/*`, and the usage totals builders read.
//!
//! `/pub/data/{slug}`, `/pub/proxy/{slug}` and `/pub/actions/{slug}` are
//! mounted by `data.rs`, `proxy.rs` and `actions.rs` over their own
//! handlers, with [`PublicVisitor`] as the caller.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::callers::Builder;
use crate::builder::integrations;
use crate::db::Id;
use crate::edge::public::{self, PublicApp, PublicError};
use crate::edge::rate_limit::{address_key, Verdict, Window};
use crate::edge::usage::{self, Kind, PubUsage};
use crate::error::{ApiJson, ApiQuery, ApiResult, AppError, ErrorBody};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(usage_totals))
}

impl From<PublicError> for AppError {
    fn from(err: PublicError) -> Self {
        let text = err.to_string();
        match err {
            PublicError::NotFound => AppError::NotFound(text),
            PublicError::NotAnonymous => AppError::Forbidden(text),
            PublicError::Database(db) => db.into(),
        }
    }
}

/// `router`'s reads as an anonymous visitor's, under a `/pub/…/{slug}`
/// prefix (documented as a parameter of every path; no token).
pub(super) fn for_visitors(mut router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    super::openapi::add_prefix_parameter(
        router.get_openapi_mut(),
        "slug",
        "the public app's slug or subdomain",
    );
    router.layer(axum::Extension(super::callers::CallerKind::Pub))
}

/// The spec's words for every refusal by a rate limit (spec 001 §18.6).
const TOO_MANY: &str = "請求過於頻繁,請稍後再試";

/// Decides who the client is, once, for every handler after it: when the
/// peer is a trusted proxy (`APPBOX_TRUSTED_PROXIES`), the request's
/// `ConnectInfo` becomes the address the proxy forwarded for, so every
/// per-address limit (sign-ins through `auth::client_address`, `/pub`,
/// custom-app-auth) counts the client, never the proxy — and never an
/// address an untrusted client wrote into `X-Forwarded-For`.
fn resolve_client(state: &AppState, request: &mut Request) -> IpAddr {
    // Unknown only in in-process tests, which have no connection.
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let client = state.trusted_proxies().client_address(
        peer.ip(),
        request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    if client != peer.ip() {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    client
}

/// What the layer learns while a request is handled: which public app a
/// `/pub` call reached (for `usage_events`).
#[derive(Clone, Default)]
struct EdgeNote(Arc<Mutex<Option<PublicApp>>>);

/// An anonymous visitor of the app named by the route's `{slug}`: published,
/// external or self-built, with `allow_anonymous_access` (spec 001 §18.2).
pub struct PublicVisitor(pub PublicApp);

impl FromRequestParts<AppState> for PublicVisitor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let slug = params
            .iter()
            .find(|(k, _)| *k == "slug")
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default();
        let app = public::find(state.db(), &slug).await?;
        if let Some(note) = parts.extensions.get::<EdgeNote>() {
            if let Ok(mut seen) = note.0.lock() {
                *seen = Some(app);
            }
        }
        Ok(PublicVisitor(app))
    }
}

/// Which limit a request counts against, and under which key.
enum Counted<'s> {
    Address(&'s Window<IpAddr>, IpAddr),
    Id(&'s Window<Id>, Id),
}

/// The `/pub` surface of a path, if it is one.
fn pub_kind(path: &str) -> Option<Kind> {
    let rest = path.strip_prefix("/api/v1/pub/")?;
    [
        ("data/", Kind::Data),
        ("proxy/", Kind::Proxy),
        ("actions/", Kind::Actions),
    ]
    .into_iter()
    .find_map(|(prefix, kind)| rest.starts_with(prefix).then_some(kind))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The limit of spec 001 §18.6 / 000 §8.3 this request counts against:
/// `/pub` and custom-app-auth POSTs by client address, an API key by its
/// app, a signed-in user's data and proxy calls by user. A request whose
/// credentials do not verify is not counted here: it is refused (401)
/// before it costs anything.
async fn counted<'s>(
    state: &'s AppState,
    client: IpAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Counted<'s>> {
    let limits = state.rate_limits();
    if path.starts_with("/api/v1/pub/") {
        return Some(Counted::Address(&limits.pub_edge, address_key(client)));
    }
    if method == Method::POST && path.starts_with("/api/v1/custom-app-auth/") {
        return Some(Counted::Address(&limits.app_auth, address_key(client)));
    }
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        let owner = integrations::authenticate_key(state.db(), key.trim())
            .await
            .ok()
            .flatten()?;
        return Some(Counted::Id(&limits.api_key_apps, owner.app_id));
    }
    let token = bearer(headers)?;
    if path.starts_with("/api/v1/data/") || path.starts_with("/api/v1/proxy/") {
        let user = state.tokens().verify(token)?;
        return Some(Counted::Id(&limits.users, user));
    }
    if path.starts_with("/api/v1/ext/data/") || path.starts_with("/api/v1/ext/proxy/") {
        let (user, _, _) = state.app_user_keys().verify(token)?;
        return Some(Counted::Id(&limits.users, user));
    }
    None
}

/// The rate-limit layer: counts the request, refuses it with 429 and
/// `Retry-After` past its limit (before any handler work), marks every
/// limited answer with `X-RateLimit-Limit` / `X-RateLimit-Remaining`, and
/// records each `/pub` call that reached an app in `usage_events`.
pub(super) async fn limits(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = resolve_client(&state, &mut request);
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let counted = counted(
        &state,
        client,
        request.method(),
        request.uri().path(),
        request.headers(),
    )
    .await;
    let verdict = match counted {
        Some(Counted::Address(window, key)) => Some(window.check(&key)),
        Some(Counted::Id(window, key)) => Some(window.check(&key)),
        None => None,
    };
    let mut response = match verdict {
        Some(Verdict::Refused { retry_after, .. }) => AppError::TooManyRequests {
            detail: TOO_MANY.into(),
            retry_after_seconds: retry_after,
        }
        .into_response(),
        _ => {
            let kind = pub_kind(request.uri().path());
            let note = EdgeNote::default();
            if kind.is_some() {
                request.extensions_mut().insert(note.clone());
            }
            let response = next.run(request).await;
            let reached = note.0.lock().ok().and_then(|seen| *seen);
            if let (Some(kind), Some(app)) = (kind, reached) {
                let status = response.status().as_u16();
                if let Err(e) = usage::record(state.db(), app.tenant, app.app, kind, status).await {
                    tracing::warn!("recording a /pub call in usage_events: {e}");
                }
            }
            response
        }
    };
    if let Some(verdict) = verdict {
        let (limit, remaining) = match verdict {
            Verdict::Allowed { limit, remaining } => (limit, remaining),
            Verdict::Refused { limit, .. } => (limit, 0),
        };
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    }
    response
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UsageQuery {
    /// The last this many days (1-90, default 30).
    days: Option<i64>,
}

/// The tenant's usage totals.
#[derive(Serialize, utoipa::ToSchema)]
struct Usage {
    /// The start of the period counted.
    since: chrono::DateTime<Utc>,
    /// Anonymous `/api/v1/pub/*` calls (spec 001 §18.7).
    #[serde(rename = "pub")]
    public: PubUsage,
}

/// The tenant's usage: every anonymous `/pub` call of its apps, by surface
/// and app (kept 90 days).
#[utoipa::path(get, path = "/api/v1/builder/usage", tag = "builder", params(UsageQuery),
    responses((status = 200, body = Usage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn usage_totals(
    State(state): State<AppState>,
    Builder(user): Builder,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> ApiResult<ApiJson<Usage>> {
    let days = query.days.unwrap_or(30);
    if !(1..=usage::KEEP_DAYS).contains(&days) {
        return Err(AppError::Unprocessable(format!(
            "days must be between 1 and {} (usage is kept that long)",
            usage::KEEP_DAYS
        )));
    }
    let since = Utc::now() - Duration::days(days);
    Ok(ApiJson(Usage {
        since,
        public: usage::pub_totals(state.db(), user.tenant_id, since).await?,
    }))
}
