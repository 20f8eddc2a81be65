//! Faults while reports flow: a service killed with -9, the broker's
//! connections cut. Every report that got a tracking code reaches exactly one
//! inbox, once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aduan_e2e::rabbit::TestVhost;
use aduan_e2e::{
    ClusterOptions, ServiceName, aduan_binary, assert_each_in_one_inbox_once, eventually, file_many, open_database,
};
use tokio::sync::Mutex;

const REPORTS: usize = 150;

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_routing_while_reports_flow_loses_and_duplicates_nothing() {
    let cluster = Arc::new(Mutex::new(aduan_e2e::start_cluster().await));
    let intake = cluster.lock().await.base_url(ServiceName::Intake);
    let chaos = cluster.clone();
    let filed = file_many(&intake, REPORTS, 6, move |answered| {
        let cluster = chaos.clone();
        async move {
            if answered == 40 {
                cluster.lock().await.kill(ServiceName::Routing).await.unwrap();
            }
            if answered == 90 {
                cluster.lock().await.spawn(ServiceName::Routing).await.unwrap();
            }
        }
    })
    .await;
    assert_eq!(filed.len(), REPORTS, "intake does not need routing to take reports");
    let cluster = Arc::try_unwrap(cluster).unwrap().into_inner();
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    assert_each_in_one_inbox_once(&resolution_db, &filed, Duration::from_secs(60)).await;
    resolution_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cutting_every_broker_connection_mid_run_loses_and_duplicates_nothing() {
    // A vhost of this test's own, so cutting its connections disturbs no other test.
    let vhost = TestVhost::create();
    let mut options = ClusterOptions::local(aduan_binary());
    options.amqp_url = vhost.amqp_url();
    let cluster = aduan_e2e::start_cluster_with(options).await;
    let intake = cluster.base_url(ServiceName::Intake);
    let vhost = Arc::new(vhost);
    let chaos = vhost.clone();
    let log_dir = cluster.log_dir().to_owned();
    // One cut at a time: the second waits until the first is over.
    let cutting = Arc::new(Mutex::new(()));
    let filed = file_many(&intake, REPORTS, 6, move |answered| {
        let (vhost, log_dir, cutting) = (chaos.clone(), log_dir.clone(), cutting.clone());
        async move {
            if answered == 40 || answered == 100 {
                let _one_at_a_time = cutting.lock().await;
                // The other workers go on filing while this one cuts and waits
                // for every service to come back, so the cut lands mid-run
                // whatever the machine's speed.
                let before = connections_made(&log_dir);
                tokio::task::spawn_blocking(move || vhost.close_all_connections()).await.unwrap();
                eventually(Duration::from_secs(30), "every service to reconnect after the cut", || {
                    let now = connections_made(&log_dir);
                    std::future::ready(now.iter().zip(&before).all(|(now, before)| now > before).then_some(()))
                })
                .await;
            }
        }
    })
    .await;
    assert_eq!(filed.len(), REPORTS, "intake keeps taking reports while the broker is away");
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    assert_each_in_one_inbox_once(&resolution_db, &filed, Duration::from_secs(90)).await;
    resolution_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

/// How many times each service has connected to RabbitMQ, from its log.
fn connections_made(log_dir: &Path) -> Vec<usize> {
    ServiceName::ALL
        .iter()
        .map(|service| {
            let log = std::fs::read_to_string(log_dir.join(format!("{}.log", service.as_str()))).unwrap_or_default();
            log.matches("connected to RabbitMQ").count()
        })
        .collect()
}
