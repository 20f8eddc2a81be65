//! Staff at work over JSON: verifiers, officers, coordinators and
//! administrators name themselves by header; the test clock moves the date;
//! and what a service announced can be read back from its outbox.

use aduan_proto::{Envelope, Escalated, Message as _, envelope::Event};
use chrono::{Datelike as _, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

/// POSTs `body` to `url` with `headers` (who is acting); returns status and body.
pub async fn post(client: &reqwest::Client, url: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let mut request = client.post(url).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("posting a staff request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// A verifier's step on a report: `{routing}/api/v1/verification/{report_id}/{step}`.
pub async fn verifier_step(
    client: &reqwest::Client,
    routing: &str,
    report_id: &str,
    step: &str,
    body: Value,
) -> (u16, Value) {
    let url = format!("{routing}/api/v1/verification/{report_id}/{step}");
    post(client, &url, &[("x-verifier-id", "verifier-e2e")], &body).await
}

/// An administrator's change to the registry: `body` is `{"change": …}`.
pub async fn change_registry(client: &reqwest::Client, routing: &str, body: Value) -> (u16, Value) {
    let url = format!("{routing}/api/v1/registry/changes");
    post(client, &url, &[("x-administrator-id", "admin-e2e")], &body).await
}

/// Moves a service's test clock `days_ahead` of the calendar; returns the
/// country's date it moved to.
pub async fn set_test_clock(client: &reqwest::Client, base: &str, days_ahead: i64) -> NaiveDate {
    let (status, body) =
        post(client, &format!("{base}/api/v1/test-clock"), &[], &json!({ "days_ahead": days_ahead })).await;
    assert_eq!(status, 200, "{body}");
    body["today"].as_str().expect("the date").parse().expect("a date")
}

/// `from` plus `n` working days, Monday to Friday (the demo registry has no holidays).
pub fn add_weekdays(from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("a later date");
        if day.weekday().num_days_from_monday() < 5 {
            left -= 1;
        }
    }
    day
}

/// The `escalated` events in a service's outbox, with the report each is about.
pub async fn escalations(db: &DatabaseConnection) -> Vec<(String, Escalated)> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT payload FROM outbox_message WHERE routing_key = 'report.escalated'",
        ))
        .await
        .expect("reading the outbox");
    rows.into_iter()
        .map(|row| {
            let payload: Vec<u8> = row.try_get_by_index(0).expect("a payload");
            let envelope = Envelope::decode(payload.as_slice()).expect("an envelope");
            let Some(Event::Escalated(escalated)) = envelope.event else { panic!("not an escalation") };
            (envelope.report_id, escalated)
        })
        .collect()
}
