//! Browser sessions with web, over HTTP as a browser sends it: cookies that
//! scripts cannot read, a new session id at sign-in, forms from other sites
//! refused, sign-out that ends the session in accounts too, and the headers
//! every page carries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_e2e::dev::DevProcess;
use reqwest::header::{self, HeaderMap};
use reqwest::redirect::Policy;

/// The `aduan_session` cookie a response sets, whole (`aduan_session=…; HttpOnly; …`).
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("aduan_session="))
        .map(str::to_owned)
}

/// Just `aduan_session=…`, to send back.
fn pair(cookie: &str) -> String {
    cookie.split(';').next().unwrap().to_owned()
}

async fn sign_in(client: &reqwest::Client, base: &str, cookie: Option<&str>, password: &str) -> reqwest::Response {
    let mut request = client.post(format!("{base}/sign-in")).form(&[
        ("username", "demo.officer"),
        ("password", password),
        ("next", "/staff"),
    ]);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn staff_page(client: &reqwest::Client, base: &str, cookie: &str) -> reqwest::Response {
    client.get(format!("{base}/staff")).header(header::COOKIE, cookie).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_http_only_renewed_at_sign_in_protected_from_other_sites_and_ended_everywhere() {
    let dev = DevProcess::start().await;
    let base = dev.base_url();
    let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();

    // Not signed in: to the sign-in page, and back afterwards.
    let response = client.get(format!("{base}/staff/account")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/sign-in?next=%2Fstaff%2Faccount");

    // A wrong password: the form again with the reason, no session, the password never echoed.
    let response = sign_in(&client, &base, None, "not-the-password-at-all").await;
    assert_eq!(response.status(), 401);
    assert!(session_cookie(response.headers()).is_none(), "no session for a failed sign-in");
    let page = response.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && !page.contains("not-the-password-at-all"), "{page}");

    // A session that existed before signing in (here, the one signing out
    // leaves for its message) is not the one after: no fixation.
    let response = sign_in(&client, &base, None, "officer-demo-password").await;
    assert_eq!(response.status(), 303);
    let first = session_cookie(response.headers()).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(first.contains(attribute), "{attribute} missing: {first}");
    }
    assert!(!first.contains("Secure"), "plain http in aduan dev: {first}");
    let response = client.post(format!("{base}/sign-out")).header(header::COOKIE, pair(&first)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let before = pair(&session_cookie(response.headers()).expect("the signed-out page's session"));
    let response = sign_in(&client, &base, Some(&before), "officer-demo-password").await;
    assert_eq!(response.status(), 303);
    let after = pair(&session_cookie(response.headers()).expect("a session cookie"));
    assert_ne!(before, after, "the session id changes at sign-in");
    assert_eq!(staff_page(&client, &base, &before).await.status(), 303, "the old id opens nothing");
    let page = staff_page(&client, &base, &after).await;
    assert_eq!(page.status(), 200);

    // Every page: no cache, no framing, no script, forms only to this site.
    let headers = page.headers().clone();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("form-action 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "no script runs: {policy}");
    let stylesheet = client.get(format!("{base}/static/aduan.css")).send().await.unwrap();
    assert!(stylesheet.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"));

    // A form posted from another site is refused and changes nothing.
    let forged = client
        .post(format!("{base}/sign-out"))
        .header(header::COOKIE, &after)
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(staff_page(&client, &base, &after).await.status(), 200, "still signed in");

    // Signing out ends the session in accounts too: its session token is dead.
    let web_db = sea_orm::Database::connect(dev.database_url("web")).await.unwrap();
    let stored = aduan_e2e::strings(&web_db, "SELECT data FROM web_session").await;
    let token = stored
        .iter()
        .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
        .find_map(|data| data["staff"]["session_token"].as_str().map(str::to_owned))
        .expect("the signed-in session holds accounts' session token");
    assert!(!stored.iter().any(|data| data.contains("officer-demo-password")), "no password is kept");
    let response = client.post(format!("{base}/sign-out")).header(header::COOKIE, &after).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(staff_page(&client, &base, &after).await.status(), 303, "signed out");
    let exchange = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&serde_json::json!({ "grant_type": "session", "session_token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(exchange.status(), 401, "accounts ended the session too");
    web_db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_form_sent_twice_from_one_browser_files_one_report() {
    let dev = DevProcess::start().await;
    let base = dev.base_url();
    let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let form = || {
        reqwest::multipart::Form::new()
            .text("kind", "complaint")
            .text("category", "roads")
            .text("region", "32.73")
            .text("title", "Broken kerb on Jalan Dago")
            .text("description", "The kerb in front of number 40 is broken and blocks the gutter.")
            .text("privacy", "confidential")
    };
    let first = client.post(format!("{base}/file")).multipart(form()).send().await.unwrap();
    assert_eq!(first.status(), 201);
    let cookie = pair(&session_cookie(first.headers()).expect("a session keeps the code and secret"));
    let first = first.text().await.unwrap();
    let code = |page: &str| page.split("id=\"tracking-code\">").nth(1).unwrap().split('<').next().unwrap().to_owned();

    // A second tap on the button: the same report, shown again.
    let again = client.post(format!("{base}/file")).header(header::COOKIE, &cookie).multipart(form()).send().await;
    let again = again.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(code(&again.text().await.unwrap()), code(&first));
    // Another browser sending the same words files its own.
    let other = client.post(format!("{base}/file")).multipart(form()).send().await.unwrap();
    assert_eq!(other.status(), 201);
    assert_ne!(code(&other.text().await.unwrap()), code(&first));
    let intake = aduan_e2e::open_database(&dev.database_url("intake")).await;
    assert_eq!(aduan_e2e::count(&intake, "SELECT COUNT(*) FROM report").await, 2);
}

/// The local OIDC provider (npm `oauth2-mock-server`, installed by
/// scripts/test.sh), stopped when dropped.
struct Provider {
    child: std::process::Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider() -> Provider {
    use std::io::BufRead as _;
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/accounts/tests/oidc");
    assert!(
        folder.join("node_modules/oauth2-mock-server").is_dir(),
        "the OIDC test provider is not installed: run `npm ci --prefix services/accounts/tests/oidc`"
    );
    let mut child = std::process::Command::new("node")
        .arg("start.mjs")
        .current_dir(&folder)
        .env("OIDC_SUBJECT", "oidc-web-user")
        .env("OIDC_NAME", "Petugas Lewat SSO")
        .env("OIDC_GROUPS", r#"["bandung-roads"]"#)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node for the OIDC test provider");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).expect("the OIDC test provider's address");
    Provider { child, issuer: ready["issuer"].as_str().unwrap().to_owned() }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_sign_in_with_the_organisations_provider_from_the_sign_in_page() {
    let provider = start_provider();
    let folder = std::env::temp_dir().join(format!("aduan-oidc-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    let claims = folder.join("claims.toml");
    std::fs::write(&claims, "claim = \"groups\"\n[grants]\n\"bandung-roads\" = [\"officer@bandung-dpu\"]\n").unwrap();
    let env = [
        ("ADUAN_OIDC_ISSUER_URL", provider.issuer.clone()),
        ("ADUAN_OIDC_CLIENT_ID", "aduan-web-test".to_owned()),
        ("ADUAN_OIDC_CLIENT_SECRET", "web-test-client-secret".to_owned()),
        // The provider sends the browser here; this test carries the answer over itself.
        ("ADUAN_OIDC_REDIRECT_URL", "http://127.0.0.1:9/sign-in/oidc/callback".to_owned()),
        ("ADUAN_OIDC_CLAIMS_FILE", claims.display().to_string()),
    ];
    let dev =
        DevProcess::start_with_env(env.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect()).await;
    let base = dev.base_url();
    let browser = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();

    let page = browser.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/sign-in/oidc\""), "the sign-in page offers the provider");
    let begun = browser.get(format!("{base}/sign-in/oidc")).send().await.unwrap();
    assert_eq!(begun.status(), 302);
    let started_here = pair(&session_cookie(begun.headers()).expect("the sign-in's browser session"));
    let authorize = begun.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    let approved = browser.get(&authorize).send().await.unwrap();
    let back = reqwest::Url::parse(approved.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(back.path(), "/sign-in/oidc/callback");
    let callback = format!("{base}/sign-in/oidc/callback?{}", back.query().unwrap());

    // The answer opened in another browser signs nobody in there (login CSRF).
    let elsewhere = browser.get(&callback).send().await.unwrap();
    assert_eq!(elsewhere.status(), 401);
    let signed_in = browser.get(&callback).header(header::COOKIE, &started_here).send().await.unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[header::LOCATION], "/staff");
    let cookie = pair(&session_cookie(signed_in.headers()).expect("a session"));
    let workspace = staff_page(&browser, &base, &cookie).await;
    assert_eq!(workspace.status(), 200);
    assert!(workspace.text().await.unwrap().contains("Petugas Lewat SSO"), "signed in as the provider's user");

    // The same answer twice signs nobody in; nor does a provider's refusal.
    let replayed = browser.get(&callback).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(replayed.status(), 401);
    assert!(replayed.text().await.unwrap().contains("role=\"alert\""));
    let denied = browser.get(format!("{base}/sign-in/oidc/callback?error=access_denied")).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    drop(dev);
    std::fs::remove_dir_all(&folder).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_provider_the_sign_in_page_offers_only_the_password() {
    let dev = DevProcess::start().await;
    let base = dev.base_url();
    let browser = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let page = browser.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/sign-in/oidc"));
    let begun = browser.get(format!("{base}/sign-in/oidc")).send().await.unwrap();
    assert_eq!(begun.status(), 404);
}
