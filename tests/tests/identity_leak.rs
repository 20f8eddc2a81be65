//! Nobody's identity leaves intake (PROCEDURE.md, "Privacy of the
//! reporter"). A citizen files with a distinctive name, e-mail and phone,
//! once through the JSON API and once through Open311; both cases are walked
//! to closing and on to the ombudsman; then every answer the walk got, every
//! event every service published, the audit ledger, every log line and every
//! exported span is searched for them: none may hold any of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::otlp::Collector;
use aduan_e2e::{ClusterOptions, ServiceName, aduan_binary, byte_strings, eventually, open_database, staff};
use serde_json::{Value, json};

const NAME: &str = "Kartika Sumarsono";
const EMAIL: &str = "kartika.sumarsono.7731@example.id";
const PHONE: &str = "+62 813 7731 2468";
/// What would show any of them, in the forms a leak could take.
const NEEDLES: [&str; 5] = ["Kartika", "Sumarsono", "kartika.sumarsono", "7731 2468", "81377312468"];
const SETTLE: Duration = Duration::from_secs(30);

/// Every answer the walk got, to be searched at the end.
#[derive(Default)]
struct Seen(Vec<(String, Vec<u8>)>);

impl Seen {
    fn keep(&mut self, what: impl Into<String>, body: impl Into<Vec<u8>>) {
        self.0.push((what.into(), body.into()));
    }

    async fn get(&mut self, client: &reqwest::Client, url: &str) -> Value {
        let response = staff::get(client, url).await;
        assert!(response.status().is_success(), "{url}: {}", response.status());
        let body = response.text().await.unwrap();
        self.keep(url, body.clone());
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    async fn post(&mut self, client: &reqwest::Client, url: &str, body: &Value) -> Value {
        let response = client.post(url).json(body).send().await.unwrap();
        assert!(response.status().is_success(), "{url}: {}", response.status());
        let text = response.text().await.unwrap();
        self.keep(url, text.clone());
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

fn leaks(haystack: &[u8]) -> Vec<&'static str> {
    NEEDLES.into_iter().filter(|needle| holds(haystack, needle)).collect()
}

/// Files through Open311 with a key an administrator issued; answers the report.
async fn file_through_open311(cluster: &aduan_e2e::Cluster, client: &reqwest::Client, seen: &mut Seen) -> FiledReport {
    let administrator = staff::member(cluster, &["administrator"]).await;
    let accounts = cluster.base_url(ServiceName::Accounts);
    let body = json!({ "name": "City portal", "expires_in_days": 1 });
    let (status, issued) =
        staff::post_as(client, &administrator, &format!("{accounts}/api/v1/api-tokens"), &body).await;
    assert_eq!(status, 201, "{issued}");
    let form = [
        ("api_key", issued["token"].as_str().unwrap()),
        ("service_code", "roads"),
        ("attribute[region]", "32.73"),
        ("attribute[privacy]", "public"),
        ("description", "The street light at the corner of Jalan Braga is out"),
        ("first_name", "Kartika"),
        ("last_name", "Sumarsono"),
        ("email", EMAIL),
        ("phone", PHONE),
    ];
    let url = format!("{}/open311/v2/requests.json", cluster.base_url(ServiceName::Intake));
    let response = client.post(&url).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let text = response.text().await.unwrap();
    seen.keep(&url, text.clone());
    let created: Value = serde_json::from_str(&text).unwrap();
    FiledReport {
        tracking_code: created[0]["service_request_id"].as_str().unwrap().to_owned(),
        secret: created[0]["secret"].as_str().unwrap().to_owned(),
    }
}

/// Walks `report` from the inbox to closing and on to the ombudsman, keeping every answer.
async fn walk(client: &reqwest::Client, intake: &str, resolution: &str, report: &FiledReport, seen: &mut Seen) {
    let case = citizen::wait_in_inbox(client, resolution, "bandung-dpu", report).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    seen.get(client, &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox")).await;
    for (step, text) in [("follow-ups", "We will look at it on Monday."), ("resolution", "Fixed on Monday.")] {
        let (status, answer) = citizen::work(client, resolution, &case_id, step, text).await;
        assert_eq!(status, 200, "{answer}");
        seen.keep(step, answer.to_string());
    }
    citizen::wait_for_status(client, intake, report, "resolved").await;
    let code = &report.tracking_code;
    seen.post(
        client,
        &format!("{intake}/api/v1/reports/{code}/acceptance"),
        &json!({ "secret": report.secret, "rating": 2, "fixed": "no" }),
    )
    .await;
    citizen::wait_for_status(client, intake, report, "closed").await;
    seen.post(
        client,
        &format!("{intake}/api/v1/reports/{code}/ombudsman"),
        &json!({ "secret": report.secret, "text": "It broke again." }),
    )
    .await;
    let export_url = format!("{resolution}/api/v1/cases/{case_id}/ombudsman-export");
    eventually(SETTLE, "the ombudsman export", || async {
        (staff::get(client, &export_url).await.status() == 200).then_some(())
    })
    .await;
    seen.get(client, &export_url).await;
    seen.get(client, &format!("{resolution}/api/v1/cases/{case_id}")).await;
    let owner = client.get(format!("{intake}/api/v1/reports/{code}")).header("x-report-secret", &report.secret);
    seen.keep("the owner's view", owner.send().await.unwrap().text().await.unwrap());
    seen.get(client, &format!("{intake}/api/v1/reports/{code}")).await;
    seen.get(client, &format!("{intake}/api/v1/reports/{code}/updates")).await;
    seen.get(client, &format!("{intake}/api/v1/public/reports/{code}")).await;
    seen.get(client, &format!("{intake}/open311/v2/requests/{code}.xml")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_event_ledger_entry_log_line_or_span_names_the_reporter() {
    let collector = Collector::start().await;
    let mut options = ClusterOptions::local(aduan_binary());
    options.extra_env.push(("OTEL_EXPORTER_OTLP_ENDPOINT".into(), collector.endpoint.clone()));
    let mut cluster = aduan_e2e::start_cluster_with(options).await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let mut seen = Seen::default();

    let mut body = citizen::pothole(1);
    body["privacy"] = json!("public");
    body["reporter"] = json!({ "name": NAME, "email": EMAIL, "phone": PHONE });
    let filed = seen.post(&client, &format!("{intake}/api/v1/reports"), &body).await;
    let by_api = FiledReport {
        tracking_code: filed["tracking_code"].as_str().unwrap().to_owned(),
        secret: filed["secret"].as_str().unwrap().to_owned(),
    };
    let by_open311 = file_through_open311(&cluster, &client, &mut seen).await;
    for report in [&by_api, &by_open311] {
        walk(&client, &intake, &resolution, report, &mut seen).await;
    }
    seen.get(&client, &format!("{intake}/api/v1/public/reports")).await;
    seen.get(&client, &format!("{intake}/open311/v2/requests.json")).await;
    let audit = cluster.base_url(ServiceName::Audit);
    let checkpoint = eventually(SETTLE, "the ledger to hold the walk", || async {
        let (status, checkpoint) =
            staff::post(&client, &format!("{audit}/api/v1/ledger/checkpoints"), &json!({})).await;
        (status == 201 && checkpoint["size"].as_u64()? > 10).then_some(checkpoint)
    })
    .await;
    let size = checkpoint["size"].as_u64().unwrap();
    seen.get(&client, &format!("{audit}/api/v1/ledger/entries?start=0&end={size}")).await;

    // What every service published, and what the ledger keeps.
    for service in [ServiceName::Intake, ServiceName::Routing, ServiceName::Resolution, ServiceName::Accounts] {
        let db = open_database(cluster.database_url(service)).await;
        for payload in byte_strings(&db, "SELECT payload FROM outbox_message").await {
            seen.keep(format!("an event {} published", service.as_str()), payload);
        }
    }
    let audit_db = open_database(cluster.database_url(ServiceName::Audit)).await;
    for entry in byte_strings(&audit_db, "SELECT body FROM ledger_entry").await {
        seen.keep("a ledger entry", entry);
    }

    // Every log line, and every span (SIGTERM flushes what is left of them).
    for service in ServiceName::ALL {
        assert_eq!(cluster.terminate(service).await.unwrap(), Some(0), "{} stops", service.as_str());
    }
    for entry in std::fs::read_dir(cluster.log_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "log") {
            seen.keep(path.display().to_string(), std::fs::read(&path).unwrap());
        }
    }
    let exports = collector.exports().await;
    assert!(!exports.is_empty(), "the services exported spans");
    for export in exports {
        seen.keep("an exported span batch", export.to_vec());
    }

    // The sweep reads the real things: the reports' own words are where they belong.
    let read =
        |what: &str, needle: &str| seen.0.iter().any(|(kind, body)| kind.starts_with(what) && holds(body, needle));
    assert!(read("an event intake", &by_open311.tracking_code), "intake's filed event holds the tracking code");
    assert!(read("a ledger entry", "bandung-dpu"), "the ledger holds the assignments");
    assert!(read("an exported span batch", "aduan-intake"), "intake's spans were exported");
    assert!(read(&cluster.log_dir().display().to_string(), "report filed"), "intake logged the filings");

    let found: Vec<String> = seen
        .0
        .iter()
        .filter_map(|(what, body)| {
            let leaked = leaks(body);
            (!leaked.is_empty()).then(|| format!("{what}: {leaked:?}"))
        })
        .collect();
    assert!(found.is_empty(), "the reporter's identity leaked:\n{}", found.join("\n"));
    assert!(seen.0.len() > 40, "the sweep looked at {} things only", seen.0.len());
    cluster.destroy().await.unwrap();
}
