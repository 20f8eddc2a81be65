//! The same flow against `aduan dev`, and a kill -9 of it mid-run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use aduan_e2e::citizen;
use aduan_e2e::dev::DevProcess;
use aduan_e2e::{assert_each_in_one_inbox_once, eventually, file_many, get_json, open_database};
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[tokio::test(flavor = "multi_thread")]
async fn the_flow_runs_in_one_process_and_stops_cleanly() {
    let mut dev = DevProcess::start().await;
    let base = dev.base_url();
    let client = reqwest::Client::new();
    let report = citizen::file(&client, &base, &citizen::pothole(1)).await;
    let case = eventually(Duration::from_secs(20), "the case in the inbox", || async {
        citizen::inbox(&client, &base, "bandung-dpu").await.into_iter().next()
    })
    .await;
    assert_eq!(case["tracking_code"], report.tracking_code.as_str());
    let case_id = case["id"].as_str().unwrap();
    assert_eq!(citizen::work(&client, &base, case_id, "follow-ups", "Inspection on Monday.").await.0, 200);
    assert_eq!(citizen::work(&client, &base, case_id, "resolution", "Patched on Monday.").await.0, 200);
    eventually(Duration::from_secs(20), "the citizen to see the resolution", || async {
        (citizen::status(&client, &base, &report).await["status"] == "resolved").then_some(())
    })
    .await;
    let accepted = client
        .post(format!("{base}/api/v1/reports/{}/acceptance", report.tracking_code))
        .json(&json!({ "secret": report.secret, "rating": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    eventually(Duration::from_secs(20), "the case to close", || async {
        let case: Value =
            aduan_e2e::staff::get(&client, &format!("{base}/api/v1/cases/{case_id}")).await.json().await.ok()?;
        (case["status"] == "closed").then_some(())
    })
    .await;
    let doc: Value = get_json(&client, &format!("{base}/api/openapi.json")).await;
    for path in ["/api/v1/reports", "/api/v1/cases/{case_id}", "/api/v1/institutions"] {
        assert!(doc["paths"].get(path).is_some(), "the merged OpenAPI lacks {path}");
    }
    assert_eq!(dev.terminate().await, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_aduan_dev_mid_run_loses_nothing_a_citizen_was_told_is_filed() {
    let dev = Arc::new(Mutex::new(DevProcess::start().await));
    let base = dev.lock().await.base_url();
    let chaos = dev.clone();
    let filed = file_many(&base, 120, 6, move |answered| {
        let dev = chaos.clone();
        async move {
            if answered == 50 {
                let mut dev = dev.lock().await;
                dev.kill().await;
                tokio::time::sleep(Duration::from_millis(300)).await;
                dev.spawn().await;
            }
        }
    })
    .await;
    assert_eq!(filed.len(), 120, "citizens who retried were all answered in the end");
    let dev = dev.lock().await;
    let resolution_db = open_database(&dev.database_url("resolution")).await;
    assert_each_in_one_inbox_once(&resolution_db, &filed, Duration::from_secs(60)).await;
    resolution_db.close().await.unwrap();
}

/// A port found free and taken by another process before `aduan dev` bound
/// it: the other process's answers are not taken for the child's, and the
/// child's failure says that the port was lost (so it is started elsewhere).
#[tokio::test(flavor = "multi_thread")]
async fn a_process_that_lost_its_port_is_not_mistaken_for_the_one_that_took_it() {
    use axum::Json;
    use axum::routing::get;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Answers as a healthy aduan process would, but it is this test's process.
    let other = axum::Router::new()
        .route("/healthz", get(|| async { Json(json!({ "status": "alive", "process": std::process::id() })) }))
        .route("/readyz", get(|| async { Json(json!({ "database": true })) }));
    tokio::spawn(async move { axum::serve(listener, other).await });

    let data_dir = std::env::temp_dir().join(format!("aduan-lost-port-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let log_path = data_dir.join("dev.log");
    let log_start = aduan::child::log_length(&log_path);
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(aduan_e2e::aduan_binary())
        .args(["dev", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data_dir)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let outcome =
        aduan::child::wait_ready(&mut child, &base, "aduan dev", (&log_path, log_start), Duration::from_secs(60)).await;
    std::fs::remove_dir_all(&data_dir).ok();
    assert!(matches!(outcome, Err(aduan::child::NotReady::PortTaken { .. })), "{outcome:?}");
}
