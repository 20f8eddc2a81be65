//! Reports no rule places with certainty wait for a verifier, who defers
//! (the citizen clarifies), assigns, archives, or merges them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::staff::{add_weekdays, change_registry, escalations, set_test_clock, verifier_step};
use aduan_e2e::{ServiceName, eventually, get_json, open_database, start_cluster, start_cluster_with_test_clock};
use chrono::NaiveDate;
use serde_json::{Value, json};

fn uncategorised(n: usize) -> Value {
    json!({
        "category": "other",
        "region": "31.71",
        "title": format!("Something else number {n}"),
        "description": "A problem that fits no category of the registry.",
        "privacy": "public",
    })
}

async fn queued(client: &reqwest::Client, routing: &str, report: &FiledReport) -> Option<Value> {
    let page: Value =
        aduan_e2e::staff::get(client, &format!("{routing}/api/v1/verification-queue")).await.json().await.ok()?;
    aduan_e2e::items(page).into_iter().find(|entry| entry["tracking_code"] == report.tracking_code.as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_defers_assigns_archives_and_merges() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);

    // No rule for "other": the report waits for a verifier, in nobody's inbox.
    let first = citizen::file(&client, &intake, &uncategorised(1)).await;
    let entry =
        eventually(Duration::from_secs(30), "the report in the queue", || queued(&client, &routing, &first)).await;
    let first_id = entry["report_id"].as_str().unwrap().to_owned();
    assert!(citizen::inbox(&client, &resolution, "sp4n-verifier").await.is_empty());

    // Deferred with a question; the citizen answers; back in the queue.
    let (status, body) =
        verifier_step(&client, &routing, &first_id, "deferral", json!({ "question": "Which street is it on?" })).await;
    assert_eq!(status, 200, "{body}");
    assert!(queued(&client, &routing, &first).await.is_none());
    let view = citizen::wait_for_status(&client, &intake, &first, "deferred").await;
    assert!(
        view["updates"].as_array().unwrap().iter().any(|u| u["text"] == "The verifier asks: Which street is it on?")
    );
    let clarified = client
        .post(format!("{intake}/api/v1/reports/{}/clarification", first.tracking_code))
        .json(&json!({ "secret": first.secret, "text": "Jalan Kemang Raya, near number 8." }))
        .send()
        .await
        .unwrap();
    assert_eq!(clarified.status(), 200);
    eventually(Duration::from_secs(30), "the report back in the queue", || queued(&client, &routing, &first)).await;

    // Assigned by hand: the case opens in that institution's inbox.
    let (status, body) =
        verifier_step(&client, &routing, &first_id, "assignment", json!({ "institution_id": "ghost-ministry" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("unknown_institution")));
    let (status, body) = verifier_step(
        &client,
        &routing,
        &first_id,
        "assignment",
        json!({ "institution_id": "kemendagri", "tier": "urgent" }),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_tier")));
    // The verifier sets the tier: "other" implies a simple complaint, this one needs a field check.
    let (status, body) = verifier_step(
        &client,
        &routing,
        &first_id,
        "assignment",
        json!({ "institution_id": "kemendagri", "tier": "field_investigation" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matched_by"], "verifier");
    let case = citizen::wait_in_inbox(&client, &resolution, "kemendagri", &first).await;
    let case: Value = get_json(&client, &format!("{resolution}/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(case["tier"], "field_investigation");
    let resolution_due: NaiveDate = case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|clock| clock["clock"] == "resolution")
        .and_then(|clock| clock["due_on"].as_str())
        .unwrap()
        .parse()
        .unwrap();
    let first_follow_up_due: NaiveDate = case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|clock| clock["clock"] == "first_follow_up")
        .and_then(|clock| clock["due_on"].as_str())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        resolution_due - first_follow_up_due > chrono::Duration::days(60),
        "60 working days to resolve, not 2: {case}"
    );
    citizen::wait_for_status(&client, &intake, &first, "assigned").await;

    // Archived as spam: final.
    let second = citizen::file(&client, &intake, &uncategorised(2)).await;
    let entry =
        eventually(Duration::from_secs(30), "the second report in the queue", || queued(&client, &routing, &second))
            .await;
    let second_id = entry["report_id"].as_str().unwrap().to_owned();
    let (status, body) = verifier_step(&client, &routing, &second_id, "archival", json!({ "reason": "boredom" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_archive_reason")));
    let (status, _) = verifier_step(&client, &routing, &second_id, "archival", json!({ "reason": "spam" })).await;
    assert_eq!(status, 200);
    let view = citizen::wait_for_status(&client, &intake, &second, "archived").await;
    assert!(view["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "archived"));
    let (status, body) =
        verifier_step(&client, &routing, &second_id, "assignment", json!({ "institution_id": "kemendagri" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("illegal_transition")));

    // Merged into the first: the citizen follows the original's progress
    // through their own code, and never learns the other citizen's.
    let third = citizen::file(&client, &intake, &uncategorised(3)).await;
    let entry =
        eventually(Duration::from_secs(30), "the third report in the queue", || queued(&client, &routing, &third))
            .await;
    let third_id = entry["report_id"].as_str().unwrap().to_owned();
    let (status, _) =
        verifier_step(&client, &routing, &third_id, "merger", json!({ "into_report_id": first_id })).await;
    assert_eq!(status, 200);
    let view = citizen::wait_for_status(&client, &intake, &third, "merged").await;
    assert!(view["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "merged"), "{view}");
    assert!(
        !view.to_string().contains(&first.tracking_code),
        "the duplicate's citizen sees the original's code: {view}"
    );
    assert_eq!(view["followed"]["institution"], "Kementerian Dalam Negeri", "{view}");
    assert!(view["followed"]["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "assigned"), "{view}");

    // Without a verifier's id, nothing happens.
    let anonymous = client
        .post(format!("{routing}/api/v1/verification/{third_id}/archival"))
        .json(&json!({ "reason": "spam" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    cluster.destroy().await.unwrap();
}

/// The reports whose verification ran out, from routing's outbox.
async fn verification_escalations(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    escalations(db)
        .await
        .into_iter()
        .filter(|(_, escalated)| escalated.clock == "verification")
        .map(|(report_id, _)| report_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn verification_is_due_in_three_working_days_paused_while_the_citizen_clarifies() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let today = set_test_clock(&client, &routing, 0).await;
    let report = citizen::file(&client, &intake, &uncategorised(1)).await;
    let entry =
        eventually(Duration::from_secs(30), "the report in the queue", || queued(&client, &routing, &report)).await;
    assert_eq!(entry["verify_by"], add_weekdays(today, 3).to_string(), "{entry}");
    assert_eq!(entry["overdue"], false);
    let report_id = entry["report_id"].as_str().unwrap().to_owned();

    // Deferred for a week: the five working days of waiting do not count.
    let (status, _) =
        verifier_step(&client, &routing, &report_id, "deferral", json!({ "question": "Which street is it on?" })).await;
    assert_eq!(status, 200);
    citizen::wait_for_status(&client, &intake, &report, "deferred").await;
    set_test_clock(&client, &routing, 7).await;
    let clarified = client
        .post(format!("{intake}/api/v1/reports/{}/clarification", report.tracking_code))
        .json(&json!({ "secret": report.secret, "text": "Jalan Kemang Raya, near number 8." }))
        .send()
        .await
        .unwrap();
    assert_eq!(clarified.status(), 200);
    let entry =
        eventually(Duration::from_secs(30), "the report back in the queue", || queued(&client, &routing, &report))
            .await;
    let verify_by = add_weekdays(today, 3 + 5);
    assert_eq!(entry["verify_by"], verify_by.to_string(), "{entry}");

    // A holiday declared on that last day moves it to the next working day:
    // the day after the old deadline passes quietly.
    let holiday = json!({ "kind": "put_holiday", "holiday": { "date": verify_by, "name": "Cuti bersama" } });
    let (status, body) = change_registry(&client, &routing, json!({ "change": holiday })).await;
    assert_eq!(status, 201, "{body}");
    let verify_by_after_holiday = add_weekdays(verify_by, 1);
    let entry = queued(&client, &routing, &report).await.unwrap();
    assert_eq!(entry["verify_by"], verify_by_after_holiday.to_string(), "{entry}");
    let db = open_database(cluster.database_url(ServiceName::Routing)).await;
    set_test_clock(&client, &routing, (verify_by - today).num_days() + 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(verification_escalations(&db).await.is_empty(), "not overdue yet: the holiday gave a day");
    let verify_by = verify_by_after_holiday;

    // The day after the new deadline, the national verifier is told, once.
    set_test_clock(&client, &routing, (verify_by - today).num_days() + 1).await;
    eventually(Duration::from_secs(20), "the verification escalation", || async {
        (!verification_escalations(&db).await.is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(verification_escalations(&db).await, std::slice::from_ref(&report_id), "told once");
    let entry = queued(&client, &routing, &report).await.unwrap();
    assert_eq!(entry["overdue"], true);
    // Overdue verification is not a case to reassign: it stays in the queue.
    let escalated = aduan_e2e::get_items(&client, &format!("{routing}/api/v1/escalations")).await;
    assert!(escalated.is_empty(), "{escalated:?}");
    let (status, _) =
        verifier_step(&client, &routing, &report_id, "assignment", json!({ "institution_id": "kemendagri" })).await;
    assert_eq!(status, 200);
    db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_raises_a_reports_privacy_and_every_service_follows() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { report, report_id, case_id } =
        citizen::pothole_case(&client, &intake, &resolution).await;
    let raise = |privacy: &str| json!({ "privacy": privacy, "reason": "It names a neighbour who could be harmed." });

    let (status, body) = verifier_step(&client, &routing, &report_id, "privacy", raise("secret")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_privacy")));
    let (status, body) = verifier_step(&client, &routing, &report_id, "privacy", raise("public")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_a_raise")), "the pothole is anonymous");
    let (status, body) = verifier_step(&client, &routing, &report_id, "privacy", raise("confidential")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = verifier_step(&client, &routing, &report_id, "privacy", raise("anonymous")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_a_raise")), "never lowered");

    // The citizen is told why; the institution's case follows.
    let view = eventually(Duration::from_secs(30), "the citizen to see the raise", || async {
        let view = citizen::status(&client, &intake, &report).await;
        (view["privacy"] == "confidential").then_some(view)
    })
    .await;
    let updates = view["updates"].as_array().unwrap();
    assert!(
        updates.iter().any(|u| u["kind"] == "privacy" && u["text"].as_str().unwrap().contains("neighbour")),
        "{view}"
    );
    let case = eventually(Duration::from_secs(30), "the case to follow", || async {
        let case: Value =
            aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await.json().await.ok()?;
        (case["privacy"] == "confidential").then_some(case)
    })
    .await;
    assert!(case["entries"].as_array().unwrap().iter().any(|e| e["kind"] == "privacy_raised"), "{case}");
    cluster.destroy().await.unwrap();
}
