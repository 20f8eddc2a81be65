//! HTTP plumbing shared by every service: the error body and its stable codes,
//! a JSON extractor whose rejections use them, health endpoints, and the layers
//! every router gets (body limit, request tracing that continues a caller's trace).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use tower_http::trace::TraceLayer;

use crate::bus::Bus;
use crate::telemetry;

/// The largest request body any endpoint takes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// An error as a client sees it: an HTTP status, a stable machine-readable
/// code, and a message for people. Internal details are logged, never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable code clients branch on, e.g. `unknown_category`.
    pub code: &'static str,
    /// What went wrong, in words.
    pub message: String,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    /// A client error with `status` and a stable `code`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// 422 with `code`: the body parsed but a value is not acceptable.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 404 with `code`.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with `code`: the request conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 500: logs `error` in full and tells the client only that it failed.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; try again")
    }
}

/// Who is acting, from the header `header` (e.g. `x-officer-id`): 1 to 100
/// characters. Until sign-in exists, staff name themselves this way; without
/// it the answer is 401 with `code` (e.g. `officer_required`).
pub fn acting_staff(headers: &HeaderMap, header: &str, code: &'static str) -> Result<String, ApiError> {
    headers
        .get(header)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.len() <= 100)
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, code, format!("send your staff id in the {header} header"))
        })
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::internal(error)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(format!("{error:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let message = rejection.body_text();
        match rejection {
            JsonRejection::JsonDataError(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message),
            JsonRejection::JsonSyntaxError(_) => Self::new(StatusCode::BAD_REQUEST, "malformed_json", message),
            JsonRejection::MissingJsonContentType(_) => {
                Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            _ => Self::new(StatusCode::BAD_REQUEST, "unreadable_body", message),
        }
    }
}

/// `Json<T>` whose rejections are [`ApiError`]s with stable codes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// What `/readyz` checks.
#[derive(Debug, Clone)]
pub struct Readiness {
    /// The databases the process writes to.
    pub databases: Vec<DatabaseConnection>,
    /// The bus it publishes to.
    pub bus: Arc<dyn Bus>,
}

#[derive(Debug, Serialize)]
struct ReadyBody {
    database: bool,
    bus: bool,
}

async fn ready(State(readiness): State<Readiness>) -> Response {
    let mut database = true;
    for db in &readiness.databases {
        database &= crate::database::ping(db).await;
    }
    let bus = readiness.bus.is_ready().await;
    let status = if database && bus { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(ReadyBody { database, bus })).into_response()
}

/// `/healthz` (the process answers) and `/readyz` (its database and bus do).
pub fn health_router(readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(serde_json::json!({ "status": "alive" })) }))
        .route("/readyz", get(ready))
        .with_state(readiness)
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not take that method")
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text())
    }
}

/// The layers every service's router gets: a JSON 404, a body limit, and a
/// span per request that continues the caller's W3C trace.
pub fn finish_router(router: Router) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let span = tracing::info_span!(
                "http",
                method = %request.method(),
                path = %request.uri().path(),
            );
            let traceparent = request.headers().get(telemetry::TRACEPARENT).and_then(|value| value.to_str().ok());
            telemetry::adopt_remote_parent(&span, traceparent);
            span
        }))
}

/// Serves `router` on `listener` until `stop` is cancelled, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    stop: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(async move { stop.cancelled().await }).await
}
