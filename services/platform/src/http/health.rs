//! `/healthz` (the process answers) and `/readyz` (its databases and bus do).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::bus::Bus;

/// What `/readyz` checks.
#[derive(Debug, Clone)]
pub struct Readiness {
    /// The databases the process writes to.
    pub databases: Vec<DatabaseConnection>,
    /// The bus it publishes to; none for a process on no bus (web).
    pub bus: Option<Arc<dyn Bus>>,
}

#[derive(Debug, Serialize)]
struct ReadyBody {
    database: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    bus: Option<bool>,
}

async fn ready(State(readiness): State<Readiness>) -> Response {
    let mut database = true;
    for db in &readiness.databases {
        database &= tokio::time::timeout(Duration::from_secs(2), crate::database::ping(db)).await.unwrap_or(false);
    }
    let bus = match &readiness.bus {
        Some(bus) => Some(bus.is_ready().await),
        None => None,
    };
    let status = if database && bus != Some(false) { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(ReadyBody { database, bus })).into_response()
}

/// `/healthz` (the process answers) and `/readyz` (its database and bus do).
pub fn health_router(readiness: Readiness) -> Router {
    Router::new()
        // The process id lets whoever started the process tell its answer
        // from another's on a port it lost (`aduan::child`).
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({ "status": "alive", "process": std::process::id() })) }),
        )
        .route("/readyz", get(ready))
        .with_state(readiness)
}
