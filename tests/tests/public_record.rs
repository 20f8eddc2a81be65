//! The public record against `aduan dev`: public and anonymous reports once
//! routed, searchable and filtered, paged; never a confidential report and
//! never who filed, in the API or on the pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::eventually;
use serde_json::{Value, json};

/// Who files: none of it may be published.
const IDENTITY: [&str; 3] = ["Bambang Sulistyo", "bambang.s@example.id", "0812 9999 4321"];

fn report(privacy: &str, title: &str) -> Value {
    json!({
        "category": "roads",
        "region": "32.73",
        "title": title,
        "description": format!("{title}: the asphalt has been broken since the rains began."),
        "privacy": privacy,
        "address": "Jalan Braga 12",
        "location": { "latitude": -6.9175, "longitude": 107.6191 },
        "reporter": { "name": IDENTITY[0], "email": IDENTITY[1], "phone": IDENTITY[2] },
    })
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn codes(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|item| item["tracking_code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn published_reports_are_found_filtered_and_paged_and_never_name_anyone() {
    let dev = DevProcess::start().await;
    let base = dev.base_url();
    let client = reqwest::Client::new();
    let public = citizen::file(&client, &base, &report("public", "Cracked road by the Gedung Sate")).await;
    let anonymous = citizen::file(&client, &base, &report("anonymous", "Sunken road near Pasar Baru")).await;
    let confidential = citizen::file(&client, &base, &report("confidential", "Sunken road, and a bribe asked")).await;
    let list = format!("{base}/api/v1/public/reports");

    // Published once routing placed them; the confidential one never.
    let page: Value = eventually(Duration::from_secs(30), "both reports to be published", || async {
        let page: Value = client.get(format!("{list}?q=road")).send().await.ok()?.json().await.ok()?;
        (codes(&page).len() == 2).then_some(page)
    })
    .await;
    assert_eq!(codes(&page), [anonymous.tracking_code.clone(), public.tracking_code.clone()], "newest first");
    let first = &page["items"][1];
    assert_eq!(
        first["description"],
        "Cracked road by the Gedung Sate: the asphalt has been broken since the rains began."
    );
    assert_eq!(first["address"], "Jalan Braga 12");
    assert_eq!(first["location"]["latitude"], -6.9175);
    assert_eq!(first["open_or_closed"], "open");

    let found = |query: &'static str| {
        let (client, list) = (client.clone(), list.clone());
        async move {
            let page: Value = client.get(format!("{list}?{query}")).send().await.unwrap().json().await.unwrap();
            codes(&page)
        }
    };
    assert_eq!(found("q=GEDUNG%20sate").await, [public.tracking_code.as_str()], "search ignores case");
    assert_eq!(found("q=bribe").await, Vec::<String>::new(), "a confidential report is never found");
    assert_eq!(found("q=%25").await, Vec::<String>::new(), "LIKE's % is taken literally");
    assert_eq!(found("q=_").await, Vec::<String>::new(), "LIKE's _ is taken literally");
    assert_eq!(found("region=32&category=roads").await.len(), 2, "a province holds its cities");
    assert_eq!(found("region=32.73&status=closed").await, Vec::<String>::new());
    assert_eq!(found("category=health").await, Vec::<String>::new());

    let one: Value = client.get(format!("{list}?limit=1&q=road")).send().await.unwrap().json().await.unwrap();
    assert_eq!(codes(&one), [anonymous.tracking_code.as_str()]);
    let next = one["next"].as_str().unwrap();
    let two: Value =
        client.get(format!("{list}?limit=1&q=road&after={next}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(codes(&two), [public.tracking_code.as_str()]);
    assert!(two["next"].is_null());

    for (query, code) in [
        ("status=pending", "invalid_status"),
        ("region=99.99", "unknown_region"),
        ("after=not-a-cursor", "invalid_cursor"),
        ("q=a%00b", "invalid_search"),
    ] {
        let (status, body) = get(&client, &format!("{list}?{query}")).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body.contains(code), "{query}: {body}");
    }

    let (status, body) = get(&client, &format!("{list}/{}", confidential.tracking_code)).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = get(&client, &format!("{list}/{}", public.tracking_code)).await;
    assert_eq!(status, 200, "{body}");
    let published: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(published["updates"][0]["kind"], "assigned", "{body}");

    // The pages: the list, the report, and a confidential one refused.
    let (status, list_page) = get(&client, &format!("{base}/reports?q=road")).await;
    assert_eq!(status, 200);
    assert!(list_page.contains(&public.tracking_code) && list_page.contains(&anonymous.tracking_code), "{list_page}");
    assert!(!list_page.contains(&confidential.tracking_code));
    let (status, report_page) = get(&client, &format!("{base}/reports/{}", public.tracking_code)).await;
    assert_eq!(status, 200);
    assert!(report_page.contains("the asphalt has been broken since the rains began"), "{report_page}");
    let (status, _) = get(&client, &format!("{base}/reports/{}", confidential.tracking_code)).await;
    assert_eq!(status, 404);

    // A verifier redacts what the public reads, and keeps a report off the record.
    let publication = |code: &str| format!("{base}/api/v1/reports/{code}/publication");
    let redaction = json!({
        "description": "The road by the Gedung Sate is cracked.",
        "reason": "The description named a shopkeeper",
    });
    let response = client.post(publication(&public.tracking_code)).json(&redaction).send().await.unwrap();
    assert_eq!(response.status(), 401, "a citizen decides nothing here");
    let officer = aduan_e2e::staff::Staff::sign_in(&client, &base, "demo.officer", "officer-demo-password").await;
    let response = client
        .post(publication(&public.tracking_code))
        .bearer_auth(officer.bearer(&client).await)
        .json(&redaction)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "an officer is no verifier");
    let (status, view) = aduan_e2e::staff::post(&client, &publication(&public.tracking_code), &redaction).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((view["redacted"].as_bool(), view["published"].as_bool()), (Some(true), Some(true)), "{view}");
    let (status, shown) = get(&client, &format!("{list}/{}", public.tracking_code)).await;
    assert_eq!(status, 200);
    assert!(shown.contains("The road by the Gedung Sate is cracked.") && !shown.contains("since the rains"), "{shown}");
    assert_eq!(found("q=rains%20began").await, [anonymous.tracking_code.as_str()], "redacted words cannot be found");
    let withdrawal = json!({ "withdrawn": true, "reason": "Names a street vendor" });
    let (status, view) = aduan_e2e::staff::post(&client, &publication(&anonymous.tracking_code), &withdrawal).await;
    assert_eq!((status, view["published"].as_bool()), (200, Some(false)), "{view}");
    assert_eq!(found("q=road").await, [public.tracking_code.as_str()], "a withdrawn report leaves the record");
    assert_eq!(get(&client, &format!("{list}/{}", anonymous.tracking_code)).await.0, 404);
    // A withdrawal and its undoing keep the redaction: nothing unsaid comes back.
    for withdrawn in [true, false] {
        let change = json!({ "withdrawn": withdrawn, "reason": "Checking the record again" });
        assert_eq!(aduan_e2e::staff::post(&client, &publication(&public.tracking_code), &change).await.0, 200);
    }
    let (_, shown) = get(&client, &format!("{list}/{}", public.tracking_code)).await;
    assert!(shown.contains("The road by the Gedung Sate is cracked.") && !shown.contains("since the rains"), "{shown}");
    // Open311 holds nothing more: asked by id, a withdrawn or confidential report is not listed.
    for hidden in [&anonymous.tracking_code, &confidential.tracking_code] {
        let (status, body) =
            get(&client, &format!("{base}/open311/v2/requests.json?service_request_id={hidden}")).await;
        assert_eq!((status, body.as_str()), (200, "[]"), "{hidden}");
    }
    let (_, listed) =
        get(&client, &format!("{base}/open311/v2/requests.json?service_request_id={}", public.tracking_code)).await;
    assert!(
        listed.contains("The road by the Gedung Sate is cracked.") && !listed.contains("since the rains"),
        "{listed}"
    );
    let (status, answer) = aduan_e2e::staff::post(&client, &publication(&confidential.tracking_code), &redaction).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("never_published")), "{answer}");
    let (status, answer) =
        aduan_e2e::staff::post(&client, &publication(&public.tracking_code), &json!({ "reason": "x" })).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_reason")), "{answer}");

    let FiledReport { tracking_code, .. } = &public;
    let everything = [body, list_page, report_page, get(&client, &format!("{list}?q=road")).await.1].join(" ");
    for identity in IDENTITY {
        assert!(!everything.contains(identity), "{identity} is published ({tracking_code})");
    }
}
