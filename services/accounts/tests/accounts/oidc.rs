//! OIDC sign-in against a local provider (npm `oauth2-mock-server`, run by
//! Node from `tests/oidc/`; install it there with `npm ci` first).

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use aduan_access::{Grant, StaffRole, SubjectKind};
use aduan_accounts::{AccountsSettings, ClaimMapping, OidcSettings};
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{App, test_settings};

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider(subject: &str, groups: &[&str]) -> Provider {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("oidc");
    assert!(
        folder.join("node_modules").join("oauth2-mock-server").is_dir(),
        "the OIDC test provider is not installed: run `npm ci --prefix services/accounts/tests/oidc` (Node 20.19 or later)"
    );
    let mut child = Command::new("node")
        .arg("start.mjs")
        .current_dir(&folder)
        .env("OIDC_SUBJECT", subject)
        .env("OIDC_GROUPS", serde_json::to_string(groups).unwrap())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run node for the OIDC test provider: {error}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("the OIDC test provider did not start: {line:?}"));
    Provider { child, issuer: ready["issuer"].as_str().unwrap().to_owned() }
}

const MAPPING: &str = r#"
claim = "groups"
[grants]
"bandung-roads" = ["officer@bandung-dpu"]
"aduan-verifiers" = ["verifier"]
"#;

fn settings(provider: &Provider) -> AccountsSettings {
    AccountsSettings {
        oidc: Some(OidcSettings {
            issuer_url: provider.issuer.clone(),
            client_id: "aduan-test".into(),
            client_secret: "test-client-secret".into(),
            redirect_url: "http://127.0.0.1:9/signed-in".into(),
            mapping: ClaimMapping::parse(MAPPING).unwrap(),
        }),
        ..test_settings()
    }
}

/// Begins a sign-in at accounts, lets the provider approve it, and answers
/// the code and state it sends back.
async fn approve(app: &App) -> (String, String) {
    let begun = app.call(Method::GET, "/api/v1/oidc/authorization", None, None).await;
    assert_eq!(begun.status, StatusCode::FOUND, "{:?}", begun.body);
    let authorize = begun.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    assert!(authorize.contains("code_challenge=") && authorize.contains("nonce=") && authorize.contains("state="));
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let approved = browser.get(&authorize).send().await.unwrap();
    assert!(approved.status().is_redirection(), "{}", approved.status());
    let back = reqwest::Url::parse(approved.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with("http://127.0.0.1:9/signed-in"), "{back}");
    let find =
        |name: &str| back.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned()).unwrap();
    (find("code"), find("state"))
}

fn callback(code: &str, state: &str) -> String {
    let mut url = reqwest::Url::parse("http://accounts/api/v1/oidc/callback").unwrap();
    url.query_pairs_mut().append_pair("code", code).append_pair("state", state);
    format!("{}?{}", url.path(), url.query().unwrap())
}

#[tokio::test]
async fn staff_sign_in_with_the_provider_and_get_the_mapped_grants() {
    let provider = start_provider("oidc-user-1", &["bandung-roads", "unrelated-group"]);
    let app = App::with_settings(settings(&provider)).await;

    let (code, state) = approve(&app).await;
    let signed_in = app.call(Method::GET, &callback(&code, &state), None, None).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    let officer = Grant::in_institution(StaffRole::Officer, "bandung-dpu");
    assert_eq!(signed_in.body["grants"], json!([officer]));
    assert_eq!(signed_in.body["totp_enrolment_required"], json!(false));
    let claims = app.verify(&signed_in.text("access_token")).await.unwrap();
    assert!(claims.sub.starts_with("u-") && claims.kind == SubjectKind::User);
    assert_eq!(claims.grants, vec![officer]);
    let me = app.get("/api/v1/me", &signed_in.text("access_token")).await;
    assert!(me.text("username").starts_with("oidc-"), "{:?}", me.body);
    assert_eq!(me.text("display_name"), "Petugas Uji");
    assert_eq!(app.exchange(&signed_in.text("session_token")).await.status, StatusCode::OK);

    // A state works once.
    let replayed = app.call(Method::GET, &callback(&code, &state), None, None).await;
    assert_eq!((replayed.status, replayed.code()), (StatusCode::UNAUTHORIZED, "oidc_state_invalid"));
    let forged = app.call(Method::GET, &callback(&code, "a-state-we-never-sent"), None, None).await;
    assert_eq!(forged.code(), "oidc_state_invalid");
    let denied = app.call(Method::GET, "/api/v1/oidc/callback?error=access_denied", None, None).await;
    assert_eq!(denied.code(), "oidc_denied");

    // The same provider subject is the same user the next time.
    let (code, state) = approve(&app).await;
    let again = app.call(Method::GET, &callback(&code, &state), None, None).await;
    assert_eq!(again.text("subject"), claims.sub);
    let created: Vec<_> = app.account_events().await.into_iter().filter(|(e, _, _)| e.change == "created").collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].1, "accounts");
    drop(provider);
    app.finish().await;
}

#[tokio::test]
async fn a_provider_user_without_a_mapped_group_is_refused() {
    let provider = start_provider("oidc-user-2", &["nothing-mapped"]);
    let app = App::with_settings(settings(&provider)).await;
    let (code, state) = approve(&app).await;
    let refused = app.call(Method::GET, &callback(&code, &state), None, None).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "no_mapped_grants"));
    assert!(app.account_events().await.iter().all(|(e, _, _)| e.change != "created"), "no user is made");
    drop(provider);

    // Without a provider configured, the endpoints say so.
    let plain = App::start().await;
    let answer = plain.call(Method::GET, "/api/v1/oidc/authorization", None, None).await;
    assert_eq!((answer.status, answer.code()), (StatusCode::NOT_FOUND, "oidc_not_configured"));
    plain.finish().await;
    app.finish().await;
}
