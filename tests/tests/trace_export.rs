//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the services export their spans over
//! OTLP/HTTP, and a report's spans from every service carry the citizen's
//! trace id; SIGTERM flushes what is left.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_e2e::otlp::Collector;
use aduan_e2e::{ClusterOptions, ServiceName, aduan_binary, citizen};
use axum::body::Bytes;

#[tokio::test(flavor = "multi_thread")]
async fn every_service_exports_spans_of_the_citizens_trace() {
    let collector = Collector::start().await;
    let mut options = ClusterOptions::local(aduan_binary());
    options.extra_env.push(("OTEL_EXPORTER_OTLP_ENDPOINT".into(), collector.endpoint.clone()));
    let mut cluster = aduan_e2e::start_cluster_with(options).await;
    let client = reqwest::Client::new();
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let response = client
        .post(format!("{}/api/v1/reports", cluster.base_url(ServiceName::Intake)))
        .header("traceparent", format!("00-{trace_id}-b7ad6b7169203331-01"))
        .json(&citizen::pothole(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    let report = citizen::FiledReport {
        tracking_code: body["tracking_code"].as_str().unwrap().into(),
        secret: body["secret"].as_str().unwrap().into(),
    };
    citizen::wait_in_inbox(&client, &cluster.base_url(ServiceName::Resolution), "bandung-dpu", &report).await;

    // SIGTERM flushes the spans still in the exporters' batches.
    for service in ServiceName::ALL {
        assert_eq!(cluster.terminate(service).await.unwrap(), Some(0));
    }
    let trace_id_bytes = hex::decode(trace_id).unwrap();
    let bodies = collector.exports().await;
    let with_trace: Vec<&Bytes> =
        bodies.iter().filter(|body| body.windows(16).any(|window| window == trace_id_bytes.as_slice())).collect();
    // Accounts is not on the report's way: it signs the staff's tokens only.
    for service in [ServiceName::Intake, ServiceName::Routing, ServiceName::Resolution] {
        let name = format!("aduan-{}", service.as_str());
        assert!(
            with_trace.iter().any(|body| body.windows(name.len()).any(|window| window == name.as_bytes())),
            "{name} exported no span of the citizen's trace ({} exports in all)",
            bodies.len()
        );
    }
    cluster.destroy().await.unwrap();
}
