//! Bad input changes nothing: every malformed request gets a 4xx with a stable
//! code and stores nothing, and a poison message on the bus is parked in the
//! dead-letter queue while the consumer goes on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_e2e::rabbit::{header_text, publish_raw, queue_depth, take_one};
use aduan_e2e::{ServiceName, citizen, count, open_database, start_cluster};
use aduan_platform::bus::rabbit::{DEAD_REASON_HEADER, Names};
use aduan_proto::{Envelope, Message as _, ReturnedNotAuthority, envelope::Event};
use serde_json::{Value, json};

async fn post_raw(client: &reqwest::Client, url: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = client.post(url).header("content-type", content_type).body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_stable_codes_and_store_nothing() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/reports", cluster.base_url(ServiceName::Intake));
    let good = citizen::pothole(1);
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body.to_string()
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(key);
        body.to_string()
    };
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        ("malformed JSON", "application/json", "{\"category\": \"roads\",".into(), 400, "malformed_json"),
        ("not JSON at all", "text/plain", good.to_string(), 415, "unsupported_media_type"),
        ("missing title", "application/json", without("title"), 422, "invalid_body"),
        ("unknown field", "application/json", with("priority", json!("urgent")), 422, "invalid_body"),
        ("wrong type", "application/json", with("title", json!(42)), 422, "invalid_body"),
        ("unknown kind", "application/json", with("kind", json!("rant")), 422, "invalid_body"),
        ("title too short", "application/json", with("title", json!("Hi")), 422, "invalid_title"),
        ("title too long", "application/json", with("title", json!("x".repeat(201))), 422, "invalid_title"),
        (
            "description too long",
            "application/json",
            with("description", json!("x".repeat(5001))),
            422,
            "invalid_description",
        ),
        ("unknown category", "application/json", with("category", json!("weather")), 422, "unknown_category"),
        ("unknown region", "application/json", with("region", json!("99.99")), 422, "unknown_region"),
        (
            "bad e-mail",
            "application/json",
            with("reporter", json!({ "email": "siti@" })),
            422,
            "invalid_reporter_email",
        ),
        (
            "body over the limit",
            "application/json",
            with("description", json!("x".repeat(70_000))),
            413,
            "body_too_large",
        ),
    ];
    for (what, content_type, body, status, code) in cases {
        let (got_status, got) = post_raw(&client, &url, content_type, body).await;
        assert_eq!(got_status, status, "{what}: {got}");
        assert_eq!(got["error"]["code"], code, "{what}: {got}");
        assert!(got["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: no message");
    }
    // Reading and accepting with bad input.
    let base = cluster.base_url(ServiceName::Intake);
    let missing = client.get(format!("{base}/api/v1/reports/ADU-0000-0000-0000")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let report = citizen::file(&client, &base, &good).await;
    let wrong = client
        .post(format!("{base}/api/v1/reports/{}/acceptance", report.tracking_code))
        .json(&json!({ "secret": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let early = client
        .post(format!("{base}/api/v1/reports/{}/acceptance", report.tracking_code))
        .json(&json!({ "secret": report.secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 409, "a report not yet resolved cannot be accepted");
    let body: Value = early.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_acceptable_now");
    let wrong_method = client.put(format!("{base}/api/v1/reports")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");

    // Officers' bad input.
    let resolution = cluster.base_url(ServiceName::Resolution);
    for (query, status, code) in [("status=lost", 422, "invalid_status"), ("colour=blue", 400, "invalid_query")] {
        let response =
            aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox?{query}"))
                .await;
        assert_eq!(response.status(), status, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{query}");
    }
    let (status, body) = citizen::work(&client, &resolution, "not-a-case", "resolution", "Fixed it all.").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_case_id")));
    let unknown = uuid::Uuid::now_v7();
    let (status, body) = citizen::work(&client, &resolution, &unknown.to_string(), "resolution", "Fixed it all.").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("case_not_found")));
    let anonymous = client
        .post(format!("{resolution}/api/v1/cases/{unknown}/resolution"))
        .json(&json!({ "text": "Fixed it all." }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Of all that, only the one good report was stored and announced.
    let intake_db = open_database(cluster.database_url(ServiceName::Intake)).await;
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM report").await, 1);
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM reporter_identity").await, 1);
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM outbox_message").await, 1);
    intake_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_messages_are_dead_lettered_and_the_consumer_goes_on() {
    let cluster = start_cluster().await;
    let names = Names::new(&cluster.namespace);
    let amqp = cluster.amqp_url().to_owned();

    // Not protobuf at all: straight to routing's dead-letter queue, with the reason.
    publish_raw(&amqp, &cluster.namespace, "report.filed", b"\xff\xff\xff\xff not an envelope").await;
    let (body, headers) = take_one(&amqp, &names.dead_letter_queue("routing")).await;
    assert_eq!(body, b"\xff\xff\xff\xff not an envelope");
    let reason = header_text(&headers, DEAD_REASON_HEADER).expect("a reason header");
    assert!(reason.starts_with("undecodable"), "{reason}");

    // Well-formed but impossible (a return of a report routing never saw): parked too.
    let impossible = Envelope {
        message_id: uuid::Uuid::now_v7().to_string(),
        report_id: uuid::Uuid::now_v7().to_string(),
        occurred_at: None,
        actor: None,
        sequence: 1,
        event: Some(Event::Returned(ReturnedNotAuthority {
            case_id: uuid::Uuid::now_v7().to_string(),
            institution_id: "bandung-dpu".into(),
            reason: "not ours".into(),
        })),
    };
    publish_raw(&amqp, &cluster.namespace, "report.returned", &impossible.encode_to_vec()).await;
    let (_, headers) = take_one(&amqp, &names.dead_letter_queue("routing")).await;
    let reason = header_text(&headers, DEAD_REASON_HEADER).expect("a reason header");
    assert!(reason.contains("never routed"), "{reason}");

    // An event from a newer producer (a oneof case this build lacks) is not
    // acknowledged away: a newer replica may know it. After its retries it
    // waits in the dead-letter queue, to be replayed after the upgrade.
    let mut newer = Envelope { message_id: uuid::Uuid::now_v7().to_string(), ..impossible.clone() };
    newer.event = None;
    let mut bytes = newer.encode_to_vec();
    bytes.extend_from_slice(&[0x9a, 0x06, 0x03, b'n', b'e', b'w']); // field 99, length-delimited
    publish_raw(&amqp, &cluster.namespace, "report.filed", &bytes).await;
    let (body, headers) = take_one(&amqp, &names.dead_letter_queue("routing")).await;
    assert_eq!(body, bytes);
    let reason = header_text(&headers, DEAD_REASON_HEADER).expect("a reason header");
    assert!(reason.contains("does not know") && reason.contains("report.filed"), "{reason}");

    // The consumer went on: a real report still reaches its inbox.
    let client = reqwest::Client::new();
    let report = citizen::file(&client, &cluster.base_url(ServiceName::Intake), &citizen::pothole(3)).await;
    let resolution = cluster.base_url(ServiceName::Resolution);
    citizen::wait_in_inbox(&client, &resolution, "bandung-dpu", &report).await;
    let routing_db = open_database(cluster.database_url(ServiceName::Routing)).await;
    assert_eq!(count(&routing_db, "SELECT COUNT(*) FROM routed_report").await, 1, "the newer event changed nothing");
    assert_eq!(count(&routing_db, "SELECT COUNT(*) FROM processed_message").await, 1);
    assert_eq!(queue_depth(&amqp, &names.dead_letter_queue("routing")).await, 0, "nothing else was dead-lettered");
    assert_eq!(queue_depth(&amqp, &names.queue("routing")).await, 0, "nothing was left on the queue");
    routing_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}
