//! Working-day clocks on real processes, with a clock the test moves instead
//! of waiting for days: overdue cases escalate along the chain, each step
//! once; the citizen's silence after a resolution closes the case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use aduan_e2e::staff::{escalations, set_test_clock, verifier_step};
use aduan_e2e::{ServiceName, citizen, count, eventually, get_json, open_database, start_cluster_with_test_clock};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn overdue_cases_escalate_once_per_step_and_silence_closes() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { report, case_id, .. } = citizen::pothole_case(&client, &intake, &resolution).await;
    let db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    let escalated_sql = "SELECT COUNT(*) FROM outbox_message WHERE routing_key = 'report.escalated'";
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(&db, escalated_sql).await, 0, "nothing is overdue on the day of assignment");

    // Sixty days on, both the first follow-up and the resolution are long
    // overdue: each goes to the coordinator, the parent level, then the
    // national verifier, and no step fires twice.
    set_test_clock(&client, &resolution, 60).await;
    eventually(Duration::from_secs(20), "six escalations", || async {
        (count(&db, escalated_sql).await == 6).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(count(&db, escalated_sql).await, 6, "a spent chain fires no more");

    // Resolved, then ten working days of silence: the case closes by itself.
    let (status, _) = citizen::work(&client, &resolution, &case_id, "resolution", "Patched on Monday.").await;
    assert_eq!(status, 200);
    set_test_clock(&client, &resolution, 70).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let case: Value = get_json(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    assert_eq!(case["status"], "resolved", "ten calendar days are not ten working days");
    set_test_clock(&client, &resolution, 90).await;
    eventually(Duration::from_secs(20), "the citizen to see the report closed", || async {
        let view = citizen::status(&client, &intake, &report).await;
        (view["status"] == "closed").then_some(view)
    })
    .await;
    let view = citizen::status(&client, &intake, &report).await;
    assert!(view["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "closed"), "{view}");
    db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deadline_fires_once_with_several_replicas_running() {
    let mut cluster = start_cluster_with_test_clock(50).await;
    let replica = cluster.spawn_replica(ServiceName::Resolution).await.unwrap();
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let mut reports = Vec::new();
    for n in 0..20 {
        reports.push(citizen::file(&client, &intake, &citizen::pothole(n)).await);
    }
    let db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    eventually(Duration::from_secs(30), "twenty cases", || async {
        (count(&db, "SELECT COUNT(*) FROM case_clocks").await == 20).then_some(())
    })
    .await;

    // Both replicas see the same day, and race for the same due clocks.
    set_test_clock(&client, &resolution, 60).await;
    set_test_clock(&client, &replica, 60).await;
    let escalated_sql = "SELECT COUNT(*) FROM outbox_message WHERE routing_key = 'report.escalated'";
    eventually(Duration::from_secs(30), "every step of every chain", || async {
        (count(&db, escalated_sql).await >= 120).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(count(&db, escalated_sql).await, 120, "20 cases x 2 clocks x 3 steps, each exactly once");
    let steps: HashSet<(String, String, String)> = escalations(&db)
        .await
        .into_iter()
        .map(|(report_id, escalated)| (report_id, escalated.clock, escalated.to))
        .collect();
    assert_eq!(steps.len(), 120, "no step of any case's chain fired twice");
    db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

async fn escalated_to_verifier(client: &reqwest::Client, routing: &str) -> Vec<Value> {
    aduan_e2e::get_items(client, &format!("{routing}/api/v1/escalations")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_national_verifier_reassigns_a_case_escalated_all_the_way_up() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { report, report_id, case_id } =
        citizen::pothole_case(&client, &intake, &resolution).await;

    // In time, the case is the institution's own: no reassigning, no assigning.
    let reassign = json!({ "institution_id": "jabar-dbmpr", "reason": "The city's roads office has not answered." });
    let (status, body) = verifier_step(&client, &routing, &report_id, "reassignment", reassign.clone()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_escalated")), "{body}");
    let assign = json!({ "institution_id": "jabar-dbmpr" });
    let (status, body) = verifier_step(&client, &routing, &report_id, "assignment", assign).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_waiting")), "{body}");

    // Sixty days on, the chain ends at the national verifier.
    set_test_clock(&client, &resolution, 60).await;
    let listed = eventually(Duration::from_secs(30), "the case on the national verifier's list", || async {
        escalated_to_verifier(&client, &routing)
            .await
            .into_iter()
            .find(|entry| entry["report_id"] == report_id.as_str())
    })
    .await;
    assert_eq!(listed["institution_id"], "bandung-dpu");

    let same = json!({ "institution_id": "bandung-dpu", "reason": "Try again, please." });
    let (status, body) = verifier_step(&client, &routing, &report_id, "reassignment", same).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("same_institution")), "{body}");
    let nowhere = json!({ "institution_id": "nowhere", "reason": "Somebody else." });
    let (status, body) = verifier_step(&client, &routing, &report_id, "reassignment", nowhere).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("unknown_institution")), "{body}");
    let (status, body) = verifier_step(&client, &routing, &report_id, "reassignment", reassign.clone()).await;
    assert_eq!((status, body["institution_id"].as_str()), (200, Some("jabar-dbmpr")), "{body}");
    assert_eq!(body["matched_by"], "reassigned");
    assert!(escalated_to_verifier(&client, &routing).await.is_empty(), "off the list once reassigned");
    let (status, _) = verifier_step(&client, &routing, &report_id, "reassignment", reassign).await;
    assert_eq!(status, 409, "reassigned once; not again until it is escalated again");

    // The province's roads agency has it now, with the reason, and fresh clocks.
    citizen::wait_in_inbox(&client, &resolution, "jabar-dbmpr", &report).await;
    assert!(citizen::inbox(&client, &resolution, "bandung-dpu").await.is_empty());
    let case: Value = get_json(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    assert_eq!(case["status"], "assigned");
    let entry = case["entries"].as_array().unwrap().iter().find(|entry| entry["kind"] == "reassignment").unwrap();
    assert!(entry["text"].as_str().unwrap().contains("has not answered"), "{entry}");
    let clocks = case["clocks"].as_array().unwrap();
    assert!(!clocks.is_empty() && clocks.iter().all(|clock| clock["escalations"] == 0), "{case}");
    cluster.destroy().await.unwrap();
}
