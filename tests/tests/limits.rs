//! Input and abuse: every free text through one validator, no panic from
//! input, no handler that freezes the pool, limits and their answers, and
//! the OpenAPI documents stating what the APIs enforce.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use aduan_e2e::staff::{change_registry, verifier_step};
use aduan_e2e::{ClusterOptions, ServiceName, aduan_binary, citizen, count, get_json, open_database, strings};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test(flavor = "multi_thread")]
async fn hidden_characters_panics_and_echoes_are_refused_at_every_door() {
    let cluster = aduan_e2e::start_cluster().await;
    let client = reqwest::Client::new();
    let (intake, routing) = (cluster.base_url(ServiceName::Intake), cluster.base_url(ServiceName::Routing));

    // A NUL in an e-mail address was a 500 on PostgreSQL; now a 422.
    let mut report = citizen::pothole(1);
    report["reporter"]["email"] = json!("siti\u{0}@example.id");
    let response = client.post(format!("{intake}/api/v1/reports")).json(&report).send().await.unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "invalid_reporter_email");
    let mut report = citizen::pothole(1);
    report["description"] = json!("Pay to account 1234\u{202E}5678 please, it is a scam.");
    let body: Value =
        client.post(format!("{intake}/api/v1/reports")).json(&report).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_description", "{body}");

    // An error quotes at most a short prefix of what was sent.
    let mut report = citizen::pothole(1);
    report["category"] = json!("w".repeat(5000));
    let body: Value =
        client.post(format!("{intake}/api/v1/reports")).json(&report).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["error"]["code"], "unknown_category");
    assert!(body["error"]["message"].as_str().unwrap().len() < 120, "{body}");

    // A NUL in a verifier's reason committed in routing, then dead-lettered downstream; now a 422 and nothing.
    let filed = citizen::file(&client, &intake, &citizen::pothole(2)).await;
    let case = citizen::wait_in_inbox(&client, &cluster.base_url(ServiceName::Resolution), "bandung-dpu", &filed).await;
    let report_id = case["report_id"].as_str().unwrap();
    let (status, body) = verifier_step(
        &client,
        &routing,
        report_id,
        "privacy",
        json!({ "privacy": "confidential", "reason": "The name\u{0} of a neighbour" }),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_text")), "{body}");
    let routing_db = open_database(cluster.database_url(ServiceName::Routing)).await;
    let raised = "SELECT COUNT(*) FROM outbox_message WHERE routing_key = 'report.privacy_raised'";
    assert_eq!(count(&routing_db, raised).await, 0);

    // An offset with a two-byte character where ':' belongs killed the connection; now a 422.
    for bad in ["+0é00", "é"] {
        let (status, body) =
            change_registry(&client, &routing, json!({ "change": { "kind": "set_utc_offset", "utc_offset": bad } }))
                .await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let (status, body) = change_registry(
        &client,
        &routing,
        json!({ "change": { "kind": "put_category", "category": { "id": "Roads Again", "name": "Roads" } } }),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_registry_change")), "{body}");

    // Answers that carry a report or a secret are never cached.
    let response = client.get(format!("{intake}/api/v1/reports/{}", filed.tracking_code)).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    // The reporter's identity is sealed at rest: the table holds no plaintext.
    let intake_db = open_database(cluster.database_url(ServiceName::Intake)).await;
    let sealed =
        strings(&intake_db, "SELECT encode(sealed, 'escape') || encode(wrapped_key, 'escape') FROM reporter_identity")
            .await;
    assert_eq!(sealed.len(), 1);
    for plain in ["Siti", "Rahayu", "siti.rahayu", "example.id", "3456"] {
        assert!(!sealed[0].contains(plain), "{plain} is stored in plaintext");
    }
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM reporter").await, 0, "the old plaintext table stays empty");
    intake_db.close().await.unwrap();
    routing_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn many_steps_on_an_unknown_report_do_not_freeze_intake() {
    let cluster = aduan_e2e::start_cluster().await;
    let intake = cluster.base_url(ServiceName::Intake);
    let client = reqwest::Client::new();
    // More at once than intake's pool has connections: each step used to hold
    // a transaction while it waited for a second connection.
    let started = Instant::now();
    let mut steps = Vec::new();
    for _ in 0..24 {
        let (client, intake) = (client.clone(), intake.clone());
        steps.push(tokio::spawn(async move {
            client
                .post(format!("{intake}/api/v1/reports/ADU-0000-0000-0000/acceptance"))
                .json(&json!({ "secret": "guess" }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let filing = citizen::file(&client, &intake, &citizen::pothole(1)).await;
    for step in steps {
        assert_eq!(step.await.unwrap(), 404);
    }
    // Not a measure of speed: before, this took the pool's 30 s timeout and answered 500s.
    assert!(started.elapsed() < Duration::from_secs(15), "intake froze for {:?}", started.elapsed());
    assert!(!filing.tracking_code.is_empty());
    cluster.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    // aduan dev trusts loopback: its web calls intake on behalf of citizens.
    let dev = aduan_e2e::dev::DevProcess::start_with_env(vec![
        ("ADUAN_CITIZEN_RATE_PER_MINUTE".into(), "1".into()),
        ("ADUAN_CITIZEN_BURST".into(), "3".into()),
    ])
    .await;
    let client = reqwest::Client::new();
    let categories = format!("{}/api/v1/categories", dev.base_url());
    let as_client = |address: &'static str| {
        let (client, categories) = (client.clone(), categories.clone());
        async move { client.get(&categories).header("x-forwarded-for", address).send().await.unwrap().status().as_u16() }
    };
    let mut first = Vec::new();
    for _ in 0..4 {
        first.push(as_client("198.51.100.1").await);
    }
    assert_eq!(first, [200, 200, 200, 429], "one citizen's allowance");
    assert_eq!(as_client("198.51.100.2").await, 200, "another citizen behind the same proxy has their own");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flooding_client_is_told_to_wait_and_a_slow_one_is_cut_off() {
    let mut options = ClusterOptions::local(aduan_binary());
    options.extra_env.push(("ADUAN_CITIZEN_RATE_PER_MINUTE".into(), "60".into()));
    options.extra_env.push(("ADUAN_CITIZEN_BURST".into(), "5".into()));
    options.extra_env.push(("ADUAN_HEADER_READ_TIMEOUT_MS".into(), "1000".into()));
    let cluster = aduan_e2e::start_cluster_with(options).await;
    let intake = cluster.base_url(ServiceName::Intake);
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = client.get(format!("{intake}/api/v1/categories")).send().await.unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(wait >= 1);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    // Naming another client in X-Forwarded-For does not help: only a trusted proxy's header counts.
    let spoofed = client
        .get(format!("{intake}/api/v1/categories"))
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 429);
    // Staff endpoints are not the citizens' and are not limited here.
    let routing = cluster.base_url(ServiceName::Routing);
    for _ in 0..8 {
        assert_eq!(client.get(format!("{routing}/api/v1/institutions")).send().await.unwrap().status(), 200);
    }

    // A client that never finishes its headers is disconnected.
    let address = intake.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /api/v1/categories HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the connection was held open for more than 10 s without headers");
    cluster.destroy().await.unwrap();
}

/// Walks a schema, following `$ref`s into `components`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn unbounded_strings(doc: &Value, schema: &Value, at: &str, found: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    for combined in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combined].as_array() {
            for variant in variants {
                unbounded_strings(doc, variant, at, found);
            }
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            unbounded_strings(doc, property, &format!("{at}.{name}"), found);
        }
    }
    let types = schema["type"].as_array().cloned().unwrap_or_else(|| vec![schema["type"].clone()]);
    let is_string = types.iter().any(|kind| kind == "string");
    let bounded = schema.get("maxLength").is_some()
        || schema.get("enum").is_some()
        || schema.get("pattern").is_some()
        || schema.get("format").is_some();
    if is_string && !bounded {
        found.push(at.to_owned());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_text_a_request_body_takes_states_its_limits_in_the_openapi_document() {
    let dev = aduan_e2e::dev::DevProcess::start().await;
    let client = reqwest::Client::new();
    let doc: Value = get_json(&client, &format!("{}/api/openapi.json", dev.base_url())).await;
    let mut found = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if !schema.is_null() {
                unbounded_strings(&doc, schema, &format!("{method} {path}"), &mut found);
            }
        }
    }
    assert!(found.is_empty(), "request body texts with no stated limit: {found:#?}");
    let filing = &doc["components"]["schemas"]["FileReportRequest"]["properties"];
    assert_eq!(filing["title"]["maxLength"], 200);
    assert_eq!(filing["title"]["minLength"], 5);
}
