//! Steps of the procedure that broke or were missing: an appeal above the
//! top of the tree (on the Indonesian seed, where most pairs start at a
//! national institution), escalations that reach an institution's staff, a
//! question the citizen never answers, and the citizen's rating and "was it
//! fixed?" with a dispute window on the movable clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::staff::{add_weekdays, post, set_test_clock, verifier_step};
use aduan_e2e::{
    ClusterOptions, ServiceName, aduan_binary, eventually, get_items, get_json, start_cluster_with_test_clock,
};
use serde_json::{Value, json};

const SETTLE: Duration = Duration::from_secs(30);

async fn citizen_step(
    client: &reqwest::Client,
    intake: &str,
    report: &FiledReport,
    step: &str,
    body: Value,
) -> (u16, Value) {
    let mut body = body;
    body["secret"] = json!(report.secret);
    post(client, &format!("{intake}/api/v1/reports/{}/{step}", report.tracking_code), &body).await
}

async fn case_status(client: &reqwest::Client, resolution: &str, case_id: &str, status: &str) -> Value {
    eventually(SETTLE, &format!("the case to be {status}"), || async {
        let case: Value = get_json(client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
        (case["status"] == status).then_some(case)
    })
    .await
}

fn seed() -> String {
    format!("{}/../services/registry/data/indonesia/registry.toml", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appeal_against_a_ministry_goes_to_the_national_verifier_then_the_ombudsman() {
    let mut options = ClusterOptions::local(aduan_binary());
    options.extra_env.push(("ADUAN_REGISTRY".into(), seed()));
    let cluster = aduan_e2e::start_cluster_with(options).await;
    let client = reqwest::Client::new();
    let (intake, routing, resolution) = (
        cluster.base_url(ServiceName::Intake),
        cluster.base_url(ServiceName::Routing),
        cluster.base_url(ServiceName::Resolution),
    );
    // Land is the national land agency's, which has no level above it.
    let land = |n: usize| {
        json!({ "category": "land", "region": "32.73", "title": format!("Land certificate {n} delayed"),
                "description": "My land certificate has been pending for two years.", "privacy": "public" })
    };
    let mut cases = Vec::new();
    for n in 0..2 {
        let report = citizen::file(&client, &intake, &land(n)).await;
        let case = citizen::wait_in_inbox(&client, &resolution, "atr-bpn", &report).await;
        let case_id = case["id"].as_str().unwrap().to_owned();
        let (status, _) =
            citizen::work(&client, &resolution, &case_id, "resolution", "Your certificate is ready.").await;
        assert_eq!(status, 200);
        citizen::wait_for_status(&client, &intake, &report, "resolved").await;
        let (status, body) =
            citizen_step(&client, &intake, &report, "appeal", json!({ "text": "It is not ready at all." })).await;
        assert_eq!(status, 200, "{body}");
        cases.push((report, case_id, case["report_id"].as_str().unwrap().to_owned()));
    }

    // Both appeals wait for the national verifier, each on its list as an appeal.
    for (report, case_id, report_id) in &cases {
        let listed = eventually(SETTLE, "the appeal on the national verifier's list", || async {
            get_items(&client, &format!("{routing}/api/v1/escalations"))
                .await
                .into_iter()
                .find(|escalated| escalated["report_id"] == report_id.as_str())
        })
        .await;
        assert_eq!(listed["reason"], "appeal");
        assert_eq!(listed["institution_id"], "atr-bpn");
        case_status(&client, &resolution, case_id, "appealed").await;
        // Routing heard of the escalation; intake hears of it in its own time.
        let view = citizen::wait_for_update(&client, &intake, report, "escalated").await;
        assert_eq!(view["status"], "appealed", "the citizen is not told it was assigned: {view}");
    }

    // The first: the verifier upholds the answer; the case closes; the citizen may go to the ombudsman.
    let (report, case_id, report_id) = &cases[0];
    let (status, body) = verifier_step(
        &client,
        &routing,
        report_id,
        "appeal-decision",
        json!({ "reason": "The office showed the certificate." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    citizen::wait_for_status(&client, &intake, report, "closed").await;
    case_status(&client, &resolution, case_id, "closed").await;
    let (status, body) =
        citizen_step(&client, &intake, report, "ombudsman", json!({ "text": "Still no certificate." })).await;
    assert_eq!(status, 200, "{body}");
    case_status(&client, &resolution, case_id, "referred_to_ombudsman").await;
    let (status, again) =
        verifier_step(&client, &routing, report_id, "appeal-decision", json!({ "reason": "Upheld once more." })).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("illegal_transition")), "upheld once: {again}");

    // The second: the verifier gives it to the city instead; it opens there.
    let (report, case_id, report_id) = &cases[1];
    let (status, body) = verifier_step(
        &client,
        &routing,
        report_id,
        "reassignment",
        json!({ "institution_id": "pemkot-32.73", "reason": "The delay is the city's land office's." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let case = case_status(&client, &resolution, case_id, "assigned").await;
    assert_eq!(case["institution_id"], "pemkot-32.73");
    citizen::wait_for_status(&client, &intake, report, "assigned").await;
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn escalations_reach_the_coordinator_and_the_level_above_as_lists_with_days_late() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let (intake, resolution) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Resolution));
    let pothole = citizen::pothole_case(&client, &intake, &resolution).await;
    let overdue = |institution: &'static str| {
        let (client, resolution, case_id) = (client.clone(), resolution.clone(), pothole.case_id.clone());
        async move {
            get_items(&client, &format!("{resolution}/api/v1/institutions/{institution}/overdue"))
                .await
                .into_iter()
                .find(|item| item["case_id"] == case_id.as_str() && item["clock"] == "first_follow_up")
        }
    };
    assert!(overdue("bandung-dpu").await.is_none());
    // Days counted from the first follow-up's own deadline, whatever weekday
    // the test runs on.
    let today = set_test_clock(&client, &resolution, 0).await;
    let case: Value = get_json(&client, &format!("{resolution}/api/v1/cases/{}", pothole.case_id)).await;
    let due: chrono::NaiveDate = case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|clock| clock["clock"] == "first_follow_up")
        .and_then(|clock| clock["due_on"].as_str())
        .expect("the first follow-up's deadline")
        .parse()
        .unwrap();
    let days_ahead = |working_days_late: u32| (add_weekdays(due, working_days_late) - today).num_days();
    // A working day past the first follow-up's deadline: the coordinator's step.
    set_test_clock(&client, &resolution, days_ahead(1)).await;
    let mine = eventually(SETTLE, "the case on the roads office's overdue list", || overdue("bandung-dpu")).await;
    assert_eq!(mine["step"], "coordinator");
    assert!(mine["days_late"].as_u64().unwrap() >= 1, "{mine}");
    assert!(overdue("pemkot-bandung").await.is_none(), "the level above is not told yet");
    // A working day later: the level above (the city government).
    set_test_clock(&client, &resolution, days_ahead(2)).await;
    let above = eventually(SETTLE, "the case on the city's overdue list", || overdue("pemkot-bandung")).await;
    assert_eq!(above["step"], "parent_level");
    assert_eq!(above["late_institution_id"], "bandung-dpu");
    // Answered and resolved: off the lists.
    citizen::work(&client, &resolution, &pothole.case_id, "resolution", "Patched on Monday.").await;
    eventually(SETTLE, "the case off the lists", || async { overdue("bandung-dpu").await.is_none().then_some(()) })
        .await;
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_question_lets_the_case_go_on_and_ratings_and_the_dispute_window_hold() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let (intake, resolution) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Resolution));

    // A question the citizen never answers: after ten working days the case goes on.
    let asked = citizen::pothole_case(&client, &intake, &resolution).await;
    let (status, _) =
        citizen::work(&client, &resolution, &asked.case_id, "questions", "Which house number is it?").await;
    assert_eq!(status, 200);
    citizen::wait_for_status(&client, &intake, &asked.report, "awaiting_citizen").await;
    set_test_clock(&client, &resolution, 16).await;
    let case = case_status(&client, &resolution, &asked.case_id, "in_follow_up").await;
    let clocks: Vec<&str> = case["clocks"].as_array().unwrap().iter().filter_map(|c| c["clock"].as_str()).collect();
    assert_eq!(clocks, vec!["resolution"], "the resolution clock runs again; the first follow-up was met: {case}");
    let view = citizen::wait_for_status(&client, &intake, &asked.report, "in_follow_up").await;
    assert!(view["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "question_lapsed"), "{view}");
    set_test_clock(&client, &resolution, 0).await;

    // Accepted with a rating and "partly fixed": stored in both services.
    let rated = citizen::pothole_case(&client, &intake, &resolution).await;
    citizen::work(&client, &resolution, &rated.case_id, "resolution", "Patched on Monday.").await;
    citizen::wait_for_status(&client, &intake, &rated.report, "resolved").await;
    let (status, view) =
        citizen_step(&client, &intake, &rated.report, "acceptance", json!({ "rating": 4, "fixed": "partly" })).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((view["rating"].as_i64(), view["fixed"].as_str()), (Some(4), Some("partly")));
    let case = case_status(&client, &resolution, &rated.case_id, "closed").await;
    assert_eq!((case["rating"].as_i64(), case["fixed"].as_str()), (Some(4), Some("partly")), "{case}");
    let (status, body) = citizen_step(&client, &intake, &rated.report, "acceptance", json!({ "rating": 9 })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_rating")));

    // The dispute window counts working days on the movable clock.
    let late = citizen::pothole_case(&client, &intake, &resolution).await;
    citizen::work(&client, &resolution, &late.case_id, "resolution", "Patched on Monday.").await;
    citizen::wait_for_status(&client, &intake, &late.report, "resolved").await;
    set_test_clock(&client, &intake, 20).await;
    let (status, body) =
        citizen_step(&client, &intake, &late.report, "dispute", json!({ "text": "It is back again." })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("window_closed")), "{body}");
    set_test_clock(&client, &intake, 0).await;
    let (status, body) =
        citizen_step(&client, &intake, &late.report, "dispute", json!({ "text": "It is back again." })).await;
    assert_eq!(status, 200, "{body}");
    cluster.destroy().await.unwrap();
}
