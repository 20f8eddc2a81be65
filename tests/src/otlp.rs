//! A stand-in OpenTelemetry collector: it keeps every OTLP/HTTP trace export
//! body it receives, so a test can look inside what the services exported.

use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::Mutex;

/// A running collector.
#[derive(Debug, Clone)]
pub struct Collector {
    /// Where to point `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: String,
    received: Arc<Mutex<Vec<Bytes>>>,
}

impl Collector {
    /// Listens on a free local port until the test ends.
    pub async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |body: Bytes| {
                let store = store.clone();
                async move {
                    store.lock().await.push(body);
                    ""
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the collector serves") });
        Self { endpoint, received }
    }

    /// Every export body received so far (protobuf).
    pub async fn exports(&self) -> Vec<Bytes> {
        self.received.lock().await.clone()
    }
}
