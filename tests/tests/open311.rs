//! Open311 GeoReport v2 against `aduan dev`: a published third-party client
//! (PyPI `georeport`, set up by `scripts/test.sh` in `tests/python/.venv`)
//! reads and files in JSON and XML; the refusals come as the
//! specification's error list, in both formats, and store nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use aduan_e2e::dev::DevProcess;
use aduan_e2e::{count, open_database};
use serde_json::Value;

/// The key `aduan dev` prints for its demo Open311 partner.
const KEY: &str = aduan_accounts::DEMO_OPEN311_KEY;

async fn post(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = client.post(url).form(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A form's fields, in order.
type Form<'a> = Vec<(&'a str, &'a str)>;

fn pothole() -> Form<'static> {
    vec![
        ("api_key", KEY),
        ("service_code", "roads"),
        ("attribute[region]", "32.73"),
        ("description", "A deep pothole in front of number 12"),
    ]
}

fn with<'a>(mut form: Form<'a>, name: &'a str, value: &'a str) -> Form<'a> {
    form.retain(|(field, _)| *field != name);
    if !value.is_empty() {
        form.push((name, value));
    }
    form
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_the_specifications_error_list_in_both_formats_and_store_nothing() {
    let dev = DevProcess::start().await;
    let open311 = format!("{}/open311/v2", dev.base_url());
    let client = reqwest::Client::new();
    let cases: [(Form, u16, &str); 7] = [
        (with(pothole(), "api_key", ""), 403, "api_key_required"),
        (with(pothole(), "api_key", "aduan_pat_made-up"), 403, "api_key_invalid"),
        (with(pothole(), "service_code", "weather"), 400, "unknown_category"),
        (with(pothole(), "attribute[region]", ""), 400, "region_required"),
        (with(pothole(), "lat", "north"), 400, "invalid_location"),
        (with(pothole(), "attribute[privacy]", "secret"), 400, "invalid_privacy"),
        (with(pothole(), "media_url", "http://example.com/a.jpg"), 400, "media_url_not_taken"),
    ];
    for (form, status, code) in &cases {
        let (got, body) = post(&client, &format!("{open311}/requests.json"), form).await;
        assert_eq!(got, *status, "{code}: {body}");
        let errors: Vec<Value> = serde_json::from_str(&body).unwrap();
        assert_eq!(errors[0]["code"], *status, "{body}");
        assert!(errors[0]["description"].as_str().unwrap().starts_with(code), "{code}: {body}");

        let (got, body) = post(&client, &format!("{open311}/requests.xml"), form).await;
        assert_eq!(got, *status, "{code}: {body}");
        assert!(body.contains(&format!("<errors><error><code>{status}</code><description>{code}:")), "{body}");
    }
    for (url, status) in [
        (format!("{open311}/services/weather.json"), 404),
        (format!("{open311}/requests/ADU-NOSUCH.xml"), 404),
        (format!("{open311}/tokens/not-a-token.json"), 404),
        (format!("{open311}/services.html"), 404),
        (format!("{open311}/requests.json?status=pending"), 400),
        (format!("{open311}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z"), 400),
        (format!("{open311}/requests.json?max_requests=5000"), 400),
    ] {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{url}");
    }
    let intake = open_database(&dev.database_url("intake")).await;
    assert_eq!(count(&intake, "SELECT COUNT(*) FROM report").await, 0, "a refused request stores nothing");

    let discovery: Value = client.get(format!("{open311}/discovery.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(discovery["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(discovery["endpoints"][0]["url"], open311.as_str());
    let xml = client.get(format!("{open311}/discovery.xml")).send().await.unwrap().text().await.unwrap();
    assert!(xml.contains("<formats><format>text/xml</format><format>application/json</format></formats>"), "{xml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_party_client_reads_and_files_in_json_and_xml() {
    let dev = DevProcess::start().await;
    let open311 = format!("{}/open311/v2", dev.base_url());
    let output = tokio::process::Command::new(aduan_e2e::python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/open311_client.py"))
        .args([open311.as_str(), KEY, "32.73"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the client failed:\n{stdout}\n{stderr}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with("ok ")).collect::<Vec<_>>(), ["ok json", "ok xml"]);

    let intake = open_database(&dev.database_url("intake")).await;
    assert_eq!(count(&intake, "SELECT COUNT(*) FROM report WHERE channel = 'open311'").await, 4);
    let log = std::fs::read_to_string(dev.data_dir().join("dev.log")).unwrap();
    for identity in ["Wulandari", "Kusumawardhani", "wulan.k@example.id", "7777 1234"] {
        assert!(!log.contains(identity), "{identity} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn in_distributed_mode_a_partner_files_with_a_key_an_administrator_issued() {
    let cluster = aduan_e2e::start_cluster().await;
    let client = reqwest::Client::new();
    let administrator = aduan_e2e::staff::member(&cluster, &["administrator"]).await;
    let accounts = cluster.base_url(aduan_e2e::ServiceName::Accounts);
    let (status, issued) = aduan_e2e::staff::post_as(
        &client,
        &administrator,
        &format!("{accounts}/api/v1/api-tokens"),
        &serde_json::json!({ "name": "Kota Bandung's 311 app", "expires_in_days": 30 }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let key = issued["token"].as_str().unwrap().to_owned();
    let open311 = format!("{}/open311/v2", cluster.base_url(aduan_e2e::ServiceName::Intake));

    let form = with(with(pothole(), "api_key", &key), "attribute[privacy]", "anonymous");
    let (status, body) = post(&client, &format!("{open311}/requests.xml"), &form).await;
    assert_eq!(status, 201, "{body}");
    let code = body.split("<service_request_id>").nth(1).and_then(|rest| rest.split('<').next()).unwrap().to_owned();
    let (status, body) = post(&client, &format!("{open311}/requests.json"), &pothole()).await;
    assert_eq!(status, 403, "the demo key of aduan dev is no key here: {body}");

    // Routing places it; intake's view follows, and Open311 answers with it.
    aduan_e2e::eventually(std::time::Duration::from_secs(30), "the request to be assigned", || async {
        let answer: Value = client
            .get(format!("{open311}/requests/{code}.json?extensions=true"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (answer[0]["extended_attributes"]["detailed_status"] == "assigned").then_some(())
    })
    .await;
}
