//! The main flow across three separate processes on PostgreSQL and RabbitMQ:
//! a citizen files, routing places, an officer answers and resolves, the
//! citizen accepts, and one trace follows the report the whole way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::{ServiceName, byte_strings, count, eventually, get_json, open_database, start_cluster, strings};
use aduan_proto::Message as _;
use aduan_proto::{CaseOpened, Envelope, envelope::Event};
use serde_json::{Value, json};

const SETTLE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn a_report_goes_from_citizen_to_inbox_to_closed_across_processes() {
    let mut cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);

    // The citizen files, inside a trace of their own client.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = client
        .post(format!("{intake}/api/v1/reports"))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&citizen::pothole(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("location").is_some());
    let body: Value = response.json().await.unwrap();
    let report = FiledReport {
        tracking_code: body["tracking_code"].as_str().unwrap().to_owned(),
        secret: body["secret"].as_str().unwrap().to_owned(),
    };

    // Routing places it by rule with the city's roads agency.
    let view = citizen::wait_for_status(&client, &intake, &report, "assigned").await;
    assert_eq!(view["institution"], "Dinas Sumber Daya Air dan Bina Marga Kota Bandung");
    let case = citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &report).await;
    let case_id = case["id"].as_str().unwrap().to_owned();

    // The citizen sees when the first answer is due, as resolution's clock says.
    let deadlines = eventually(SETTLE, "the first follow-up's deadline", || async {
        let view = citizen::status(&client, &intake, &report).await;
        let first = view["deadlines"].as_array()?.iter().find(|d| d["clock"] == "first_follow_up")?.clone();
        Some(first)
    })
    .await;
    let staff_view: Value =
        aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await.json().await.unwrap();
    let clock = staff_view["clocks"].as_array().unwrap().iter().find(|c| c["clock"] == "first_follow_up").unwrap();
    assert_eq!(deadlines["due_on"], clock["due_on"], "the citizen's date is the case's");
    let counts: Value =
        aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox/counts"))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(counts, json!([{ "status": "assigned", "count": 1 }]), "the inbox's count per status");

    // The officer follows up, then resolves; the citizen sees both.
    let (status, _) =
        citizen::work(&client, &resolution, &case_id, "follow-ups", "We will inspect it on Monday.").await;
    assert_eq!(status, 200);
    let (status, _) = citizen::work(&client, &resolution, &case_id, "resolution", "Patched on Monday morning.").await;
    assert_eq!(status, 200);
    let view = citizen::wait_for_status(&client, &intake, &report, "resolved").await;
    let texts: Vec<&str> = view["updates"].as_array().unwrap().iter().filter_map(|u| u["text"].as_str()).collect();
    assert!(texts.contains(&"We will inspect it on Monday."), "{texts:?}");
    assert!(texts.contains(&"Patched on Monday morning."), "{texts:?}");
    assert_eq!(view["title"], "Pothole number 1 on Jalan Braga", "the owner sees the report's text");

    // Without the secret, an anonymous report shows its progress but not its text.
    let public: Value = get_json(&client, &format!("{intake}/api/v1/reports/{}", report.tracking_code)).await;
    assert_eq!(public["status"], "resolved");
    assert!(public["title"].is_null() && public["description"].is_null());

    // The citizen accepts; the case closes in resolution and the report in intake.
    let accepted = client
        .post(format!("{intake}/api/v1/reports/{}/acceptance", report.tracking_code))
        .json(&json!({ "secret": report.secret, "rating": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    eventually(SETTLE, "the case to close in resolution", || async {
        let case: Value =
            aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/cases/{case_id}")).await.json().await.ok()?;
        (case["status"] == "closed").then_some(())
    })
    .await;
    let view = citizen::wait_for_update(&client, &intake, &report, "closed").await;
    assert_eq!(view["status"], "closed");
    let again = client
        .post(format!("{intake}/api/v1/reports/{}/acceptance", report.tracking_code))
        .json(&json!({ "secret": report.secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "a closed report cannot be accepted twice");

    // Unsatisfied after all, the citizen refers the closed case to the ombudsman,
    // who gets the whole case from resolution, without the reporter's identity.
    let export_url = format!("{resolution}/api/v1/cases/{case_id}/ombudsman-export");
    assert_eq!(aduan_e2e::staff::get(&client, &export_url).await.status(), 409, "nothing to export before a referral");
    let referred = client
        .post(format!("{intake}/api/v1/reports/{}/ombudsman", report.tracking_code))
        .json(&json!({ "secret": report.secret, "text": "The patch did not last a week." }))
        .send()
        .await
        .unwrap();
    assert_eq!(referred.status(), 200);
    let export: Value = eventually(SETTLE, "the ombudsman export", || async {
        let response = aduan_e2e::staff::get(&client, &export_url).await;
        if response.status() != 200 {
            return None;
        }
        response.json().await.ok()
    })
    .await;
    let kinds: Vec<&str> =
        export["case"]["entries"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["follow_up", "resolution", "ombudsman_referral"]);
    assert_eq!(export["case"]["status"], "referred_to_ombudsman");
    // The whole case, from every service: the citizen's filing and steps,
    // routing's decision, the institution's work, in the order they happened.
    let events: Vec<&str> = export["history"].as_array().unwrap().iter().filter_map(|h| h["event"].as_str()).collect();
    assert_eq!(
        events,
        vec![
            "filed",
            "assigned",
            "case_opened",
            "follow_up_posted",
            "resolved",
            "accepted",
            "closed",
            "referred_to_ombudsman"
        ],
        "{export}"
    );
    let history = export["history"].to_string();
    assert!(history.contains("Pothole number 1 on Jalan Braga") && history.contains("by rule"), "{history}");
    let exported = export.to_string();
    assert!(
        !exported.contains("Siti") && !exported.contains("example.id"),
        "the export carries the reporter's identity"
    );

    // One trace: the citizen's trace id reached routing's and resolution's own events.
    let routing_db = open_database(cluster.database_url(ServiceName::Routing)).await;
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    let assigned =
        strings(&routing_db, "SELECT traceparent FROM outbox_message WHERE routing_key = 'report.assigned'").await;
    let opened =
        strings(&resolution_db, "SELECT traceparent FROM outbox_message WHERE routing_key = 'report.case_opened'")
            .await;
    assert!(assigned.iter().any(|t| t.contains(trace_id)), "routing's event is outside the trace: {assigned:?}");
    assert!(opened.iter().any(|t| t.contains(trace_id)), "resolution's event is outside the trace: {opened:?}");

    // The reporter's identity never left intake: not in another service's
    // database, not in any event, not in any log line.
    let intake_db = open_database(cluster.database_url(ServiceName::Intake)).await;
    for (db, table) in
        [(&intake_db, "outbox_message"), (&routing_db, "outbox_message"), (&resolution_db, "outbox_message")]
    {
        let payloads = count(db, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert!(payloads > 0);
    }
    for db in [&intake_db, &routing_db, &resolution_db] {
        let rows = strings(db, "SELECT encode(payload, 'escape') FROM outbox_message").await;
        for payload in rows {
            for secret in ["Siti Rahayu", "siti.rahayu@example.id", "812 3456"] {
                assert!(!payload.contains(secret), "an event carries the reporter's identity");
            }
        }
    }
    let resolution_dump = strings(&resolution_db, "SELECT row_to_json(c)::text FROM inbox_case c").await.join("\n");
    assert!(!resolution_dump.contains("Siti") && !resolution_dump.contains("example.id"));

    // Each service describes its API.
    for service in ServiceName::ALL {
        let doc: Value = get_json(&client, &format!("{}/api/openapi.json", cluster.base_url(service))).await;
        assert!(doc["paths"].as_object().is_some_and(|paths| !paths.is_empty()), "{service:?} has no OpenAPI paths");
    }

    // SIGTERM: every service drains and exits 0; nothing it logged names the reporter.
    for service in ServiceName::ALL {
        assert_eq!(cluster.terminate(service).await.unwrap(), Some(0), "{service:?} did not exit cleanly");
    }
    for service in ServiceName::ALL {
        let log = std::fs::read_to_string(cluster.log_dir().join(format!("{}.log", service.as_str()))).unwrap();
        assert!(log.contains("stopped cleanly"), "{service:?} log: {log}");
        for secret in ["Siti", "siti.rahayu", "3456 7890"] {
            assert!(!log.contains(secret), "{service:?} logged the reporter's identity");
        }
    }
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_returned_as_not_our_authority_is_rerouted_up_the_tree() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let routing = cluster.base_url(ServiceName::Routing);

    let report = citizen::file(&client, &intake, &citizen::pothole(2)).await;
    let case = citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &report).await;
    let (status, _) = citizen::work(
        &client,
        &resolution,
        case["id"].as_str().unwrap(),
        "return",
        "This road is a provincial road, not the city's.",
    )
    .await;
    assert_eq!(status, 200);

    // Routing sends it to the next rule up the region tree: the province.
    let moved = citizen::wait_in_inbox(&client, &resolution, "jabar-dbmpr", &report).await;
    assert_eq!(moved["id"], case["id"], "one case moves; it is not duplicated");
    assert!(citizen::inbox(&client, &resolution, "bandung-dpu").await.is_empty());
    let route: Value =
        get_json(&client, &format!("{routing}/api/v1/routes/{}", case["report_id"].as_str().unwrap())).await;
    assert_eq!(route["institution_id"], "jabar-dbmpr");
    assert_eq!(route["returned_by"], json!(["bandung-dpu"]));
    // Intake hears of the return and of the new assignment after resolution
    // does, and in either order: until both, the citizen sees less.
    let province = "Dinas Bina Marga dan Penataan Ruang Provinsi Jawa Barat";
    let view = eventually(SETTLE, "the citizen to see the return and the province", || async {
        let view = citizen::status(&client, &intake, &report).await;
        let returned = view["updates"].as_array()?.iter().any(|update| update["kind"] == "returned");
        (returned && view["institution"] == province).then_some(view)
    })
    .await;
    assert_eq!(view["status"], "assigned");

    // Each opening, the province's too, announces the clocks the case runs
    // there: the ledger learns them with the institution that must meet them.
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    let sql = "SELECT payload FROM outbox_message WHERE routing_key = 'report.case_opened' ORDER BY created_at";
    let openings: Vec<CaseOpened> = byte_strings(&resolution_db, sql)
        .await
        .iter()
        .filter_map(|payload| match Envelope::decode(payload.as_slice()).unwrap().event {
            Some(Event::CaseOpened(opened)) => Some(opened),
            _ => None,
        })
        .collect();
    let institutions: Vec<&str> = openings.iter().map(|opened| opened.institution_id.as_str()).collect();
    assert_eq!(institutions, ["bandung-dpu", "jabar-dbmpr"]);
    for opened in &openings {
        assert!(
            opened.deadlines.iter().any(|deadline| deadline.clock == "first_follow_up" && !deadline.due_on.is_empty()),
            "an opening without its first follow-up's deadline: {opened:?}"
        );
    }

    // Returned again, it climbs to the national rule.
    let (status, body) = citizen::work(
        &client,
        &resolution,
        case["id"].as_str().unwrap(),
        "return",
        "A national road, not ours either.",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    citizen::wait_in_inbox(&client, &resolution, "kemenpupr", &report).await;
    cluster.destroy().await.unwrap();
}
