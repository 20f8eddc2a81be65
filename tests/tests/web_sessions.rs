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
