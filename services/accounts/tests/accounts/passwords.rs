//! Changing a password, and resetting one with a one-time link.

use aduan_access::{Grant, StaffRole};
use axum::http::StatusCode;
use serde_json::json;

use crate::support::{App, PASSWORD, sql};

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = App::start().await;
    let officer = app.staff("dewi", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;
    let elsewhere = app.sign_in("dewi", PASSWORD, None).await.text("session_token");

    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let wrong = app
        .post("/api/v1/me/password", Some(&officer.access_token), change("not it at all", "a new long phrase"))
        .await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::FORBIDDEN, "wrong_password"));
    for weak in ["short", "password1234", "dewi", "aaaaaaaaaaaaaaaa"] {
        let answer = app.post("/api/v1/me/password", Some(&officer.access_token), change(PASSWORD, weak)).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::UNPROCESSABLE_ENTITY, "weak_password"), "{weak}");
    }
    let changed =
        app.post("/api/v1/me/password", Some(&officer.access_token), change(PASSWORD, "a new long phrase")).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:?}", changed.body);

    assert_eq!(app.exchange(&elsewhere).await.code(), "session_invalid", "the other session ended");
    assert_eq!(app.exchange(&officer.session_token).await.status, StatusCode::OK, "this one goes on");
    assert_eq!(app.sign_in("dewi", PASSWORD, None).await.code(), "invalid_credentials");
    assert_eq!(app.sign_in("dewi", "a new long phrase", None).await.status, StatusCode::CREATED);
    app.finish().await;
}

#[tokio::test]
async fn a_reset_link_works_once_and_not_after_it_expires() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let officer = app.staff("dewi", vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]).await;

    let issued = app
        .post(&format!("/api/v1/users/{}/password-reset", officer.subject), Some(&admin.access_token), json!({}))
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    let token = issued.text("reset_token");
    let expires_at: chrono::DateTime<chrono::Utc> = issued.text("expires_at").parse().unwrap();
    let lifetime = expires_at - chrono::Utc::now();
    assert!(lifetime > chrono::Duration::minutes(59) && lifetime <= chrono::Duration::hours(1));

    let weak = app.post("/api/v1/password-resets", None, json!({"reset_token": token, "new_password": "short"})).await;
    assert_eq!(weak.code(), "weak_password");
    let used = app
        .post("/api/v1/password-resets", None, json!({"reset_token": token, "new_password": "set by the link"}))
        .await;
    assert_eq!(used.status, StatusCode::NO_CONTENT, "{:?}", used.body);
    let twice = app
        .post("/api/v1/password-resets", None, json!({"reset_token": token, "new_password": "set it again now"}))
        .await;
    assert_eq!((twice.status, twice.code()), (StatusCode::UNAUTHORIZED, "reset_token_invalid"));
    assert_eq!(app.exchange(&officer.session_token).await.code(), "session_invalid", "every session ended");
    assert_eq!(app.sign_in("dewi", "set by the link", None).await.status, StatusCode::CREATED);

    // A link past its hour is refused.
    let issued = app
        .post(&format!("/api/v1/users/{}/password-reset", officer.subject), Some(&admin.access_token), json!({}))
        .await;
    sql(&app, "UPDATE password_reset SET expires_at = now() - interval '1 second' WHERE used_at IS NULL").await;
    let late = app
        .post(
            "/api/v1/password-resets",
            None,
            json!({"reset_token": issued.text("reset_token"), "new_password": "too late for this"}),
        )
        .await;
    assert_eq!(late.code(), "reset_token_invalid");
    let unknown = app
        .post("/api/v1/password-resets", None, json!({"reset_token": "nope", "new_password": "too late for this"}))
        .await;
    assert_eq!(unknown.code(), "reset_token_invalid");

    // Only an administrator issues them.
    let refused = app
        .post(&format!("/api/v1/users/{}/password-reset", admin.subject), Some(&officer.access_token), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "the officer's session ended with the reset");
    app.finish().await;
}
