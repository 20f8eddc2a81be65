//! The layers every service's router gets: a JSON 404 and 405, a body
//! limit, a deadline and a cap on requests in flight (503 with `Retry-After`
//! past either), a panic turned into the usual JSON 500, headers that keep
//! answers out of caches and browsers' guesswork, and a span per request
//! that continues the caller's W3C trace.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::error::{ApiError, MAX_BODY_BYTES};
use crate::telemetry;

/// What one process takes at once, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Requests handled at once; more are answered 503 at once rather than
    /// queued, so an overloaded service sheds load instead of timing out all.
    pub max_in_flight: usize,
    /// The longest a client may take to send its request's headers.
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_in_flight: 512,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug)]
struct Guard {
    timeout: Duration,
    permits: Arc<Semaphore>,
}

async fn guard(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let Ok(_permit) = guard.permits.clone().try_acquire_owned() else {
        return ApiError::unavailable("overloaded", "the service is handling too many requests; try again shortly")
            .into_response();
    };
    match tokio::time::timeout(guard.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout = ?guard.timeout, "a request ran out of time");
            ApiError::unavailable("request_timeout", "the request took too long; try again shortly").into_response()
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not take that method")
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The payload may hold input; the log line says only that it happened.
    ApiError::internal("a handler panicked").into_response()
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// `router` with every layer a service needs, under `limits`.
pub fn finish_router(router: Router, limits: Limits) -> Router {
    let guard =
        Arc::new(Guard { timeout: limits.request_timeout, permits: Arc::new(Semaphore::new(limits.max_in_flight)) });
    router
        .route("/metrics", axum::routing::get(crate::metrics::render))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(guard, self::guard))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the guard and the panic catcher: refusals, time-outs and
        // panics are counted with the rest.
        .layer(middleware::from_fn(crate::metrics::record_http))
        // Answers carry reports, secrets and personal work: no cache keeps them.
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt as _;

    async fn answer(router: Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let request = axum::http::Request::builder().uri(uri).body(Body::empty()).expect("a request");
        let response = router.oneshot(request).await.expect("an answer");
        let (status, headers) = (response.status(), response.headers().clone());
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("a body");
        (status, headers, serde_json::from_slice(&body).unwrap_or_default())
    }

    #[tokio::test]
    async fn a_panic_is_the_usual_json_500_and_the_service_goes_on() {
        #[allow(clippy::panic)]
        async fn boom() -> &'static str {
            panic!("input that broke a handler")
        }
        let router = finish_router(
            Router::new().route("/boom", get(boom)).route("/ok", get(|| async { "ok" })),
            Limits::default(),
        );
        let (status, headers, body) = answer(router.clone(), "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["code"], "internal");
        assert!(!body.to_string().contains("broke"), "the panic's message is not sent: {body}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(answer(router, "/ok").await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_is_a_503_with_retry_after() {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        };
        let limits = Limits { request_timeout: Duration::from_millis(50), ..Limits::default() };
        let router = finish_router(Router::new().route("/slow", get(slow)), limits);
        let (status, headers, body) = answer(router, "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], "request_timeout");
        assert!(headers.contains_key(header::RETRY_AFTER));
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_have_codes() {
        let router = finish_router(Router::new().route("/ok", get(|| async { "ok" })), Limits::default());
        assert_eq!(answer(router.clone(), "/nowhere").await.2["error"]["code"], "not_found");
    }
}
