//! A report waiting for a verifier comes with the earlier reports it may
//! duplicate, found by the database's trigram index over every report
//! (`pg_trgm` on PostgreSQL, FTS5 on SQLite), and is merged in one step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::staff::verifier_step;
use aduan_e2e::{ServiceName, eventually, start_cluster};
use serde_json::{Value, json};

fn report(region: &str, title: &str, description: &str) -> Value {
    json!({ "category": "other", "region": region, "title": title, "description": description, "privacy": "public" })
}

async fn queued(client: &reqwest::Client, routing: &str, report: &FiledReport) -> Option<Value> {
    let url = format!("{routing}/api/v1/verification-queue?region=31.71&limit=100");
    let page: Value = aduan_e2e::staff::get(client, &url).await.json().await.ok()?;
    aduan_e2e::items(page).into_iter().find(|entry| entry["tracking_code"] == report.tracking_code.as_str())
}

fn suggested_codes(entry: &Value) -> Vec<String> {
    entry["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|similar| similar["tracking_code"].as_str().unwrap().to_owned())
        .collect()
}

async fn suggests_and_merges(intake: &str, routing: &str) {
    let client = reqwest::Client::new();
    let first = citizen::file(
        &client,
        intake,
        &report(
            "31.71",
            "Jalan berlubang besar di depan Pasar Kemang",
            "Lubang besar di Jalan Kemang Raya nomor 8, depan pasar.",
        ),
    )
    .await;
    let unrelated = citizen::file(
        &client,
        intake,
        &report("31.71", "Lampu taman mati sejak seminggu", "Semua lampu di taman kota padam setiap malam."),
    )
    .await;
    let elsewhere = citizen::file(
        &client,
        intake,
        &report(
            "31.73",
            "Jalan berlubang besar di depan Pasar Kemang",
            "Lubang besar di Jalan Kemang Raya nomor 8, depan pasar.",
        ),
    )
    .await;
    let second = citizen::file(
        &client,
        intake,
        &report(
            "31.71",
            "Lubang besar depan Pasar Kemang",
            "Ada jalan berlubang besar di Jalan Kemang Raya nomor 8 depan pasar.",
        ),
    )
    .await;

    let entry =
        eventually(Duration::from_secs(30), "the second report in the queue", || queued(&client, routing, &second))
            .await;
    assert_eq!(suggested_codes(&entry), std::slice::from_ref(&first.tracking_code), "{entry}");
    let likeness = entry["similar"][0]["likeness"].as_f64().unwrap();
    assert!((0.3..=1.0).contains(&likeness), "{likeness}");
    // Nothing alike came before the first; the lamp is another matter; the
    // same words in another region are another street.
    let first_entry =
        eventually(Duration::from_secs(30), "the first report in the queue", || queued(&client, routing, &first)).await;
    assert!(suggested_codes(&first_entry).is_empty(), "{first_entry}");
    let lamp =
        eventually(Duration::from_secs(30), "the lamp in the queue", || queued(&client, routing, &unrelated)).await;
    assert!(suggested_codes(&lamp).is_empty(), "{lamp}");
    let page: Value = aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?region=31.73"))
        .await
        .json()
        .await
        .unwrap();
    let far = aduan_e2e::items(page)
        .into_iter()
        .find(|entry| entry["tracking_code"] == elsewhere.tracking_code.as_str())
        .unwrap();
    assert!(suggested_codes(&far).is_empty(), "{far}");

    // Merged into the suggestion in one step: it leaves the queue.
    let (second_id, original) = (entry["report_id"].as_str().unwrap(), entry["similar"][0]["report_id"].clone());
    let (status, body) =
        verifier_step(&client, routing, second_id, "merger", json!({ "into_report_id": original })).await;
    assert_eq!(status, 200, "{body}");
    assert!(queued(&client, routing, &second).await.is_none());
    citizen::wait_for_status(&client, intake, &second, "merged").await;

    // Filters: nothing has waited a day yet.
    let page: Value = aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?waiting_days=1"))
        .await
        .json()
        .await
        .unwrap();
    assert!(aduan_e2e::items(page).is_empty());
    let refused =
        aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/verification-queue?waiting_days=9999")).await;
    assert_eq!(refused.status(), 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_suggests_earlier_alike_reports_with_pg_trgm() {
    let cluster = start_cluster().await;
    suggests_and_merges(&cluster.base_url(ServiceName::Intake), &cluster.base_url(ServiceName::Routing)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_suggests_earlier_alike_reports_with_fts5() {
    let dev = DevProcess::start().await;
    suggests_and_merges(&dev.base_url(), &dev.base_url()).await;
}
