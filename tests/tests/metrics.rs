//! Every service answers `/metrics` in Prometheus text: its HTTP requests by
//! route template, its consumer's messages and lag, its outbox's backlog and
//! its relay's steps; never a path with a tracking code in it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_e2e::dev::DevProcess;
use aduan_e2e::{ServiceName, citizen, start_cluster};

async fn metrics(client: &reqwest::Client, base: &str) -> String {
    let response = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200, "{base}/metrics");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

fn line<'a>(text: &'a str, name: &str, labels: &[&str]) -> Option<&'a str> {
    text.lines().find(|line| line.starts_with(name) && labels.iter().all(|label| line.contains(label)))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_of_the_cluster_tells_prometheus_what_it_does() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let (intake, resolution) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Resolution));
    let report = citizen::file(&client, &intake, &citizen::pothole(1)).await;
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &report).await;
    citizen::status(&client, &intake, &report).await;

    let intake_text = metrics(&client, &intake).await;
    assert!(
        line(
            &intake_text,
            "aduan_http_requests_total",
            &["process=\"intake\"", "route=\"/api/v1/reports\"", "method=\"POST\"", "status=\"201\""]
        )
        .is_some(),
        "{intake_text}"
    );
    assert!(line(&intake_text, "aduan_http_request_duration_seconds_bucket", &["route=\"/api/v1/reports/{"]).is_some());
    assert!(line(&intake_text, "aduan_outbox_backlog", &["service=\"intake\""]).is_some(), "{intake_text}");
    // The filing's event went out: the relay timed each step of its round.
    for step in ["claim", "publish", "settle"] {
        assert!(
            line(&intake_text, "aduan_outbox_step_seconds_count", &["service=\"intake\"", &format!("step=\"{step}\"")])
                .is_some(),
            "{step}: {intake_text}"
        );
    }
    let published = line(&intake_text, "aduan_outbox_published_total", &["service=\"intake\""]).expect(&intake_text);
    let count: f64 = published.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{published}");
    let resolution_text = metrics(&client, &resolution).await;
    assert!(
        line(&resolution_text, "aduan_consumer_messages_total", &["consumer=\"resolution\"", "outcome=\"handled\""])
            .is_some(),
        "{resolution_text}"
    );
    assert!(line(&resolution_text, "aduan_consumer_lag_seconds_count", &["consumer=\"resolution\""]).is_some());
    for service in [ServiceName::Routing, ServiceName::Accounts, ServiceName::Audit] {
        let text = metrics(&client, &cluster.base_url(service)).await;
        assert!(text.contains(&format!("process=\"{}\"", service.as_str())), "{text}");
    }
    for text in [&intake_text, &resolution_text] {
        assert!(!text.contains(&report.tracking_code), "a tracking code in the metrics");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aduan_dev_answers_metrics_for_all_its_services() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let report = citizen::file(&client, &base, &citizen::pothole(2)).await;
    citizen::wait_in_inbox(&client, &base, "bandung-dpu", &report).await;
    let text = metrics(&client, &base).await;
    assert!(
        line(&text, "aduan_http_requests_total", &["process=\"dev\"", "route=\"/api/v1/reports\""]).is_some(),
        "{text}"
    );
    for consumer in ["routing", "resolution", "audit"] {
        assert!(
            line(&text, "aduan_consumer_messages_total", &[&format!("consumer=\"{consumer}\"")]).is_some(),
            "{consumer}: {text}"
        );
    }
}
