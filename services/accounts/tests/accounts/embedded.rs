//! The main flows on SQLite, as `aduan dev` runs accounts, and the OpenAPI
//! description of every route.

use aduan_access::{Grant, StaffRole};
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{App, PASSWORD, code_at, sql};

#[tokio::test]
async fn the_main_flows_work_on_sqlite() {
    let app = App::sqlite().await;
    let mut admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    assert!(admin.totp_secret.is_some(), "enrolled at the first sign-in");
    let created = app
        .post(
            "/api/v1/users",
            Some(&admin.access_token),
            json!({"username": "dewi", "display_name": "Dewi", "institution": "bandung-dpu", "password": PASSWORD,
                   "grants": [Grant::in_institution(StaffRole::Officer, "bandung-dpu")]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let dewi = app.sign_in("dewi", PASSWORD, None).await;
    assert_eq!(dewi.status, StatusCode::CREATED, "{:?}", dewi.body);
    assert_eq!(app.exchange(&dewi.text("session_token")).await.status, StatusCode::OK);

    for _ in 0..4 {
        assert_eq!(app.sign_in("dewi", "not her password", None).await.code(), "invalid_credentials");
    }
    assert_eq!(app.sign_in("dewi", "not her password", None).await.code(), "too_many_attempts");
    assert_eq!(app.sign_in("dewi", PASSWORD, None).await.code(), "too_many_attempts");

    let secret = admin.totp_secret.clone().unwrap();
    let admin_again = app.sign_in("admin", PASSWORD, Some(&code_at(&secret, 1))).await;
    assert_eq!(admin_again.status, StatusCode::CREATED, "{:?}", admin_again.body);

    let old = admin.access_token.clone();
    let rotated = app.post("/api/v1/keys/rotation", Some(&admin.access_token), json!({})).await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{:?}", rotated.body);
    assert!(app.verify(&old).await.is_ok());
    sql(&app, "UPDATE signing_key SET retired_at = '2000-01-01T00:00:00+00:00' WHERE retired_at IS NOT NULL").await;
    assert!(app.verify(&old).await.is_err(), "dropped from the published keys");
    admin.refresh(&app).await;

    let path = format!("/api/v1/users/{}", created.text("id"));
    let disabled = app.call(Method::PATCH, &path, Some(&admin.access_token), Some(json!({"disabled": true}))).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    assert_eq!(app.exchange(&dewi.text("session_token")).await.code(), "session_invalid");
    let reset = app.post(&format!("{path}/password-reset"), Some(&admin.access_token), json!({})).await;
    let used = app
        .post(
            "/api/v1/password-resets",
            None,
            json!({"reset_token": reset.text("reset_token"), "new_password": "a new long phrase"}),
        )
        .await;
    assert_eq!(used.status, StatusCode::NO_CONTENT, "{:?}", used.body);
    assert!(aduan_accounts::purge_expired(&app.state).await.is_ok());
    assert!(app.account_events().await.len() >= 8);
    let (subscription, _handler) = aduan_accounts::consumer(&app.state);
    assert_eq!(
        (subscription.consumer.as_str(), subscription.bindings),
        ("accounts", vec!["registry.changed".to_owned()])
    );
    app.finish().await;
}

#[test]
fn every_route_is_described() {
    let openapi = aduan_accounts::api::openapi();
    let mut paths: Vec<String> = openapi
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = [
                ("get", item.get.is_some()),
                ("post", item.post.is_some()),
                ("put", item.put.is_some()),
                ("patch", item.patch.is_some()),
                ("delete", item.delete.is_some()),
            ];
            methods.into_iter().filter(|(_, present)| *present).map(move |(method, _)| format!("{method} {path}"))
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "delete /api/v1/api-tokens/{id}",
            "delete /api/v1/me/totp",
            "delete /api/v1/sessions/current",
            "delete /api/v1/users/{id}/totp",
            "get /api/v1/api-tokens",
            "get /api/v1/keys",
            "get /api/v1/me",
            "get /api/v1/oidc",
            "get /api/v1/oidc/authorization",
            "get /api/v1/oidc/callback",
            "get /api/v1/users",
            "get /api/v1/users/{id}",
            "patch /api/v1/users/{id}",
            "post /api/v1/api-tokens",
            "post /api/v1/keys/rotation",
            "post /api/v1/me/password",
            "post /api/v1/me/sessions/revocation",
            "post /api/v1/me/totp",
            "post /api/v1/me/totp/confirmation",
            "post /api/v1/password-resets",
            "post /api/v1/sessions",
            "post /api/v1/tokens",
            "post /api/v1/users",
            "post /api/v1/users/{id}/password-reset",
            "put /api/v1/users/{id}/grants",
        ]
    );
}
