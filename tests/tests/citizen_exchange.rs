//! The exchange between an institution and a citizen: a question pauses the
//! case until the citizen answers; a disputed resolution reopens it with the
//! same institution; an appeal sends it up a level.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::{ServiceName, eventually, start_cluster};
use serde_json::{Value, json};

async fn citizen_writes(
    client: &reqwest::Client,
    intake: &str,
    report: &FiledReport,
    step: &str,
    text: &str,
) -> (u16, Value) {
    let response = client
        .post(format!("{intake}/api/v1/reports/{}/{step}", report.tracking_code))
        .json(&json!({ "secret": report.secret, "text": text }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn case_status(client: &reqwest::Client, resolution: &str, case_id: &str, status: &str) -> Value {
    eventually(Duration::from_secs(30), &format!("the case to be {status}"), || async {
        let case: Value =
            aduan_e2e::staff::get(client, &format!("{resolution}/api/v1/cases/{case_id}")).await.json().await.ok()?;
        (case["status"] == status).then_some(case)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn question_answer_dispute_and_appeal() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { report, case_id, .. } = citizen::pothole_case(&client, &intake, &resolution).await;

    // Replying before anyone asked anything is refused.
    let (status, body) = citizen_writes(&client, &intake, &report, "replies", "Hello, any news?").await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_awaiting_reply")));

    // A question pauses the case until the citizen answers.
    let (status, _) = citizen::work(&client, &resolution, &case_id, "questions", "How wide is the hole?").await;
    assert_eq!(status, 200);
    let view = citizen::wait_for_status(&client, &intake, &report, "awaiting_citizen").await;
    assert!(view["updates"].as_array().unwrap().iter().any(|u| u["kind"] == "question"));
    let (status, _) = citizen_writes(&client, &intake, &report, "replies", "About one metre across.").await;
    assert_eq!(status, 200);
    let case = case_status(&client, &resolution, &case_id, "in_follow_up").await;
    assert!(
        case["entries"].as_array().unwrap().iter().any(|e| e["kind"] == "citizen_reply" && e["author"] == "citizen")
    );

    // A disputed resolution reopens the case with the same institution.
    let (status, _) = citizen::work(&client, &resolution, &case_id, "resolution", "Patched on Monday.").await;
    assert_eq!(status, 200);
    citizen::wait_for_status(&client, &intake, &report, "resolved").await;
    let (status, _) = citizen_writes(&client, &intake, &report, "dispute", "The patch washed away in the rain.").await;
    assert_eq!(status, 200);
    case_status(&client, &resolution, &case_id, "reopened").await;
    assert!(citizen::inbox(&client, &resolution, "bandung-dpu").await.iter().any(|c| c["id"] == case_id.as_str()));

    // Resolved again, then appealed: the city government above the agency takes it.
    let (status, _) = citizen::work(&client, &resolution, &case_id, "resolution", "Patched again, with asphalt.").await;
    assert_eq!(status, 200);
    citizen::wait_for_status(&client, &intake, &report, "resolved").await;
    let (status, _) = citizen_writes(&client, &intake, &report, "appeal", "Still broken after two patches.").await;
    assert_eq!(status, 200);
    let moved = citizen::wait_in_inbox(&client, &resolution, "pemkot-bandung", &report).await;
    assert_eq!(moved["id"], case_id.as_str());
    let view = citizen::wait_for_status(&client, &intake, &report, "assigned").await;
    assert_eq!(view["institution"], "Pemerintah Kota Bandung");
    cluster.destroy().await.unwrap();
}
