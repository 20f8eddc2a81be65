//! TOTP: enrolment, sign-in with a code, replay, the enrolment-only session
//! of someone policy requires a second factor of, and removal.

use aduan_access::{Grant, StaffRole};
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{App, PASSWORD, code_at};

#[tokio::test]
async fn an_enrolled_code_is_asked_for_at_sign_in_and_accepted_once() {
    let app = App::start().await;
    let mut officer = app.staff("dewi", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;
    assert_eq!(officer.totp_secret, None, "optional for an officer");
    officer.enrol_totp(&app).await;
    let secret = officer.totp_secret.clone().unwrap();
    let me = app.get("/api/v1/me", &officer.access_token).await;
    assert_eq!(me.body["totp_enabled"], json!(true));

    let without = app.sign_in("dewi", PASSWORD, None).await;
    assert_eq!((without.status, without.code()), (StatusCode::UNAUTHORIZED, "totp_required"));
    let wrong = app.sign_in("dewi", PASSWORD, Some("000000")).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    // The code used to confirm the enrolment was used already.
    let replayed = app.sign_in("dewi", PASSWORD, Some(&code_at(&secret, 0))).await;
    assert_eq!(replayed.code(), "invalid_credentials");
    let next = code_at(&secret, 1);
    let signed_in = app.sign_in("dewi", PASSWORD, Some(&next)).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{:?}", signed_in.body);
    let again = app.sign_in("dewi", PASSWORD, Some(&next)).await;
    assert_eq!(again.code(), "invalid_credentials", "a code is accepted once");

    // Enrolling twice is refused; removing takes a fresh code, and is
    // allowed for an officer.
    let twice = app.post("/api/v1/me/totp", Some(&officer.access_token), json!({})).await;
    assert_eq!((twice.status, twice.code()), (StatusCode::CONFLICT, "totp_already_enabled"));
    let stale =
        app.call(Method::DELETE, "/api/v1/me/totp", Some(&officer.access_token), Some(json!({"code": next}))).await;
    assert_eq!(stale.code(), "invalid_code");
    app.finish().await;
}

#[tokio::test]
async fn an_administrator_without_a_second_factor_can_only_enrol_one() {
    let app = App::start().await;
    let national_admin = Grant::national(StaffRole::Administrator);
    app.state.add_user("rina", "Rina", PASSWORD, vec![national_admin.clone()]).await.unwrap();
    let signed_in = app.sign_in("rina", PASSWORD, None).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["totp_enrolment_required"], json!(true));
    assert_eq!(signed_in.body["grants"], json!([]));
    let token = signed_in.text("access_token");
    assert!(app.verify(&token).await.unwrap().grants.is_empty(), "the token carries no grants");
    let session = signed_in.text("session_token");
    let exchanged = app.exchange(&session).await;
    assert!(app.verify(&exchanged.text("access_token")).await.unwrap().grants.is_empty());

    // It can do nothing but enrol.
    let create = app.post("/api/v1/users", Some(&token), json!({"username": "x-user", "display_name": "X"})).await;
    assert_eq!((create.status, create.code()), (StatusCode::FORBIDDEN, "not_permitted"));
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!((me.body["totp_required"].clone(), me.body["totp_enabled"].clone()), (json!(true), json!(false)));

    let begun = app.post("/api/v1/me/totp", Some(&token), json!({})).await;
    assert_eq!(begun.status, StatusCode::CREATED);
    let secret = begun.text("secret");
    assert!(begun.text("otpauth_url").starts_with("otpauth://totp/aduan:rina?"));
    let wrong = app.post("/api/v1/me/totp/confirmation", Some(&token), json!({"code": "123456"})).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_code"));
    let confirmed = app.post("/api/v1/me/totp/confirmation", Some(&token), json!({"code": code_at(&secret, 0)})).await;
    assert_eq!(confirmed.status, StatusCode::NO_CONTENT, "{:?}", confirmed.body);

    // The same session now carries the grants.
    let exchanged = app.exchange(&session).await;
    let claims = app.verify(&exchanged.text("access_token")).await.unwrap();
    assert_eq!(claims.grants, vec![national_admin.clone()]);

    // Sign-in now takes the code; the policy keeps the factor in place.
    assert_eq!(app.sign_in("rina", PASSWORD, None).await.code(), "totp_required");
    let with_code = app.sign_in("rina", PASSWORD, Some(&code_at(&secret, 1))).await;
    assert_eq!(with_code.body["totp_enrolment_required"], json!(false));
    assert_eq!(with_code.body["grants"], json!([national_admin]));
    let full = exchanged.text("access_token");
    let removal = app.call(Method::DELETE, "/api/v1/me/totp", Some(&full), Some(json!({"code": "000000"}))).await;
    assert_eq!((removal.status, removal.code()), (StatusCode::CONFLICT, "totp_required_by_policy"));
    app.finish().await;
}

#[tokio::test]
async fn an_officer_removes_a_second_factor_with_a_fresh_code() {
    let app = App::start().await;
    let mut officer = app.staff("joko", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;
    officer.enrol_totp(&app).await;
    let secret = officer.totp_secret.clone().unwrap();
    let removed = app
        .call(
            Method::DELETE,
            "/api/v1/me/totp",
            Some(&officer.access_token),
            Some(json!({"code": code_at(&secret, 1)})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    assert_eq!(app.sign_in("joko", PASSWORD, None).await.status, StatusCode::CREATED, "no code needed any more");
    let changes: Vec<String> = app.account_events().await.into_iter().map(|(event, _, _)| event.change).collect();
    assert!(
        changes.contains(&"totp_enrolled".to_owned()) && changes.contains(&"totp_removed".to_owned()),
        "{changes:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_administrator_resets_a_lost_second_factor() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let verifier = app.staff("verifier", vec![Grant::national(StaffRole::Verifier)]).await;
    assert!(verifier.totp_secret.is_some(), "policy made the verifier enrol");
    let path = format!("/api/v1/users/{}/totp", verifier.subject);
    let by_verifier = app.call(Method::DELETE, &path, Some(&verifier.access_token), None).await;
    assert_eq!(by_verifier.code(), "not_permitted");
    let reset = app.call(Method::DELETE, &path, Some(&admin.access_token), None).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);
    assert_eq!(app.exchange(&verifier.session_token).await.code(), "session_invalid");
    // The next sign-in can only enrol a new factor.
    let signed_in = app.sign_in("verifier", PASSWORD, None).await;
    assert_eq!(signed_in.body["totp_enrolment_required"], json!(true));
    assert_eq!(signed_in.body["grants"], json!([]));
    app.finish().await;
}
