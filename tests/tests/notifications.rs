//! Messages to citizens against `aduan dev`: a citizen who left an e-mail and
//! a phone is told, in the language they filed in, that their report was
//! assigned and that a question came; an SMTP server that is down at first
//! (PyPI aiosmtpd, started later) gets the message once it is up; the SMS
//! goes to a stand-in gateway with its token; the link in a message stops
//! the next ones; no address reaches the log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::{eventually, open_database, strings};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const EMAIL: &str = "ratna.dewanti.5512@example.id";
const PHONE: &str = "+62 811 5512 0099";
const SETTLE: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// aiosmtpd keeping every message in a maildir, until dropped.
struct SmtpSink {
    child: tokio::process::Child,
    maildir: PathBuf,
}

impl SmtpSink {
    async fn start(port: u16) -> Self {
        let maildir = std::env::temp_dir().join(format!("aduan-mail-{}", uuid::Uuid::now_v7().simple()));
        let child = tokio::process::Command::new(aduan_e2e::python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        eventually(SETTLE, "the SMTP sink to listen", || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(|_| ())
        })
        .await;
        Self { child, maildir }
    }

    /// Every message received, its quoted-printable soft breaks undone.
    fn messages(&self) -> Vec<String> {
        read_maildir(&self.maildir.join("new"))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn read_maildir(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    entries
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .map(|text| text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
        .collect()
}

/// A stand-in SMS gateway that keeps each request's authorization and body.
async fn start_gateway() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let store = store.clone();
            async move {
                let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                store.lock().await.push((authorization.to_owned(), body.0));
                "queued"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test(flavor = "multi_thread")]
async fn citizens_are_told_by_mail_and_sms_retried_until_sent_and_can_stop_it() {
    let smtp_port = free_port();
    let (gateway, texts) = start_gateway().await;
    let dev = DevProcess::start_with_env(vec![
        ("ADUAN_SMTP_URL".into(), format!("smtp://127.0.0.1:{smtp_port}")),
        ("ADUAN_MAIL_FROM".into(), "LAPOR demo <no-reply@lapor.example>".into()),
        ("ADUAN_SMS_GATEWAY_URL".into(), gateway),
        ("ADUAN_SMS_GATEWAY_TOKEN".into(), "gateway-token".into()),
        ("ADUAN_NOTIFY_RETRY_MS".into(), "300".into()),
    ])
    .await;
    let base = dev.base_url();
    let client = reqwest::Client::new();
    let mut body = citizen::pothole(1);
    body["reporter"] = json!({ "name": "Ratna Dewanti", "email": EMAIL, "phone": PHONE });
    body["language"] = json!("en");
    let report: FiledReport = citizen::file(&client, &base, &body).await;
    let code = report.tracking_code.clone();

    // The SMTP server is down: the message waits, its try counted, its reason kept without the address.
    let intake = open_database(&dev.database_url("intake")).await;
    let error = eventually(SETTLE, "a failed try of the e-mail", || async {
        strings(&intake, "SELECT COALESCE(last_error, '') FROM notification WHERE kind = 'assigned'")
            .await
            .pop()
            .filter(|e| !e.is_empty())
    })
    .await;
    assert!(error.starts_with("smtp:") && !error.contains(EMAIL), "{error}");
    let sms = eventually(SETTLE, "the SMS", || async { texts.lock().await.first().cloned() }).await;
    assert_eq!(sms.0, "Bearer gateway-token");
    assert_eq!(sms.1["to"], PHONE);
    assert!(sms.1["text"].as_str().unwrap().contains(&code), "{}", sms.1);

    // Up: the e-mail goes, once, in English, with the links.
    let sink = SmtpSink::start(smtp_port).await;
    let mail =
        eventually(SETTLE, "the e-mail about the assignment", || async { sink.messages().into_iter().next() }).await;
    assert!(mail.contains(&format!("Subject: Your report {code}")), "{mail}");
    assert!(mail.contains(EMAIL) && mail.contains("no-reply@lapor.example"), "{mail}");
    assert!(mail.contains("was sent to") && mail.contains(&format!("{base}/track/{code}")), "{mail}");
    assert_eq!(texts.lock().await.len(), 1, "the SMS already sent is not sent again");

    // A question: told again, by both.
    let case = citizen::wait_in_inbox(&client, &base, "bandung-dpu", &report).await;
    let case_id = case["id"].as_str().unwrap();
    let (status, _) = citizen::work(&client, &base, case_id, "questions", "Which side of the street?").await;
    assert_eq!(status, 200);
    let mails = eventually(SETTLE, "the e-mail about the question", || async {
        let mails = sink.messages();
        (mails.len() == 2).then_some(mails)
    })
    .await;
    let question = mails.iter().find(|mail| mail.contains("asked you a question")).expect("the question's e-mail");
    eventually(SETTLE, "the SMS about the question", || async { (texts.lock().await.len() == 2).then_some(()) }).await;

    // The link at the foot stops what comes next.
    let stop = question
        .lines()
        .find(|line| line.contains("/notifications/stop?token="))
        .expect("a stop link")
        .trim()
        .to_owned();
    // Opening the link (as a mail scanner would) only asks; the button stops them.
    let response = client.get(&stop).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Stop the messages about report"));
    let token = stop.split("token=").nth(1).unwrap();
    let response = client.post(stop.split('?').next().unwrap()).form(&[("token", token)]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("no more messages"));
    let wrong =
        client.get(format!("{base}/api/v1/reports/{code}/notifications/stop?token=guess")).send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let wrong = client
        .post(format!("{base}/api/v1/reports/{code}/notifications/stop"))
        .form(&[("token", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let replied = client
        .post(format!("{base}/api/v1/reports/{code}/replies"))
        .json(&json!({ "secret": report.secret, "text": "The north side." }))
        .send()
        .await
        .unwrap();
    assert_eq!(replied.status(), 200);
    let resolved = eventually(SETTLE, "the case to take the resolution", || async {
        let (status, _) = citizen::work(&client, &base, case_id, "resolution", "Patched on Monday.").await;
        (status == 200).then_some(())
    });
    resolved.await;
    citizen::wait_for_status(&client, &base, &report, "resolved").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 2, "no e-mail after the citizen stopped them");
    assert_eq!(texts.lock().await.len(), 2, "no SMS after the citizen stopped them");

    let log = std::fs::read_to_string(dev.data_dir().join("dev.log")).unwrap();
    for address in [EMAIL, "5512 0099", "81155120099", "ratna.dewanti"] {
        assert!(!log.contains(address), "{address} is in the log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_is_reminded_once_before_silence_closes_the_report() {
    let smtp_port = free_port();
    let sink = SmtpSink::start(smtp_port).await;
    let dev = DevProcess::start_with_env(vec![
        ("ADUAN_SMTP_URL".into(), format!("smtp://127.0.0.1:{smtp_port}")),
        ("ADUAN_TEST_CLOCK".into(), "1".into()),
        ("ADUAN_CLOCK_TICK_MS".into(), "200".into()),
    ])
    .await;
    let base = dev.base_url();
    let client = reqwest::Client::new();
    let mut body = citizen::pothole(2);
    body["reporter"] = json!({ "email": EMAIL });
    let report = citizen::file(&client, &base, &body).await;
    let case = citizen::wait_in_inbox(&client, &base, "bandung-dpu", &report).await;
    let case_id = case["id"].as_str().unwrap();
    for (step, text) in [("follow-ups", "We will look on Monday."), ("resolution", "Patched on Monday.")] {
        assert_eq!(citizen::work(&client, &base, case_id, step, text).await.0, 200);
    }
    citizen::wait_for_status(&client, &base, &report, "resolved").await;
    let in_indonesian = |mails: &[String], words: &str| mails.iter().filter(|mail| mail.contains(words)).count();
    eventually(SETTLE, "the e-mail about the resolution", || async {
        (in_indonesian(&sink.messages(), "menyatakan laporan Anda selesai") == 1).then_some(())
    })
    .await;
    assert_eq!(in_indonesian(&sink.messages(), "akan ditutup"), 0, "no reminder on the day of the resolution");

    // Nine working days on (of the ten of silence): reminded, once, and the report still open to an answer.
    let today = aduan_e2e::staff::set_test_clock(&client, &base, 0).await;
    let days_ahead = (aduan_e2e::staff::add_weekdays(today, 9) - today).num_days();
    aduan_e2e::staff::set_test_clock(&client, &base, days_ahead).await;
    eventually(SETTLE, "the reminder before closing", || async {
        (in_indonesian(&sink.messages(), "akan ditutup dalam beberapa hari kerja") == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(in_indonesian(&sink.messages(), "akan ditutup"), 1, "one reminder per resolution");
    assert_eq!(citizen::status(&client, &base, &report).await["status"], "resolved");
}
