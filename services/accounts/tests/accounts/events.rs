//! Every change is an `AccountChanged` event in the outbox, naming people by
//! pseudonymous ids only.

use aduan_access::{Grant, StaffRole};
use axum::http::Method;
use serde_json::json;

use crate::support::{App, code_at};

#[tokio::test]
async fn every_change_is_an_event_without_a_name_or_an_address() {
    let app = App::start().await;
    let admin = app.staff("admin.pusat", vec![Grant::national(StaffRole::Administrator)]).await;
    let token = admin.access_token.as_str();
    let created = app
        .post(
            "/api/v1/users",
            Some(token),
            json!({
                "username": "siti.rahayu", "display_name": "Siti Rahayu Kusumawati", "email": "siti.rahayu@bandung.go.id",
                "institution": "bandung-dpu", "password": "a fine long password",
                "grants": [Grant::in_institution(StaffRole::Officer, "bandung-dpu")]
            }),
        )
        .await;
    let id = created.text("id");
    let path = format!("/api/v1/users/{id}");
    app.call(
        Method::PUT,
        &format!("{path}/grants"),
        Some(token),
        Some(json!({"grants": [Grant::national(StaffRole::Auditor)]})),
    )
    .await;
    app.call(Method::PATCH, &path, Some(token), Some(json!({"disabled": true}))).await;
    app.call(Method::PATCH, &path, Some(token), Some(json!({"disabled": false, "display_name": "Siti R."}))).await;
    let reset = app.post(&format!("{path}/password-reset"), Some(token), json!({})).await;
    app.post(
        "/api/v1/password-resets",
        None,
        json!({"reset_token": reset.text("reset_token"), "new_password": "siti's new phrase"}),
    )
    .await;
    let mut siti = crate::support::Staff {
        username: "siti.rahayu".into(),
        subject: id.clone(),
        session_token: app.sign_in("siti.rahayu", "siti's new phrase", None).await.text("session_token"),
        access_token: String::new(),
        totp_secret: None,
    };
    siti.refresh(&app).await;
    siti.enrol_totp(&app).await;
    let secret = siti.totp_secret.clone().unwrap();
    app.call(Method::DELETE, "/api/v1/me/totp", Some(&siti.access_token), Some(json!({"code": code_at(&secret, 1)})))
        .await;
    app.post(
        "/api/v1/me/password",
        Some(&siti.access_token),
        json!({"current_password": "siti's new phrase", "new_password": "another fine phrase"}),
    )
    .await;
    app.post("/api/v1/me/sessions/revocation", Some(&siti.access_token), json!({})).await;
    for _ in 0..5 {
        app.sign_in("siti.rahayu", "not her password at all", None).await;
    }
    let issued = app.post("/api/v1/api-tokens", Some(token), json!({"name": "Mitra", "expires_in_days": 7})).await;
    app.call(Method::DELETE, &format!("/api/v1/api-tokens/{}", issued.text("id")), Some(token), None).await;
    app.post("/api/v1/keys/rotation", Some(token), json!({})).await;

    let events = app.account_events().await;
    let changes: Vec<&str> = events.iter().map(|(event, _, _)| event.change.as_str()).collect();
    for expected in [
        "created",
        "grants_changed",
        "disabled",
        "enabled",
        "password_reset_issued",
        "password_changed",
        "totp_enrolled",
        "totp_removed",
        "signed_out_everywhere",
        "locked",
        "api_token_issued",
        "api_token_revoked",
        "signing_key_rotated",
    ] {
        assert!(changes.contains(&expected), "no {expected} in {changes:?}");
    }
    let created_event = events.iter().find(|(e, _, _)| e.change == "created" && e.subject == id).unwrap();
    assert_eq!(created_event.0.grants, vec!["officer@bandung-dpu"]);
    assert_eq!(created_event.1, admin.subject, "the acting administrator, by pseudonym");
    let grants_event = events.iter().find(|(e, _, _)| e.change == "grants_changed").unwrap();
    assert_eq!(grants_event.0.grants, vec!["auditor"]);

    for (event, actor, payload) in &events {
        let subject_ok = ["u-", "m-", "k-"].iter().any(|prefix| event.subject.starts_with(prefix));
        assert!(subject_ok, "{}", event.subject);
        assert!(actor.starts_with("u-") || actor == "accounts", "{actor}");
        let text = String::from_utf8_lossy(payload);
        for personal in ["siti", "Siti", "Rahayu", "bandung.go.id", "admin.pusat", "Staf Uji", "Mitra"] {
            assert!(!text.contains(personal), "{personal} in the {} event", event.change);
        }
    }
    app.finish().await;
}
