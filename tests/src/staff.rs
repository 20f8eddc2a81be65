//! Staff at work over JSON: real users of accounts, signed in (with a second
//! factor where policy wants one), whose access tokens go with every staff
//! request; the test clock moves the date; and what a service announced can
//! be read back from its outbox.
//!
//! Each cluster (or `aduan dev`) the kit starts gets a test user who holds
//! every role over every institution, and the kit's requests to that
//! deployment carry their token: the flow tests act as real, signed-in staff
//! without each naming who. Tests of access itself make users of their own.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use aduan_proto::{Envelope, Escalated, Message as _, envelope::Event};
use chrono::{Datelike as _, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

/// The TOTP code of `secret` now.
pub fn totp_code(secret: &str) -> String {
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("a base32 secret"))
        .build()
        .expect("a TOTP");
    totp.generate(u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")).to_string()
}

/// A member of staff, signed in to accounts.
#[derive(Debug)]
pub struct Staff {
    /// Accounts' base URL.
    pub accounts: String,
    /// Their username.
    pub username: String,
    /// Their pseudonymous id.
    pub subject: String,
    /// Their second factor's secret, once enrolled.
    pub totp_secret: Option<String>,
    session_token: String,
    token: Mutex<(String, Instant)>,
}

async fn post_json(client: &reqwest::Client, url: &str, bearer: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = client.post(url).json(body);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.expect("a request to accounts");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

impl Staff {
    /// Signs in `username`; enrols a second factor first when policy wants one.
    pub async fn sign_in(client: &reqwest::Client, accounts: &str, username: &str, password: &str) -> Self {
        let sessions = format!("{accounts}/api/v1/sessions");
        let credentials = json!({ "username": username, "password": password });
        let (status, signed_in) = post_json(client, &sessions, None, &credentials).await;
        assert_eq!(status, 201, "signing in {username}: {signed_in}");
        let mut totp_secret = None;
        if signed_in["totp_enrolment_required"] == true {
            let bearer = signed_in["access_token"].as_str().expect("an enrolment token").to_owned();
            let (status, enrolment) =
                post_json(client, &format!("{accounts}/api/v1/me/totp"), Some(&bearer), &json!({})).await;
            assert_eq!(status, 201, "{enrolment}");
            let secret = enrolment["secret"].as_str().expect("a secret").to_owned();
            let confirmation = json!({ "code": totp_code(&secret) });
            let (status, body) =
                post_json(client, &format!("{accounts}/api/v1/me/totp/confirmation"), Some(&bearer), &confirmation)
                    .await;
            assert_eq!(status, 204, "{body}");
            totp_secret = Some(secret);
        }
        let session_token = signed_in["session_token"].as_str().expect("a session token").to_owned();
        let subject = signed_in["subject"].as_str().expect("a subject").to_owned();
        let staff = Self {
            accounts: accounts.to_owned(),
            username: username.to_owned(),
            subject,
            totp_secret,
            session_token,
            token: Mutex::new((String::new(), Instant::now() - Duration::from_secs(3600))),
        };
        // A fresh token: after an enrolment, the first one had no grants.
        staff.exchange(client).await;
        staff
    }

    async fn exchange(&self, client: &reqwest::Client) -> String {
        let body = json!({ "grant_type": "session", "session_token": self.session_token });
        let (status, issued) = post_json(client, &format!("{}/api/v1/tokens", self.accounts), None, &body).await;
        assert_eq!(status, 200, "exchanging {}'s session: {issued}", self.username);
        let token = issued["access_token"].as_str().expect("an access token").to_owned();
        *self.token.lock().expect("the token") = (token.clone(), Instant::now());
        token
    }

    /// Asks accounts for a new access token for this session; answers the status.
    pub async fn try_exchange(&self, client: &reqwest::Client) -> u16 {
        let body = json!({ "grant_type": "session", "session_token": self.session_token });
        post_json(client, &format!("{}/api/v1/tokens", self.accounts), None, &body).await.0
    }

    /// A valid access token, renewed when the last is getting old.
    pub async fn bearer(&self, client: &reqwest::Client) -> String {
        let (token, at) = self.token.lock().expect("the token").clone();
        if at.elapsed() < Duration::from_secs(240) { token } else { self.exchange(client).await }
    }
}

/// Base URLs and the staff whose token goes with requests to them.
type ActingTable = Mutex<Vec<(String, Arc<Staff>)>>;

/// Which deployment's requests carry whose token.
fn authorized() -> &'static ActingTable {
    static AUTHORIZED: OnceLock<ActingTable> = OnceLock::new();
    AUTHORIZED.get_or_init(Mutex::default)
}

/// From now on, the kit's requests to URLs starting with any of `bases` carry `staff`'s token.
pub fn act_as(bases: &[String], staff: Arc<Staff>) {
    let mut authorized = authorized().lock().expect("the table");
    authorized.retain(|(base, _)| !bases.contains(base));
    authorized.extend(bases.iter().map(|base| (base.clone(), staff.clone())));
}

/// The staff whose token goes with a request to `url`, if any.
pub fn acting_at(url: &str) -> Option<Arc<Staff>> {
    let authorized = authorized().lock().expect("the table");
    authorized.iter().find(|(base, _)| url.starts_with(base.as_str())).map(|(_, staff)| staff.clone())
}

/// `request` to `url` with the token of the staff the kit acts as there.
pub async fn with_token(
    client: &reqwest::Client,
    url: &str,
    request: reqwest::RequestBuilder,
) -> reqwest::RequestBuilder {
    match acting_at(url) {
        Some(staff) => request.bearer_auth(staff.bearer(client).await),
        None => request,
    }
}

/// GETs `url` as the kit's staff there.
pub async fn get(client: &reqwest::Client, url: &str) -> reqwest::Response {
    with_token(client, url, client.get(url)).await.send().await.expect("a GET request")
}

/// Makes the all-roles test user of a deployment with the command `add`
/// (`aduan user add` with where its accounts database is), signs them in at
/// `accounts`, and acts as them for `bases`. Every role over every
/// institution at the top of the tree (those without a parent), so every
/// institution below is reached.
pub async fn act_as_everyone(
    client: &reqwest::Client,
    accounts: &str,
    routing: &str,
    add: &[String],
    bases: &[String],
) -> Arc<Staff> {
    let institutions: Vec<Value> = client
        .get(format!("{routing}/api/v1/institutions"))
        .send()
        .await
        .expect("listing institutions")
        .json()
        .await
        .expect("a JSON answer");
    let mut grants = vec!["verifier".to_owned(), "administrator".to_owned(), "auditor".to_owned()];
    for institution in institutions.iter().filter(|institution| institution["parent"].is_null()) {
        let id = institution["id"].as_str().expect("an id");
        for role in ["coordinator", "officer", "supervisor"] {
            grants.push(format!("{role}@{id}"));
        }
    }
    let username = format!("e2e.{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let password = "e2e-staff-password-1234";
    add_user(add, &username, &grants, password);
    let staff = Arc::new(Staff::sign_in(client, accounts, &username, password).await);
    act_as(bases, staff.clone());
    staff
}

/// Creates a user with `aduan user add` and `location` (`--config <file>` or `--data-dir <dir>`).
pub fn add_user(location: &[String], username: &str, grants: &[String], password: &str) {
    use std::io::Write as _;
    let mut command = std::process::Command::new(crate::aduan_binary());
    command.args(["user", "add", "--username", username, "--display-name", username]);
    for grant in grants {
        command.args(["--grant", grant]);
    }
    let mut child = command
        .args(location)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running aduan user add");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("writing the password");
    let output = child.wait_with_output().expect("aduan user add");
    assert!(output.status.success(), "aduan user add {username}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A new user of `cluster` with `grants` (`"officer@bandung-dpu"`, `"auditor"`, ...), signed in.
pub async fn member(cluster: &crate::Cluster, grants: &[&str]) -> Arc<Staff> {
    let config = cluster.config_file(crate::ServiceName::Accounts).expect("accounts' configuration");
    let location = vec!["--config".to_owned(), config.display().to_string()];
    let username = format!("e2e.{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let password = "e2e-member-password-1234";
    let grants: Vec<String> = grants.iter().map(|grant| (*grant).to_owned()).collect();
    add_user(&location, &username, &grants, password);
    let accounts = cluster.base_url(crate::ServiceName::Accounts);
    Arc::new(Staff::sign_in(&reqwest::Client::new(), &accounts, &username, password).await)
}

/// POSTs `body` to `url` as `staff`; returns status and body.
pub async fn post_as(client: &reqwest::Client, staff: &Staff, url: &str, body: &Value) -> (u16, Value) {
    let response = client.post(url).bearer_auth(staff.bearer(client).await).json(body).send().await.expect("posting");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GETs `url` as `staff`; returns status and body.
pub async fn get_as(client: &reqwest::Client, staff: &Staff, url: &str) -> (u16, Value) {
    let response = client.get(url).bearer_auth(staff.bearer(client).await).send().await.expect("getting");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POSTs `body` to `url` as the kit's staff there; returns status and body.
pub async fn post(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let request = with_token(client, url, client.post(url).json(body)).await;
    let response = request.send().await.expect("posting a staff request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A verifier's step on a report: `{routing}/api/v1/verification/{report_id}/{step}`.
pub async fn verifier_step(
    client: &reqwest::Client,
    routing: &str,
    report_id: &str,
    step: &str,
    body: Value,
) -> (u16, Value) {
    post(client, &format!("{routing}/api/v1/verification/{report_id}/{step}"), &body).await
}

/// An administrator's change to the registry: `body` is `{"change": …}`.
pub async fn change_registry(client: &reqwest::Client, routing: &str, body: Value) -> (u16, Value) {
    post(client, &format!("{routing}/api/v1/registry/changes"), &body).await
}

/// Moves a service's test clock `days_ahead` of the calendar; returns the
/// country's date it moved to.
pub async fn set_test_clock(client: &reqwest::Client, base: &str, days_ahead: i64) -> NaiveDate {
    let (status, body) = post(client, &format!("{base}/api/v1/test-clock"), &json!({ "days_ahead": days_ahead })).await;
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
