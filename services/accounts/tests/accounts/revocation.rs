//! Disabled users, ended sessions and revoked API tokens get no next token.

use aduan_access::{Grant, StaffRole};
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{App, PASSWORD, sql};

#[tokio::test]
async fn a_disabled_user_gets_no_next_token_and_cannot_sign_in() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let officer = app.staff("dewi", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;
    let path = format!("/api/v1/users/{}", officer.subject);

    let disabled = app.call(Method::PATCH, &path, Some(&admin.access_token), Some(json!({"disabled": true}))).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    assert_eq!(disabled.body["disabled"], json!(true));
    assert_eq!(app.exchange(&officer.session_token).await.code(), "session_invalid");
    assert_eq!(app.sign_in("dewi", PASSWORD, None).await.code(), "invalid_credentials");
    assert_eq!(app.get("/api/v1/me", &officer.access_token).await.code(), "session_invalid");

    let enabled = app.call(Method::PATCH, &path, Some(&admin.access_token), Some(json!({"disabled": false}))).await;
    assert_eq!(enabled.body["disabled"], json!(false));
    assert_eq!(app.exchange(&officer.session_token).await.code(), "session_invalid", "disabling ended the sessions");
    assert_eq!(app.sign_in("dewi", PASSWORD, None).await.status, StatusCode::CREATED);

    let own = format!("/api/v1/users/{}", admin.subject);
    let myself = app.call(Method::PATCH, &own, Some(&admin.access_token), Some(json!({"disabled": true}))).await;
    assert_eq!(myself.code(), "cannot_disable_self");
    app.finish().await;
}

#[tokio::test]
async fn sign_out_idle_and_expired_sessions_and_sign_out_everywhere() {
    let app = App::start().await;
    let officer = app.staff("dewi", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;

    let out = app.call(Method::DELETE, "/api/v1/sessions/current", Some(&officer.session_token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(app.exchange(&officer.session_token).await.code(), "session_invalid");
    let unknown = app.call(Method::DELETE, "/api/v1/sessions/current", Some("not-a-session"), None).await;
    assert_eq!(unknown.code(), "session_invalid");

    // Idle for half an hour, or past its twelve hours.
    let idle = app.sign_in("dewi", PASSWORD, None).await.text("session_token");
    sql(&app, "UPDATE staff_session SET last_used_at = now() - interval '31 minutes' WHERE revoked_at IS NULL").await;
    assert_eq!(app.exchange(&idle).await.code(), "session_invalid");
    let old = app.sign_in("dewi", PASSWORD, None).await.text("session_token");
    sql(&app, "UPDATE staff_session SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL").await;
    assert_eq!(app.exchange(&old).await.code(), "session_invalid");

    let first = app.sign_in("dewi", PASSWORD, None).await;
    let second = app.sign_in("dewi", PASSWORD, None).await;
    let everywhere = app.post("/api/v1/me/sessions/revocation", Some(&first.text("access_token")), json!({})).await;
    assert_eq!(everywhere.status, StatusCode::NO_CONTENT, "{:?}", everywhere.body);
    assert_eq!(app.exchange(&first.text("session_token")).await.code(), "session_invalid");
    assert_eq!(app.exchange(&second.text("session_token")).await.code(), "session_invalid");

    // The purge takes ended sessions a day later.
    sql(&app, "UPDATE staff_session SET revoked_at = now() - interval '2 days' WHERE revoked_at IS NOT NULL").await;
    assert!(aduan_accounts::purge_expired(&app.state).await.unwrap() >= 3);
    app.finish().await;
}

#[tokio::test]
async fn a_revoked_or_expired_api_token_gets_no_next_token() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let grants = [Grant::in_institution(StaffRole::Officer, "bandung-dpu")];
    let issue = || {
        app.post(
            "/api/v1/api-tokens",
            Some(&admin.access_token),
            json!({"name": "Integrasi SIMDA", "institution": "bandung-dpu", "grants": grants, "expires_in_days": 1}),
        )
    };
    let issued = issue().await;
    let token = issued.text("token");
    let exchange =
        |token: String| app.post("/api/v1/tokens", None, json!({"grant_type": "api_token", "api_token": token}));
    let exchanged = exchange(token.clone()).await;
    assert_eq!(app.verify(&exchanged.text("access_token")).await.unwrap().grants, grants.to_vec());

    let path = format!("/api/v1/api-tokens/{}", issued.text("id"));
    let revoked = app.call(Method::DELETE, &path, Some(&admin.access_token), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    assert_eq!(exchange(token).await.code(), "api_token_invalid");
    let listed = app.get("/api/v1/api-tokens", &admin.access_token).await;
    assert!(listed.body["items"][0]["revoked_at"].is_string());

    let expiring = issue().await;
    sql(&app, "UPDATE api_token SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL").await;
    assert_eq!(exchange(expiring.text("token")).await.code(), "api_token_invalid");
    let missing = app.call(Method::DELETE, "/api/v1/api-tokens/m-nothing", Some(&admin.access_token), None).await;
    assert_eq!(missing.code(), "api_token_not_found");
    app.finish().await;
}
