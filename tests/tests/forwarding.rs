//! Forwarding down the tree: a coordinator sends a case to units below its
//! institution, and a unit sends its branch further down; each branch has its
//! own clock; a unit answers its branch; a late branch is escalated to the
//! coordinator once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::{ServiceName, citizen, eventually, get_json, open_database, staff, start_cluster_with_test_clock};
use serde_json::{Value, json};

async fn forward(client: &reqwest::Client, resolution: &str, case_id: &str, unit: &str) -> (u16, Value) {
    forward_from(client, resolution, case_id, unit, None).await
}

async fn forward_from(
    client: &reqwest::Client,
    resolution: &str,
    case_id: &str,
    unit: &str,
    from_branch: Option<&str>,
) -> (u16, Value) {
    let body = json!({ "unit_id": unit, "note": "Please inspect and report back.", "from_branch_id": from_branch });
    staff::post(client, &format!("{resolution}/api/v1/cases/{case_id}/forwards"), &body).await
}

async fn unit_branch_escalations(db: &sea_orm::DatabaseConnection) -> usize {
    staff::escalations(db).await.into_iter().filter(|(_, escalated)| escalated.clock == "unit_branch").count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_is_forwarded_to_units_which_answer_or_are_escalated() {
    let cluster = start_cluster_with_test_clock(100).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { case_id, .. } = citizen::pothole_case(&client, &intake, &resolution).await;

    let officer = staff::member(&cluster, &["officer@bandung-dpu"]).await;
    let body = json!({ "unit_id": "bandung-dpu-roads", "note": "Please inspect and report back." });
    let (status, body) =
        staff::post_as(&client, &officer, &format!("{resolution}/api/v1/cases/{case_id}/forwards"), &body).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_permitted")), "only a coordinator forwards");
    let (status, body) = forward(&client, &resolution, &case_id, "jabar-dbmpr").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_a_unit_below")));
    let (status, roads) = forward(&client, &resolution, &case_id, "bandung-dpu-roads").await;
    assert_eq!(status, 201, "{roads}");
    let (status, drainage) = forward(&client, &resolution, &case_id, "bandung-dpu-drainage").await;
    assert_eq!(status, 201);
    assert_eq!(drainage["parent_branch_id"], Value::Null);
    let waiting = aduan_e2e::get_items(&client, &format!("{resolution}/api/v1/units/bandung-dpu-roads/branches")).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["case_id"], case_id.as_str());

    // Three days on, the roads unit sends its branch one level down, only to a
    // unit below it, and with no more time than it has left itself: five
    // working days from today would run past its own deadline.
    staff::set_test_clock(&client, &resolution, 3).await;
    let roads_id = roads["id"].as_str().unwrap();
    let (status, body) = forward_from(&client, &resolution, &case_id, "bandung-dpu-drainage", Some(roads_id)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_a_unit_below")), "a sibling, not below");
    let (status, section) =
        forward_from(&client, &resolution, &case_id, "bandung-dpu-roads-maintenance", Some(roads_id)).await;
    assert_eq!(status, 201, "{section}");
    assert_eq!(section["parent_branch_id"], roads_id);
    assert_eq!(section["due_on"], roads["due_on"], "{section} {roads}");
    // The section's own officer answers; the drainage unit's could not.
    let section_url =
        format!("{resolution}/api/v1/cases/{case_id}/forwards/{}/answer", section["id"].as_str().unwrap());
    let measured = json!({ "text": "Measured on site: 1 m wide, 20 cm deep." });
    let drainage_officer = staff::member(&cluster, &["officer@bandung-dpu-drainage"]).await;
    let (status, body) = staff::post_as(&client, &drainage_officer, &section_url, &measured).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("outside_scope")), "{body}");
    let section_officer = staff::member(&cluster, &["officer@bandung-dpu-roads-maintenance"]).await;
    let (status, body) = staff::post_as(&client, &section_officer, &section_url, &measured).await;
    assert_eq!(status, 200, "{body}");

    // The roads unit answers; its answer goes on the case for the institution.
    let answer_url = format!("{resolution}/api/v1/cases/{case_id}/forwards/{}/answer", roads["id"].as_str().unwrap());
    let roads_officer = staff::member(&cluster, &["officer@bandung-dpu-roads"]).await;
    let inspected = json!({ "text": "Inspected: 1 m wide, 20 cm deep." });
    let (status, body) = staff::post_as(&client, &roads_officer, &answer_url, &inspected).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) =
        staff::post_as(&client, &roads_officer, &answer_url, &json!({ "text": "Answering twice." })).await;
    assert_eq!(status, 409);
    let (status, body) =
        forward_from(&client, &resolution, &case_id, "bandung-dpu-roads-maintenance", Some(roads_id)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("branch_not_open")), "an answered branch stays");
    let full: Value = get_json(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    assert!(
        full["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "unit_answer" && e["institution_id"] == "bandung-dpu-roads")
    );

    // The drainage unit stays silent past its clock: the coordinator is told, once.
    let db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    assert_eq!(unit_branch_escalations(&db).await, 0);
    staff::set_test_clock(&client, &resolution, 30).await;
    eventually(Duration::from_secs(20), "the late branch to be escalated", || async {
        (unit_branch_escalations(&db).await == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(unit_branch_escalations(&db).await, 1, "the answered branch is not escalated, the late one only once");

    // Forwards and answers are events no service consumes: announced, not
    // stuck. The case is resolved, and every row of the outbox goes out.
    let (status, _) = aduan_e2e::citizen::work(&client, &resolution, &case_id, "resolution", "All repaired.").await;
    assert_eq!(status, 200);
    eventually(Duration::from_secs(20), "resolution's outbox to empty", || async {
        let pending = aduan_e2e::count(&db, "SELECT COUNT(*) FROM outbox_message WHERE published_at IS NULL").await;
        (pending == 0).then_some(())
    })
    .await;
    assert_eq!(aduan_e2e::count(&db, "SELECT COUNT(*) FROM outbox_message WHERE parked_at IS NOT NULL").await, 0);
    let forwards =
        "SELECT COUNT(*) FROM outbox_message WHERE routing_key IN ('report.forwarded_to_unit', 'report.unit_answered')";
    assert_eq!(aduan_e2e::count(&db, forwards).await, 5, "three forwards and two answers, published and marked so");
    db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

async fn post_json(client: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    staff::post(client, url, &body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_institution_asks_another_to_support_and_keeps_the_case() {
    let cluster = aduan_e2e::start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let citizen::PotholeCase { case_id, .. } = citizen::pothole_case(&client, &intake, &resolution).await;
    let supporters = format!("{resolution}/api/v1/cases/{case_id}/supporters");
    let ask =
        |institution: &str| json!({ "institution_id": institution, "note": "The road is on the provincial network." });

    let officer = staff::member(&cluster, &["officer@bandung-dpu"]).await;
    let (status, body) = staff::post_as(&client, &officer, &supporters, &ask("jabar-dbmpr")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_permitted")), "a coordinator asks");
    let (status, body) = post_json(&client, &supporters, ask("bandung-dpu-roads")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("not_a_supporter")),
        "its own unit is forwarded to"
    );
    let (status, body) = post_json(&client, &supporters, ask("nowhere")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("unknown_institution")));
    let (status, body) = post_json(&client, &supporters, ask("jabar-dbmpr")).await;
    assert_eq!((status, body["institution_id"].as_str()), (201, Some("jabar-dbmpr")), "{body}");
    let (status, body) = post_json(&client, &supporters, ask("jabar-dbmpr")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_supporting")));

    // The supporter sees it among the cases it supports, not in its inbox, and writes its part.
    let supported =
        aduan_e2e::get_items(&client, &format!("{resolution}/api/v1/institutions/jabar-dbmpr/supporting")).await;
    assert_eq!(supported.len(), 1);
    assert_eq!(supported[0]["id"], case_id.as_str());
    assert!(citizen::inbox(&client, &resolution, "jabar-dbmpr").await.is_empty());
    let contributions = format!("{resolution}/api/v1/cases/{case_id}/contributions");
    let part =
        |institution: &str| json!({ "institution_id": institution, "text": "Resurfacing is scheduled for May." });
    let (status, body) = post_json(&client, &contributions, part("dki-bina-marga")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_a_supporter")));
    // The province's own officer: reads the case it supports, writes its part, but not the city's inbox.
    let supporter = staff::member(&cluster, &["officer@jabar-dbmpr"]).await;
    let (status, _) = staff::get_as(&client, &supporter, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    assert_eq!(status, 200);
    let (status, _) =
        staff::get_as(&client, &supporter, &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox")).await;
    assert_eq!(status, 403);
    let (status, body) = staff::post_as(&client, &supporter, &contributions, &part("jabar-dbmpr")).await;
    assert_eq!(status, 201, "{body}");
    let entries = body["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["kind"] == "support_requested" && e["institution_id"] == "bandung-dpu"));
    assert!(entries.iter().any(|e| e["kind"] == "support" && e["institution_id"] == "jabar-dbmpr"));
    assert_eq!(body["institution_id"], "bandung-dpu", "the lead keeps the case");

    // Only the lead resolves; once it has, supporters have nothing left to add.
    let (status, _) =
        citizen::work(&client, &resolution, &case_id, "resolution", "Patched, with the province's plan.").await;
    assert_eq!(status, 200);
    let (status, body) = post_json(&client, &contributions, part("jabar-dbmpr")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("case_not_open")));
    cluster.destroy().await.unwrap();
}
