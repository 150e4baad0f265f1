//! The HTTP API: one module per resource, each with a `router()`; this file
//! puts them together with the cross-cutting layers (body limit, request log,
//! metrics, panic guard) and the OpenAPI document.

mod action_settings;
mod actions;
mod app_auth;
mod app_login;
mod app_oauth;
mod approvals;
mod apps;
mod auth;
pub mod callers;
mod compile;
mod cors;
mod data;
mod dev;
mod home;
mod integrations;
mod member_login;
mod members;
mod openapi;
mod ops;
mod proxy;
mod pub_edge;
mod publish;
mod refs;
mod runtime;
mod source;
mod storage;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::accounts::AccountError;
use crate::builder::apps::AppsError;
use crate::builder::dev::DevError;
use crate::builder::publish::PublishError;
use crate::builder::vfs::VfsError;
use crate::data::custom_tables::DataError;
use crate::data::refs::RefError;
use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "appbox", description = "Builder, data and operations API of appbox. Errors are `{\"detail\": \"…\"}`."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Platform login (spec 001 §2)"),
        (name = "builder", description = "Apps and their VFS (spec 001 §3-§5, §9, §17.3)"),
        (name = "integrations", description = "Self-built apps and API keys (spec 000 §3)"),
        (name = "refs", description = "References to ERP tables and their columns (spec 000 §4)"),
        (name = "data", description = "Custom Tables under /api/v1/data (platform users) and /api/v1/open/data (X-API-Key) (spec 000 §6, 001 §13)"),
        (name = "proxy", description = "The proxy over ERP tables: /api/v1/proxy/{app_id} (platform users, live references) and /api/v1/open/proxy (X-API-Key, published references) (spec 000 §5, §9)"),
        (name = "approvals", description = "Approval workflows over proxy writes (spec 000 §5.7, 001 §7)"),
        (name = "app-users", description = "Users of external and self-built apps: sign-up, sign-in, refresh rotation, OAuth, builder management (spec 000 §2.3-§2.4, 001 §19); their token works on /api/v1/ext/data and /api/v1/ext/proxy"),
        (name = "actions", description = "Server-side Python actions (spec 001 §7, §8): run them, and the run log"),
        (name = "storage", description = "Apps' files (spec 001 §15): upload (multipart, up to 100 MB), signed URLs served by appbox, list, delete, under /api/v1/ext/storage with an app user's token or a platform token and X-App-Id; a tenant's storage usage"),
        (name = "operations", description = "Health and metrics"),
        (name = "members", description = "Members of internal apps: invitations, password resets, the /app-login/{slug} page (spec 001 §17); the role allow-list is under builder"),
        (name = "pages", description = "What browsers open: the root page, an app's page (`/runtime/{slug}` for internal apps, `/externalAppRuntime/{slug}` for external ones), its assets, the sign-in page of external apps. HTML, not JSON"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "an integration's API key (spec 000 §3)",
            ))),
        );
    }
}

/// The whole application: every route, its layers and the shared state.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(actions::router())
        .merge(action_settings::router())
        .merge(app_auth::router())
        .merge(app_oauth::router())
        .merge(apps::router())
        .merge(members::router())
        .merge(member_login::router())
        .merge(source::router())
        .merge(compile::router())
        .merge(integrations::router())
        .merge(data::router())
        .merge(refs::router())
        .merge(proxy::router())
        .merge(publish::router())
        .merge(approvals::router())
        .merge(ops::router())
        .merge(pub_edge::router())
        .merge(runtime::router())
        .merge(dev::router())
        .merge(app_login::router())
        .merge(storage::router())
        .split_for_parts();
    let mut openapi = openapi;
    openapi::add_shared_errors(&mut openapi);
    api.merge(SwaggerUi::new(openapi::DOCS).url("/openapi.json", openapi))
        .fallback(openapi::unknown_route)
        .method_not_allowed_fallback(openapi::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pub_edge::limits,
        ))
        .layer(DefaultBodyLimit::max(state.max_body_bytes()))
        .layer(middleware::from_fn(cors::open_cors))
        .layer(middleware::from_fn(record_metrics))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings can carry secrets (`?token=`,
                // OAuth codes and states) and must not reach the log.
                .make_span_with(|request: &Request| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        .with_state(state)
}

/// Counts requests and their latency by route template (not raw path, so ids
/// don't explode the label set).
async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("appbox_http_requests_total", &labels).increment(1);
    metrics::histogram!("appbox_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

impl From<AppsError> for AppError {
    fn from(err: AppsError) -> Self {
        let text = err.to_string();
        match err {
            AppsError::NotFound | AppsError::VersionNotFound(_) => AppError::NotFound(text),
            AppsError::VersionConflict { .. } | AppsError::SubdomainTaken(_) => {
                AppError::Conflict(text)
            }
            AppsError::Locked { .. } => AppError::Locked(text),
            AppsError::Vfs(vfs) => vfs.into(),
            AppsError::Database(db) => db.into(),
        }
    }
}

impl From<DevError> for AppError {
    fn from(err: DevError) -> Self {
        AppError::TooManyRequests {
            detail: err.to_string(),
            retry_after_seconds: 5,
        }
    }
}

impl From<DataError> for AppError {
    fn from(err: DataError) -> Self {
        let text = err.to_string();
        match err {
            DataError::ObjectNotFound
            | DataError::RecordNotFound
            | DataError::FieldNotFound
            | DataError::AppNotFound => AppError::NotFound(text),
            DataError::AmbiguousSlug(_)
            | DataError::TooManyObjects
            | DataError::TooManyFields
            | DataError::SlugTaken(_)
            | DataError::FieldKeyTaken(_) => AppError::Conflict(text),
            DataError::NotPublic | DataError::ReadOnly => AppError::Forbidden(text),
            DataError::Invalid(_) => AppError::Unprocessable(text),
            DataError::InvalidRecord(details) => AppError::Invalid {
                detail: text,
                details,
            },
            DataError::Database(db) => db.into(),
        }
    }
}

impl From<RefError> for AppError {
    fn from(err: RefError) -> Self {
        let text = err.to_string();
        match err {
            RefError::NotReferenceable => AppError::Forbidden(text),
            RefError::UnknownTable | RefError::NotFound => AppError::NotFound(text),
            RefError::InvalidPermission(_) | RefError::UnknownColumns { .. } => {
                AppError::BadRequest(text)
            }
            RefError::Duplicate(_) => AppError::Conflict(text),
            RefError::App(app) => app.into(),
            RefError::Database(db) => db.into(),
        }
    }
}

impl From<PublishError> for AppError {
    fn from(err: PublishError) -> Self {
        let text = err.to_string();
        match err {
            PublishError::PendingExists => AppError::Conflict(text),
            PublishError::RequestNotFound | PublishError::NeverPublished { .. } => {
                AppError::NotFound(text)
            }
            PublishError::NotRequester | PublishError::OwnRequest => AppError::Forbidden(text),
            PublishError::ReasonRequired | PublishError::TooLong(_) => {
                AppError::Unprocessable(text)
            }
            PublishError::App(app) => app.into(),
            PublishError::Database(db) => db.into(),
        }
    }
}

impl From<VfsError> for AppError {
    fn from(err: VfsError) -> Self {
        let text = err.to_string();
        match err {
            VfsError::InvalidPath { .. } | VfsError::DuplicatePath { .. } => {
                AppError::Unprocessable(text)
            }
            VfsError::FileTooLarge { .. } | VfsError::TooManyFiles { .. } => {
                AppError::PayloadTooLarge(text)
            }
            VfsError::HostOwned { .. } => AppError::Forbidden(text),
            VfsError::NotFound { .. } => AppError::NotFound(text),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(err: AccountError) -> Self {
        let text = err.to_string();
        match err {
            AccountError::EmailTaken(_) => AppError::Conflict(text),
            AccountError::InvalidEmail(_)
            | AccountError::WeakPassword
            | AccountError::UnknownRole(_) => AppError::Unprocessable(text),
            AccountError::UnknownUser(_) => AppError::NotFound(text),
            AccountError::Database(db) => db.into(),
            AccountError::Hashing(_) => AppError::Internal(anyhow::Error::new(err)),
        }
    }
}
