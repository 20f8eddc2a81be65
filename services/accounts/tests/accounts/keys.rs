//! Key rotation: tokens signed by the old key verify while it is published,
//! then no more; rotation on demand and by age.

use std::time::Duration;

use aduan_access::{Grant, StaffRole, TokenError};
use axum::http::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::{App, sql};

fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotated_key_verifies_its_tokens_until_it_is_dropped() {
    let app = App::start().await;
    let mut admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let old_token = admin.access_token.clone();
    let old_kid = kid_of(&old_token);

    let rotated = app.post("/api/v1/keys/rotation", Some(&admin.access_token), json!({})).await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{:?}", rotated.body);
    let new_kid = rotated.text("kid");
    assert_ne!(new_kid, old_kid);
    let keys = app.keys().await;
    assert!(keys.get(&old_kid).is_some() && keys.get(&new_kid).is_some(), "both published");
    assert!(app.verify(&old_token).await.is_ok(), "the old token still verifies");

    admin.refresh(&app).await;
    assert_eq!(kid_of(&admin.access_token), new_kid, "new tokens use the new key");

    // Once every token the old key signed has expired, it is dropped.
    sql(&app, &format!("UPDATE signing_key SET retired_at = now() - interval '361 seconds' WHERE kid = '{old_kid}'"))
        .await;
    assert!(matches!(app.verify(&old_token).await, Err(TokenError::UnknownKey(_))));
    assert!(app.verify(&admin.access_token).await.is_ok());

    // Rotation is for national administrators.
    let subtree =
        app.staff("bandung.admin", vec![Grant::in_institution(StaffRole::Administrator, "pemkot-bandung")]).await;
    let refused = app.post("/api/v1/keys/rotation", Some(&subtree.access_token), json!({})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "not_permitted"));
    app.finish().await;
}

#[tokio::test]
async fn an_old_key_is_rotated_and_an_expired_one_dropped_in_the_background() {
    let app = App::start().await;
    app.state.ensure_signing_key().await.unwrap();
    let first = app.keys().await;
    sql(&app, "UPDATE signing_key SET created_at = now() - interval '31 days'").await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(aduan_accounts::keep_keys_rotated(app.state.clone(), stop.clone()));
    let mut rotated = false;
    for _ in 0..100 {
        let answer = app.call(axum::http::Method::GET, "/api/v1/keys", None, None).await;
        if answer.body["keys"].as_array().is_some_and(|keys| keys.len() == 2) {
            rotated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    task.await.unwrap();
    assert!(rotated, "a key older than 30 days is replaced");
    assert!(!first.is_empty());

    sql(&app, "UPDATE signing_key SET retired_at = now() - interval '1 hour' WHERE retired_at IS NOT NULL").await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(aduan_accounts::keep_keys_rotated(app.state.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    task.await.unwrap();
    let remaining = aduan_accounts::entities::signing_key::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(remaining, 1, "the retired key is dropped");
    app.finish().await;
}
