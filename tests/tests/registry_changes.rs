//! The registry after its first start: an administrator changes it through
//! routing's JSON API, each change becomes a version published as an event,
//! and every service works with the new version: intake takes the new
//! category, routing routes by the new rule, resolution's clocks follow the
//! new holidays.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::staff::{add_weekdays, change_registry, set_test_clock};
use aduan_e2e::{
    ServiceName, citizen, count, eventually, get_json, open_database, start_cluster, start_cluster_with_test_clock,
};
use chrono::NaiveDate;
use serde_json::{Value, json};

async fn registry_version(client: &reqwest::Client, routing: &str) -> i64 {
    let registry: Value = get_json(client, &format!("{routing}/api/v1/registry")).await;
    registry["version"].as_i64().unwrap()
}

fn street_light(n: usize) -> Value {
    json!({
        "category": "street_lighting",
        "region": "32.73",
        "title": format!("Street light {n} is out"),
        "description": "The street light in front of number 12 has been dark for a week.",
        "privacy": "public",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrators_change_reaches_every_service_and_outlives_a_restart() {
    let mut cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);
    assert_eq!(registry_version(&client, &routing).await, 1, "the file is version 1");

    // Not a category yet.
    let response = client.post(format!("{intake}/api/v1/reports")).json(&street_light(0)).send().await.unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "unknown_category");

    // Refused changes change nothing.
    let category = json!({ "kind": "put_category", "category": { "id": "street_lighting", "name": "Penerangan jalan", "tier": "simple" } });
    let response = client
        .post(format!("{routing}/api/v1/registry/changes"))
        .json(&json!({ "change": category }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no administrator named");
    let orphan_rule = json!({ "kind": "put_rule", "rule": { "category": "street_lighting", "region": "32.73", "institution": "bandung-dpu" } });
    let (status, body) = change_registry(&client, &routing, json!({ "change": orphan_rule })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_registry_change")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("rule.category"), "{body}");
    let (status, body) = change_registry(
        &client,
        &routing,
        json!({ "change": { "kind": "remove_rule", "category": "roads", "region": "99" } }),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("registry_entry_not_found")), "{body}");
    let (status, body) = change_registry(&client, &routing, json!({ "change": { "kind": "rename_everything" } })).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = change_registry(&client, &routing, json!({ "change": category, "expected_version": 7 })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("registry_version_conflict")), "{body}");
    assert_eq!(registry_version(&client, &routing).await, 1);

    // The category, then its rule: versions 2 and 3.
    let (status, body) = change_registry(&client, &routing, json!({ "change": category, "expected_version": 1 })).await;
    assert_eq!((status, body["version"].as_i64()), (201, Some(2)), "{body}");
    let (status, body) = change_registry(&client, &routing, json!({ "change": orphan_rule })).await;
    assert_eq!((status, body["version"].as_i64()), (201, Some(3)), "{body}");

    // Intake takes the new category once its copy has version 2, and routing
    // sends the report by the new rule.
    let report = eventually(Duration::from_secs(30), "intake to take the new category", || async {
        citizen::try_file(&client, &intake, &street_light(1)).await
    })
    .await;
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &report).await;

    // The changes, newest first, with who made them.
    let changes = aduan_e2e::get_items(&client, &format!("{routing}/api/v1/registry/changes")).await;
    let kinds: Vec<(i64, &str)> =
        changes.iter().map(|c| (c["version"].as_i64().unwrap(), c["change"]["kind"].as_str().unwrap())).collect();
    assert_eq!(kinds, [(3, "put_rule"), (2, "put_category"), (1, "seed")]);
    let administrator = aduan_e2e::staff::acting_at(&routing).expect("the kit acts at routing");
    assert_eq!(changes[0]["changed_by"], administrator.subject.as_str());
    let response = aduan_e2e::staff::get(&client, &format!("{routing}/api/v1/registry/changes?limit=0")).await;
    assert_eq!(response.status(), 422);

    // Each service stored every version in its own database; only the
    // newest keeps its document.
    for service in ServiceName::ALL {
        let db = open_database(cluster.database_url(service)).await;
        eventually(Duration::from_secs(30), "every version in every service", || async {
            (count(&db, "SELECT COUNT(*) FROM registry_version").await == 3).then_some(())
        })
        .await;
        assert_eq!(count(&db, "SELECT COUNT(*) FROM registry_version WHERE document IS NOT NULL").await, 1);
        assert_eq!(count(&db, "SELECT MAX(version) FROM registry_version WHERE document IS NOT NULL").await, 3);
        db.close().await.unwrap();
    }

    // A restarted routing works from its database, not from its file.
    cluster.kill(ServiceName::Routing).await.unwrap();
    cluster.spawn(ServiceName::Routing).await.unwrap();
    assert_eq!(registry_version(&client, &routing).await, 3);
    let second = citizen::file(&client, &intake, &street_light(2)).await;
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &second).await;
    cluster.destroy().await.unwrap();
}

/// The case's clocks: (clock, due on, escalations fired), earliest first.
async fn clocks(client: &reqwest::Client, resolution: &str, case_id: &str) -> Vec<(String, NaiveDate, u64)> {
    let case: Value = get_json(client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    let mut clocks: Vec<(String, NaiveDate, u64)> = case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|clock| {
            let due_on = clock["due_on"].as_str().unwrap().parse().unwrap();
            (clock["clock"].as_str().unwrap().to_owned(), due_on, clock["escalations"].as_u64().unwrap())
        })
        .collect();
    clocks.sort_by_key(|(_, due_on, _)| *due_on);
    clocks
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holiday_removed_after_assignment_brings_the_escalation_forward() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let today = set_test_clock(&client, &resolution, 0).await;

    // A holiday on the next working day, then a report: its first follow-up
    // is due a working day later than it would be.
    let holiday = add_weekdays(today, 1);
    let put = json!({ "kind": "put_holiday", "holiday": { "date": holiday, "name": "Cuti bersama" } });
    let (status, body) = change_registry(&client, &routing, json!({ "change": put })).await;
    assert_eq!(status, 201, "{body}");
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    eventually(Duration::from_secs(30), "resolution to have the holiday", || async {
        (count(&resolution_db, "SELECT MAX(version) FROM registry_version").await == 2).then_some(())
    })
    .await;
    let citizen::PotholeCase { case_id, .. } = citizen::pothole_case(&client, &intake, &resolution).await;
    let with_holiday = clocks(&client, &resolution, &case_id).await;
    let (first, due_with_holiday, _) = with_holiday[0].clone();
    assert!(due_with_holiday > holiday, "the holiday falls inside the {first} clock");

    // The holiday is called off: every deadline comes back a working day.
    let remove = json!({ "kind": "remove_holiday", "date": holiday });
    let (status, body) = change_registry(&client, &routing, json!({ "change": remove })).await;
    assert_eq!(status, 201, "{body}");
    let due_without_holiday = eventually(Duration::from_secs(30), "the deadline to come back a day", || async {
        let (clock, due_on, _) = clocks(&client, &resolution, &case_id).await[0].clone();
        (clock == first && due_on < due_with_holiday).then_some(due_on)
    })
    .await;

    // The day after the new deadline, the old one has not passed: the case is
    // looked at again only because the change asked for it, and its late
    // clock goes to the coordinator, once.
    let day_after = due_without_holiday.succ_opt().unwrap();
    assert!(day_after <= due_with_holiday, "a day on which only the new deadline has passed");
    assert_eq!(clocks(&client, &resolution, &case_id).await[0].2, 0, "nothing escalated yet");
    set_test_clock(&client, &resolution, (day_after - today).num_days()).await;
    eventually(Duration::from_secs(20), "the escalation to the coordinator", || async {
        let escalations =
            clocks(&client, &resolution, &case_id).await.into_iter().find(|(clock, ..)| *clock == first)?.2;
        (escalations == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let escalations =
        clocks(&client, &resolution, &case_id).await.into_iter().find(|(clock, ..)| *clock == first).unwrap().2;
    assert_eq!(escalations, 1, "one step, once");
    resolution_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}
