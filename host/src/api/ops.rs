//! Operations: `/health` for load balancers, `/metrics` for Prometheus.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiJson, ApiResult, AppError};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(metrics))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok` when the database answers.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
}

/// Reports whether the server and its database are up (503 if the database
/// does not answer).
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
async fn health(State(state): State<AppState>) -> ApiResult<ApiJson<Health>> {
    let db = state.db();
    db.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check: database unreachable");
        AppError::Unavailable("Database unreachable".into())
    })?;
    Ok(ApiJson(Health {
        status: "ok",
        database: db.backend(),
    }))
}

/// Request counts and latencies in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    )
}
