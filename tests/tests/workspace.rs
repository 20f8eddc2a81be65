//! What officers work with all day beyond the procedure's steps: an inbox
//! sorted by working days left with its filters, internal notes the citizen
//! never sees, and the institution's response templates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_e2e::citizen;
use aduan_e2e::dev::DevProcess;
use aduan_e2e::staff;
use serde_json::{Value, json};

async fn inbox_page(client: &reqwest::Client, base: &str, query: &str) -> (u16, Value) {
    let response = staff::get(client, &format!("{base}/api/v1/institutions/bandung-dpu/inbox?{query}")).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Every case of the inbox in `query`'s order, a page of one at a time.
async fn walk(client: &reqwest::Client, base: &str, query: &str) -> Vec<Value> {
    let mut cases = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = inbox_page(client, base, &format!("{query}&limit=1{after}")).await;
        assert_eq!(status, 200, "{page}");
        cases.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = format!("&after={}", urlencoding(next)),
            None => return cases,
        }
    }
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn codes(cases: &[Value]) -> Vec<&str> {
    cases.iter().map(|case| case["tracking_code"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inbox_sorts_by_working_days_left_and_filters_by_tier_unit_and_lateness() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    // A report no rule places, given to the roads office with a field
    // investigation's sixty days: its nearest deadline is the first
    // follow-up, five working days away.
    let investigated = citizen::file(
        &client,
        &base,
        &json!({ "category": "other", "region": "32.73", "title": "A bridge railing is loose",
                 "description": "The railing of the bridge on Jalan Asia Afrika moves when touched.", "privacy": "public" }),
    )
    .await;
    let queued = aduan_e2e::eventually(std::time::Duration::from_secs(30), "the report in the queue", || async {
        let page: Value = staff::get(&client, &format!("{base}/api/v1/verification-queue")).await.json().await.ok()?;
        aduan_e2e::items(page).into_iter().find(|entry| entry["tracking_code"] == investigated.tracking_code.as_str())
    })
    .await;
    let (status, body) = staff::verifier_step(
        &client,
        &base,
        queued["report_id"].as_str().unwrap(),
        "assignment",
        json!({ "institution_id": "bandung-dpu", "tier": "field_investigation" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    citizen::wait_in_inbox(&client, &base, "bandung-dpu", &investigated).await;
    // A pothole, simple: resolved within two working days.
    let due = citizen::pothole_case(&client, &base, &base).await;
    // A third waits for the citizen: it leaves the open list.
    let waiting = citizen::pothole_case(&client, &base, &base).await;
    assert_eq!(citizen::work(&client, &base, &waiting.case_id, "questions", "Which house number is it?").await.0, 200);

    let (later_code, due_code) = (investigated.tracking_code.as_str(), due.report.tracking_code.as_str());
    let by_due = walk(&client, &base, "status=open").await;
    assert_eq!(codes(&by_due), [due_code, later_code], "{by_due:?}");
    let by_opening = walk(&client, &base, "status=open&sort=opened").await;
    assert_eq!(codes(&by_opening), [later_code, due_code]);
    let (soonest, later) = (&by_due[0], &by_due[1]);
    let left = soonest["working_days_left"].as_i64().unwrap();
    assert!((0..=2).contains(&left), "{soonest}");
    assert!(later["working_days_left"].as_i64().unwrap() > left, "{later}");
    assert!(soonest["due_on"].as_str().unwrap() < later["due_on"].as_str().unwrap());
    assert_eq!((soonest["tier"].as_str(), later["tier"].as_str()), (Some("simple"), Some("field_investigation")));
    // A case with no running deadline sorts after every dated one, and the
    // pages walk across from the dated to the undated.
    let url = dev.database_url("resolution").replace("mode=ro", "mode=rw");
    let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
    let cleared = sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        &format!("UPDATE inbox_case SET next_due_on = NULL WHERE tracking_code = '{due_code}'"),
    )
    .await
    .unwrap();
    assert_eq!(cleared.rows_affected(), 1);
    let undated_last = walk(&client, &base, "status=open").await;
    assert_eq!(codes(&undated_last), [later_code, due_code]);
    assert!(undated_last[1]["due_on"].is_null() && undated_last[1]["working_days_left"].is_null());
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        &format!(
            "UPDATE inbox_case SET next_due_on = '{}' WHERE tracking_code = '{due_code}'",
            soonest["due_on"].as_str().unwrap()
        ),
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let (status, page) = inbox_page(&client, &base, "status=awaiting_citizen").await;
    assert_eq!(codes(page["items"].as_array().unwrap()), [waiting.report.tracking_code.as_str()], "{status}");

    // Filters.
    let investigations = walk(&client, &base, "status=open&tier=field_investigation").await;
    assert_eq!(codes(&investigations), [later_code]);
    let (status, page) = inbox_page(&client, &base, "status=assigned&overdue=true").await;
    assert_eq!((status, page["items"].as_array().unwrap().len()), (200, 0), "nothing is late yet: {page}");
    let (status, branch) = staff::post(
        &client,
        &format!("{base}/api/v1/cases/{}/forwards", due.case_id),
        &json!({ "unit_id": "bandung-dpu-roads", "note": "Please measure it." }),
    )
    .await;
    assert_eq!(status, 201, "{branch}");
    let forwarded = walk(&client, &base, "status=open&unit=bandung-dpu-roads").await;
    assert_eq!(codes(&forwarded), [due_code]);
    let (status, page) = inbox_page(&client, &base, "status=open&unit=bandung-dpu-drainage").await;
    assert_eq!((status, page["items"].as_array().unwrap().len()), (200, 0), "{page}");
    for (query, code) in
        [("sort=newest", "invalid_sort"), ("unit=ghost-unit", "unknown_unit"), ("tier=urgent", "invalid_tier")]
    {
        let (status, body) = inbox_page(&client, &base, query).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(code)), "{query}: {body}");
    }
    let (status, body) = inbox_page(&client, &base, "overdue=maybe").await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_query")), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn internal_notes_stay_with_staff_and_templates_are_kept_per_institution() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let pothole = citizen::pothole_case(&client, &base, &base).await;
    let notes = format!("{base}/api/v1/cases/{}/notes", pothole.case_id);

    let (status, note) = staff::post(&client, &notes, &json!({ "text": "The contractor owes us this one." })).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["text"], "The contractor owes us this one.");
    for bad in [json!({ "text": "hm" }), json!({ "text": "a\u{202e}reversed note" }), json!({ "words": "x" })] {
        let (status, body) = staff::post(&client, &notes, &bad).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let listed: Value = staff::get(&client, &notes).await.json().await.unwrap();
    let texts: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|note| note["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["The contractor owes us this one."]);
    // Not a step: the case's timeline, the citizen's view and the public record never hold it.
    let case: Value =
        staff::get(&client, &format!("{base}/api/v1/cases/{}", pothole.case_id)).await.json().await.unwrap();
    assert!(!case.to_string().contains("contractor"), "{case}");
    let citizen_view = citizen::status(&client, &base, &pothole.report).await;
    assert!(!citizen_view.to_string().contains("contractor"), "{citizen_view}");

    let templates = format!("{base}/api/v1/institutions/bandung-dpu/response-templates");
    let (status, template) = staff::post(
        &client,
        &templates,
        &json!({ "title": "Pothole patched", "text": "Our team patched the pothole; thank you for reporting it." }),
    )
    .await;
    assert_eq!(status, 201, "{template}");
    for bad in
        [json!({ "title": "a\nb c", "text": "Two lines are no title." }), json!({ "title": "ok title", "text": "" })]
    {
        let (status, body) = staff::post(&client, &templates, &bad).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_text")), "{bad}: {body}");
    }
    let listed: Value = staff::get(&client, &templates).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let other: Value = staff::get(&client, &format!("{base}/api/v1/institutions/dki-bina-marga/response-templates"))
        .await
        .json()
        .await
        .unwrap();
    assert!(other["items"].as_array().unwrap().is_empty(), "kept per institution: {other}");

    let one = format!("{templates}/{}", template["id"].as_str().unwrap());
    let delete = |url: String| {
        let client = client.clone();
        async move {
            let request = staff::with_token(&client, &url, client.delete(&url)).await;
            request.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(delete(one.clone()).await, 204);
    assert_eq!(delete(one).await, 404);
    assert_eq!(delete(format!("{templates}/not-a-uuid")).await, 422);
}
