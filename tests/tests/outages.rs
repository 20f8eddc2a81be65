//! When a dependency goes away and comes back: a database outage under a
//! consumer parks nothing and loses nothing, filing answers 503 with
//! `Retry-After` while intake's database is down, and every service stops
//! when asked after the broker was restarted. Each outage is a proxy cut in
//! front of the one service's database or broker, so other tests sharing
//! the machine's PostgreSQL and RabbitMQ are not disturbed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::proxy::Proxy;
use aduan_e2e::rabbit::queue_depth;
use aduan_e2e::{Cluster, ClusterOptions, ServiceName, aduan_binary, citizen, count, eventually, open_database};
use aduan_platform::bus::rabbit::Names;

const POSTGRES: &str = "127.0.0.1:5432";
const RABBITMQ: &str = "127.0.0.1:5672";

async fn cluster_with(configure: impl FnOnce(&mut ClusterOptions)) -> Cluster {
    let mut options = ClusterOptions::local(aduan_binary());
    configure(&mut options);
    aduan_e2e::start_cluster_with(options).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_under_a_consumer_parks_nothing_and_loses_nothing() {
    let proxy = Proxy::start(POSTGRES.parse().unwrap()).await;
    let cluster = cluster_with(|options| {
        options.database_hosts.insert(ServiceName::Resolution, format!("127.0.0.1:{}", proxy.port()));
    })
    .await;
    let client = reqwest::Client::new();
    let (intake, resolution) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Resolution));
    let first = citizen::file(&client, &intake, &citizen::pothole(0)).await;
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &first).await;

    // Resolution's database goes away for far longer than the retry budget
    // (200 ms and 1 s here); reports keep coming.
    proxy.cut().await;
    let mut filed = vec![first];
    for n in 1..=10 {
        filed.push(citizen::file(&client, &intake, &citizen::pothole(n)).await);
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    let ready = client.get(format!("{resolution}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "resolution says it is not ready while its database is down");
    proxy.restore();

    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    aduan_e2e::assert_each_in_one_inbox_once(&resolution_db, &filed, Duration::from_secs(60)).await;
    let names = Names::new(&cluster.namespace);
    assert_eq!(queue_depth(cluster.amqp_url(), &names.dead_letter_queue("resolution")).await, 0, "nothing parked");
    resolution_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn filing_answers_503_with_retry_after_while_intakes_database_is_down() {
    let proxy = Proxy::start(POSTGRES.parse().unwrap()).await;
    let cluster = cluster_with(|options| {
        options.database_hosts.insert(ServiceName::Intake, format!("127.0.0.1:{}", proxy.port()));
    })
    .await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    citizen::file(&client, &intake, &citizen::pothole(1)).await;

    proxy.cut().await;
    let response = client
        .post(format!("{intake}/api/v1/reports"))
        .json(&citizen::pothole(2))
        .timeout(Duration::from_secs(40))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");

    proxy.restore();
    let report = eventually(Duration::from_secs(30), "filing to work again", || async {
        citizen::try_file(&client, &intake, &citizen::pothole(3)).await
    })
    .await;
    citizen::wait_in_inbox(&client, &cluster.base_url(ServiceName::Resolution), "bandung-dpu", &report).await;
    let intake_db = open_database(cluster.database_url(ServiceName::Intake)).await;
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM report").await, 2, "the refused filing stored nothing");
    intake_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_stops_when_asked_after_the_broker_restarted_and_while_it_is_down() {
    let proxy = Proxy::start(RABBITMQ.parse().unwrap()).await;
    let broker = format!("amqp://guest:guest@127.0.0.1:{}/%2f", proxy.port());
    let mut cluster = cluster_with(|options| options.services_amqp_url = Some(broker)).await;
    let client = reqwest::Client::new();
    let (intake, resolution) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Resolution));

    // Under load, the broker restarts: every connection is cut, and it is
    // unreachable for a while.
    let base = intake.clone();
    let load = tokio::spawn(async move { aduan_e2e::file_many(&base, 60, 4, |_| async {}).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.cut().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    let filed = load.await.unwrap();
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    aduan_e2e::assert_each_in_one_inbox_once(&resolution_db, &filed, Duration::from_secs(90)).await;
    let after = citizen::file(&client, &intake, &citizen::pothole(99)).await;
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &after).await;
    resolution_db.close().await.unwrap();

    // Routing stops cleanly after the restart; the others stop even with the broker down.
    let started = tokio::time::Instant::now();
    assert_eq!(cluster.terminate(ServiceName::Routing).await.unwrap(), Some(0), "routing stopped cleanly");
    proxy.cut().await;
    for service in [ServiceName::Intake, ServiceName::Resolution] {
        let code = cluster.terminate(service).await.unwrap_or_else(|error| panic!("{error:#}"));
        assert_eq!(code, Some(0), "{} stopped cleanly with the broker down", service.as_str());
    }
    assert!(started.elapsed() < Duration::from_secs(60), "stopping took {:?}", started.elapsed());
    proxy.restore();
    cluster.destroy().await.unwrap();
}
