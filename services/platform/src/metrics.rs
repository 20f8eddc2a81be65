//! What each process tells Prometheus at `/metrics` (text exposition):
//! HTTP requests by route template and status with their latency; each
//! consumer's messages, handling time and lag behind the event; each outbox's
//! backlog, its oldest row's age and the rows parked, and how long its
//! relay's claims, publications and settlings take; and, from the services
//! that own them, deadlines looked at, escalations and overdue cases. Labels
//! are route templates, service and consumer names, never a path with a
//! tracking code in it, nor anything a citizen wrote.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: a page answers in milliseconds, a slow
/// database in seconds.
const SECONDS_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs this process's recorder, once, labelled with `process` (the
/// service, or `dev`); later calls keep the first.
pub fn install(process: &str) {
    HANDLE.get_or_init(|| {
        let built = PrometheusBuilder::new()
            .add_global_label("process", process)
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder);
        match built {
            Ok(handle) => {
                let upkeep = handle.clone();
                // Histograms drain and idle series age out on upkeep.
                std::thread::spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                });
                Some(handle)
            }
            Err(error) => {
                tracing::warn!(%error, "metrics are not recorded: another recorder is installed");
                None
            }
        }
    });
}

/// `GET /metrics`.
pub async fn render() -> Response {
    match HANDLE.get().and_then(Option::as_ref) {
        Some(handle) => {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
        }
        None => crate::http::ApiError::not_found("metrics_off", "this process records no metrics").into_response(),
    }
}

/// Counts every request and times it, by method, route template and status.
pub async fn record_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("aduan_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("aduan_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A consumer handled (or failed) `count` messages in `elapsed`, the oldest
/// of them `lag` after its event happened.
pub fn consumed(consumer: &str, outcome: &'static str, count: usize, elapsed: Duration, lag: Option<Duration>) {
    metrics::counter!("aduan_consumer_messages_total", "consumer" => consumer.to_owned(), "outcome" => outcome)
        .increment(count as u64);
    metrics::histogram!("aduan_consumer_handling_seconds", "consumer" => consumer.to_owned())
        .record(elapsed.as_secs_f64());
    if let Some(lag) = lag {
        metrics::histogram!("aduan_consumer_lag_seconds", "consumer" => consumer.to_owned()).record(lag.as_secs_f64());
    }
}

/// An outbox's rows waiting to be published, its oldest row's age, and its parked rows.
pub fn outbox(service: &str, backlog: u64, oldest: Option<Duration>, parked: u64) {
    metrics::gauge!("aduan_outbox_backlog", "service" => service.to_owned()).set(backlog as f64);
    metrics::gauge!("aduan_outbox_oldest_seconds", "service" => service.to_owned())
        .set(oldest.map_or(0.0, |age| age.as_secs_f64()));
    metrics::gauge!("aduan_outbox_parked", "service" => service.to_owned()).set(parked as f64);
}

/// An outbox relay's timings, one for each step of a round that carried
/// rows (each waits on something else: the claim and the settling on the
/// database, the publication on the broker's confirms), and its rows
/// published. Labelled once, with the relay's service, when the relay is
/// made: after [`install`], or they record nothing.
#[derive(Debug, Clone)]
pub struct RelayMetrics {
    claim: metrics::Histogram,
    publish: metrics::Histogram,
    settle: metrics::Histogram,
    published: metrics::Counter,
}

impl RelayMetrics {
    /// The metrics of `service`'s relay.
    pub fn new(service: &str) -> Self {
        let step = |step: &'static str| metrics::histogram!("aduan_outbox_step_seconds", "service" => service.to_owned(), "step" => step);
        Self {
            claim: step("claim"),
            publish: step("publish"),
            settle: step("settle"),
            published: metrics::counter!("aduan_outbox_published_total", "service" => service.to_owned()),
        }
    }

    /// A claim that found rows took `elapsed`.
    pub fn claimed(&self, elapsed: Duration) {
        self.claim.record(elapsed.as_secs_f64());
    }

    /// The broker confirmed a batch `elapsed` after it was handed over.
    pub fn confirmed(&self, elapsed: Duration) {
        self.publish.record(elapsed.as_secs_f64());
    }

    /// A batch was settled in `elapsed`, `published` of its rows as published.
    pub fn settled(&self, elapsed: Duration, published: usize) {
        self.settle.record(elapsed.as_secs_f64());
        self.published.increment(published as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn requests_are_counted_by_route_template_and_rendered_as_prometheus_text() {
        install("test");
        let router = Router::new()
            .route("/reports/{code}", get(|| async { "a report" }))
            .route("/metrics", get(render))
            .layer(axum::middleware::from_fn(record_http));
        for uri in ["/reports/ADU-SECRET-CODE", "/reports/ADU-OTHER-CODE"] {
            let request = axum::http::Request::builder().uri(uri).body(Body::empty()).expect("a request");
            assert!(router.clone().oneshot(request).await.expect("an answer").status().is_success());
        }
        consumed("testing", "handled", 3, Duration::from_millis(4), Some(Duration::from_millis(30)));
        outbox("testing", 7, Some(Duration::from_secs(2)), 1);
        let relay = RelayMetrics::new("testing");
        relay.claimed(Duration::from_millis(2));
        relay.confirmed(Duration::from_millis(30));
        relay.settled(Duration::from_millis(3), 5);
        relay.settled(Duration::from_millis(3), 2);
        let request = axum::http::Request::builder().uri("/metrics").body(Body::empty()).expect("a request");
        let response = router.oneshot(request).await.expect("an answer");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("a body");
        let text = String::from_utf8_lossy(&body);
        let line = text
            .lines()
            .find(|line| line.starts_with("aduan_http_requests_total") && line.contains("route=\"/reports/{code}\""))
            .unwrap_or_else(|| panic!("no request line in\n{text}"));
        assert!(line.ends_with(" 2"), "{line}");
        assert!(text.contains("aduan_http_request_duration_seconds_bucket"), "a histogram with buckets");
        assert!(!text.contains("ADU-SECRET-CODE"), "no path with a code in it");
        for expected in [
            "aduan_consumer_messages_total{process=\"test\",consumer=\"testing\",outcome=\"handled\"} 3",
            "aduan_outbox_backlog{process=\"test\",service=\"testing\"} 7",
            "aduan_outbox_parked{process=\"test\",service=\"testing\"} 1",
            "aduan_outbox_published_total{process=\"test\",service=\"testing\"} 7",
            "aduan_outbox_step_seconds_count{process=\"test\",service=\"testing\",step=\"claim\"} 1",
            "aduan_outbox_step_seconds_count{process=\"test\",service=\"testing\",step=\"publish\"} 1",
            "aduan_outbox_step_seconds_count{process=\"test\",service=\"testing\",step=\"settle\"} 2",
            "aduan_outbox_step_seconds_sum{process=\"test\",service=\"testing\",step=\"publish\"} 0.03",
        ] {
            assert!(text.lines().any(|line| line == expected), "no {expected:?} in\n{text}");
        }
    }
}
