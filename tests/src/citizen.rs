//! The calls a citizen and an officer make, over HTTP.

use serde_json::{Value, json};

/// A report as filed: what the citizen keeps.
#[derive(Debug, Clone)]
pub struct FiledReport {
    /// The tracking code.
    pub tracking_code: String,
    /// The secret.
    pub secret: String,
}

/// A report body the demo registry routes to Kota Bandung's roads agency.
pub fn pothole(n: usize) -> Value {
    json!({
        "category": "roads",
        "region": "32.73",
        "title": format!("Pothole number {n} on Jalan Braga"),
        "description": "A deep pothole in front of number 12, dangerous at night.",
        "privacy": "anonymous",
        "reporter": { "name": "Siti Rahayu", "email": "siti.rahayu@example.id", "phone": "+62 812 3456 7890" }
    })
}

/// Files `body` at `base`; panics unless it answers 201.
pub async fn file(client: &reqwest::Client, base: &str, body: &Value) -> FiledReport {
    let response = client.post(format!("{base}/api/v1/reports")).json(body).send().await.expect("filing");
    assert_eq!(response.status(), 201, "filing answered {}", response.status());
    let body: Value = response.json().await.expect("a JSON answer");
    FiledReport {
        tracking_code: body["tracking_code"].as_str().expect("a tracking code").to_owned(),
        secret: body["secret"].as_str().expect("a secret").to_owned(),
    }
}

/// Files `body`, returning the report if intake answered 201 and `None` for
/// any failure (the fault tests count only what the citizen was told is filed).
pub async fn try_file(client: &reqwest::Client, base: &str, body: &Value) -> Option<FiledReport> {
    let response = client.post(format!("{base}/api/v1/reports")).json(body).send().await.ok()?;
    if response.status() != 201 {
        return None;
    }
    let body: Value = response.json().await.ok()?;
    Some(FiledReport {
        tracking_code: body["tracking_code"].as_str()?.to_owned(),
        secret: body["secret"].as_str()?.to_owned(),
    })
}

/// The citizen's view of the report.
pub async fn status(client: &reqwest::Client, base: &str, report: &FiledReport) -> Value {
    client
        .get(format!("{base}/api/v1/reports/{}", report.tracking_code))
        .header("x-report-secret", &report.secret)
        .send()
        .await
        .expect("reading a report")
        .json()
        .await
        .expect("a JSON answer")
}

/// An institution's open cases (the first page).
pub async fn inbox(client: &reqwest::Client, base: &str, institution: &str) -> Vec<Value> {
    crate::get_items(client, &format!("{base}/api/v1/institutions/{institution}/inbox")).await
}

/// An institution's work on a case (`follow-ups`, `resolution`, `return`,
/// `questions`), as the kit's staff; returns status and body.
pub async fn work(client: &reqwest::Client, base: &str, case_id: &str, what: &str, text: &str) -> (u16, Value) {
    crate::staff::post(client, &format!("{base}/api/v1/cases/{case_id}/{what}"), &json!({ "text": text })).await
}

/// Waits until `report` is an open case in `institution`'s inbox; returns the case.
pub async fn wait_in_inbox(client: &reqwest::Client, base: &str, institution: &str, report: &FiledReport) -> Value {
    crate::eventually(std::time::Duration::from_secs(30), &format!("the report in {institution}'s inbox"), || async {
        inbox(client, base, institution)
            .await
            .into_iter()
            .find(|case| case["tracking_code"] == report.tracking_code.as_str())
    })
    .await
}

/// Waits until the citizen sees `report` in `status`; returns their view.
pub async fn wait_for_status(client: &reqwest::Client, base: &str, report: &FiledReport, status: &str) -> Value {
    crate::eventually(std::time::Duration::from_secs(30), &format!("the report to be {status}"), || async {
        let view = self::status(client, base, report).await;
        (view["status"] == status).then_some(view)
    })
    .await
}

/// Waits until the citizen's timeline holds an update of `kind`. A status
/// the citizen set themselves (accepting closes the report at once) shows
/// before the event that tells its timeline why.
pub async fn wait_for_update(client: &reqwest::Client, base: &str, report: &FiledReport, kind: &str) -> Value {
    crate::eventually(std::time::Duration::from_secs(30), &format!("a {kind} update on the timeline"), || async {
        let view = self::status(client, base, report).await;
        view["updates"].as_array()?.iter().any(|update| update["kind"] == kind).then_some(view)
    })
    .await
}

/// A pothole in Kota Bandung, filed and opened as a case in the roads
/// office's inbox (`bandung-dpu`): where most case-work tests start.
#[derive(Debug, Clone)]
pub struct PotholeCase {
    /// The citizen's handle on the report.
    pub report: FiledReport,
    /// The report's id.
    pub report_id: String,
    /// The case's id.
    pub case_id: String,
}

/// Files a pothole and waits for its case in `bandung-dpu`'s inbox.
pub async fn pothole_case(client: &reqwest::Client, intake: &str, resolution: &str) -> PotholeCase {
    let report = file(client, intake, &pothole(1)).await;
    let case = wait_in_inbox(client, resolution, "bandung-dpu", &report).await;
    let id = |field: &str| case[field].as_str().expect("an id").to_owned();
    PotholeCase { report_id: id("report_id"), case_id: id("id"), report }
}
