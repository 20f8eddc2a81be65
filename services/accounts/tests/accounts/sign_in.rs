//! Signing in, exchanging sessions and API tokens for access tokens,
//! lockout, and the demo users.

use std::time::Instant;

use aduan_access::{Grant, StaffRole, SubjectKind};
use aduan_accounts::AccountsSettings;
use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{App, PASSWORD, sql, test_settings};

#[tokio::test]
async fn a_sign_in_gives_a_session_and_tokens_that_verify_with_the_published_keys() {
    let app = App::start().await;
    let officer = Grant::in_institution(StaffRole::Officer, "bandung-dpu");
    let subject = app.state.add_user("Siti.Rahayu", "Siti Rahayu", PASSWORD, vec![officer.clone()]).await.unwrap();
    assert!(subject.starts_with("u-"), "{subject}");

    // Case does not matter in the username.
    let signed_in = app.sign_in("SITI.rahayu", PASSWORD, None).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{:?}", signed_in.body);
    assert_eq!(signed_in.text("subject"), subject);
    assert_eq!(signed_in.body["grants"], json!([officer]));
    assert_eq!(signed_in.body["totp_enrolment_required"], json!(false));
    assert_eq!(signed_in.body["token_type"], json!("Bearer"));
    assert_eq!(signed_in.body["expires_in"], json!(300));
    assert_eq!(signed_in.text("session_token").len(), 43);

    let claims = app.verify(&signed_in.text("access_token")).await.unwrap();
    assert_eq!(claims.sub, subject, "the pseudonymous id, never the username");
    assert_eq!(claims.kind, SubjectKind::User);
    assert_eq!(claims.grants, vec![officer.clone()]);
    assert_eq!(claims.exp - claims.iat, 300);
    assert!(claims.sid.as_deref().is_some_and(|sid| sid.starts_with("s-")));
    assert!(!signed_in.text("access_token").contains("siti"));

    let exchanged = app.exchange(&signed_in.text("session_token")).await;
    assert_eq!(exchanged.status, StatusCode::OK, "{:?}", exchanged.body);
    assert_eq!(exchanged.body["token_type"], json!("Bearer"));
    let again = app.verify(&exchanged.text("access_token")).await.unwrap();
    assert_eq!((again.sub, again.grants, again.sid), (subject.clone(), vec![officer], claims.sid));

    let me = app.get("/api/v1/me", &exchanged.text("access_token")).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!((me.text("subject"), me.text("username")), (subject, "siti.rahayu".to_owned()));
    assert_eq!(me.body["totp_required"], json!(false));

    // The keys are public and may be cached for a minute.
    let keys = app.call(Method::GET, "/api/v1/keys", None, None).await;
    assert_eq!(keys.headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=60");
    assert_eq!(keys.body["keys"][0]["kty"], json!("OKP"));
    assert_eq!(keys.body["keys"][0]["crv"], json!("Ed25519"));
    app.finish().await;
}

#[tokio::test]
async fn wrong_usernames_and_passwords_look_the_same_and_take_as_long() {
    let app = App::start().await;
    app.state.add_user("budi", "Budi", PASSWORD, vec![]).await.unwrap();
    let mut wrong_password = Vec::new();
    let mut no_such_user = Vec::new();
    for _ in 0..3 {
        let (checks, started) = (app.state.password_checks(), Instant::now());
        let answer = app.sign_in("budi", "not the password at all", None).await;
        wrong_password.push(started.elapsed());
        assert_eq!((answer.status, answer.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
        assert_eq!(app.state.password_checks(), checks + 1, "a wrong password is one argon2 check");
        let (checks, started) = (app.state.password_checks(), Instant::now());
        let answer = app.sign_in("nobody-here", "not the password at all", None).await;
        no_such_user.push(started.elapsed());
        assert_eq!((answer.status, answer.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
        assert_eq!(answer.body["error"]["message"], json!("the username, password or code is not right"));
        assert_eq!(app.state.password_checks(), checks + 1, "no such user is one argon2 check too");
    }
    // So neither answer is much quicker; loosely, as other tests share the
    // machine's cores (the count above is the exact check).
    wrong_password.sort();
    no_such_user.sort();
    let (a, b) = (wrong_password[1], no_such_user[1]);
    assert!(b * 20 > a && a * 20 > b, "wrong password {a:?}, no such user {b:?}");
    let malformed = app.post("/api/v1/sessions", None, json!({"username": "budi"})).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    app.finish().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_username_for_a_time_that_doubles() {
    let app = App::start().await;
    let subject = app.state.add_user("budi", "Budi", PASSWORD, vec![]).await.unwrap();
    for attempt in 1..=4 {
        let answer = app.sign_in("budi", "wrong password, again", None).await;
        assert_eq!(answer.code(), "invalid_credentials", "attempt {attempt}");
    }
    let fifth = app.sign_in("budi", "wrong password, again", None).await;
    assert_eq!((fifth.status, fifth.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    // Locked: even the right password is refused, with Retry-After.
    let locked = app.sign_in("budi", PASSWORD, None).await;
    assert_eq!((locked.status, locked.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    let retry: u64 = locked.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((50..=60).contains(&retry), "{retry}");

    // The minute passes; five more failures lock it for two.
    sql(&app, "UPDATE sign_in_throttle SET locked_until = now() - interval '1 second'").await;
    for _ in 1..=4 {
        assert_eq!(app.sign_in("budi", "wrong password, again", None).await.code(), "invalid_credentials");
    }
    let again = app.sign_in("budi", "wrong password, again", None).await;
    let retry: u64 = again.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((110..=120).contains(&retry), "{retry}");

    // A success clears it all.
    sql(&app, "UPDATE sign_in_throttle SET locked_until = now() - interval '1 second'").await;
    assert_eq!(app.sign_in("budi", PASSWORD, None).await.status, StatusCode::CREATED);
    for _ in 1..=4 {
        assert_eq!(app.sign_in("budi", "wrong password, again", None).await.code(), "invalid_credentials");
    }
    assert_eq!(app.sign_in("budi", PASSWORD, None).await.status, StatusCode::CREATED, "four failures do not lock");

    // A username nobody has locks the same way: a lockout tells nothing.
    for _ in 1..=4 {
        assert_eq!(app.sign_in("nobody-here", "wrong password, again", None).await.code(), "invalid_credentials");
    }
    assert_eq!(app.sign_in("nobody-here", "wrong password, again", None).await.code(), "too_many_attempts");

    let locks: Vec<_> = app.account_events().await.into_iter().filter(|(e, _, _)| e.change == "locked").collect();
    assert_eq!(locks.len(), 2, "one event per lockout of a real user");
    assert!(locks.iter().all(|(event, actor, _)| event.subject == subject && actor == "accounts"));
    app.finish().await;
}

#[tokio::test]
async fn api_tokens_are_exchanged_for_machine_tokens() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let issued = app
        .post(
            "/api/v1/api-tokens",
            Some(&admin.access_token),
            json!({"name": "Mitra Open311 Bandung", "grants": [], "expires_in_days": 30}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    let token = issued.text("token");
    assert!(token.starts_with("aduan_pat_"), "{token}");
    let id = issued.text("id");
    assert!(id.starts_with("m-"));

    let exchanged = app.post("/api/v1/tokens", None, json!({"grant_type": "api_token", "api_token": token})).await;
    assert_eq!(exchanged.status, StatusCode::OK, "{:?}", exchanged.body);
    let claims = app.verify(&exchanged.text("access_token")).await.unwrap();
    assert_eq!((claims.sub.as_str(), claims.kind, claims.grants.len()), (id.as_str(), SubjectKind::Machine, 0));

    // Listed without the token; a machine has no account of its own.
    let listed = app.get("/api/v1/api-tokens", &admin.access_token).await;
    assert_eq!(listed.body["items"][0]["id"], json!(id));
    assert!(!listed.body.to_string().contains(&token));
    let me = app.get("/api/v1/me", &exchanged.text("access_token")).await;
    assert_eq!((me.status, me.code()), (StatusCode::FORBIDDEN, "users_only"));

    let bad = app.post("/api/v1/tokens", None, json!({"grant_type": "api_token", "api_token": "aduan_pat_x"})).await;
    assert_eq!((bad.status, bad.code()), (StatusCode::UNAUTHORIZED, "api_token_invalid"));
    let odd = app.post("/api/v1/tokens", None, json!({"grant_type": "password", "password": "x"})).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long =
        app.post("/api/v1/api-tokens", Some(&admin.access_token), json!({"name": "x", "expires_in_days": 366})).await;
    assert_eq!(long.code(), "invalid_expiry");
    app.finish().await;
}

#[tokio::test]
async fn demo_users_are_seeded_once_and_sign_in_without_a_second_factor_only_in_dev() {
    let settings = AccountsSettings { totp_required: false, ..test_settings() };
    let app = App::with_settings(settings).await;
    let seeded = aduan_accounts::seed_demo_users(&app.db).await.unwrap();
    assert_eq!(seeded.len(), 6);
    assert!(seeded.iter().all(|user| user.created));
    let again = aduan_accounts::seed_demo_users(&app.db).await.unwrap();
    assert!(again.iter().all(|user| !user.created));
    assert_eq!(
        again.iter().map(|u| &u.subject).collect::<Vec<_>>(),
        seeded.iter().map(|u| &u.subject).collect::<Vec<_>>()
    );
    let roles: Vec<&str> = seeded.iter().map(|user| user.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "national verifier",
            "coordinator of pemkot-bandung",
            "officer of bandung-dpu",
            "supervisor of pemkot-bandung",
            "national auditor",
            "national administrator"
        ]
    );
    let admin = seeded.iter().find(|user| user.role == "national administrator").unwrap();
    let signed_in = app.sign_in(&admin.username, &admin.password, None).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["totp_enrolment_required"], json!(false), "exempt in aduan dev");
    assert_eq!(signed_in.body["grants"], json!([Grant::national(StaffRole::Administrator)]));

    // Outside dev, the same demo user must enrol a second factor first.
    let strict = aduan_accounts::AccountsState::new(
        app.db.clone(),
        app.state.registry.clone(),
        Default::default(),
        test_settings(),
    )
    .unwrap();
    let (router, _) = aduan_accounts::api::router(strict).split_for_parts();
    let request = axum::http::Request::post("/api/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(json!({"username": admin.username, "password": admin.password}).to_string()))
        .unwrap();
    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap()).unwrap();
    assert_eq!(body["totp_enrolment_required"], json!(true));
    assert_eq!(body["grants"], json!([]));

    // `aduan user add`: the first administrator, with the production hash cost.
    let first = aduan_accounts::add_user(
        &app.db,
        "root.admin",
        "Administrator",
        "a long first password",
        vec![Grant::national(StaffRole::Administrator)],
    )
    .await
    .unwrap();
    assert!(first.starts_with("u-"));
    let taken = aduan_accounts::add_user(&app.db, "root.admin", "Administrator", "a long first password", vec![]).await;
    assert!(format!("{:#}", taken.unwrap_err()).contains("username_taken"));
    let weak = aduan_accounts::add_user(&app.db, "other.admin", "Administrator", "password1234", vec![]).await;
    assert!(format!("{:#}", weak.unwrap_err()).contains("weak_password"));
    app.finish().await;
}

#[tokio::test]
async fn bodies_are_bounded() {
    let app = App::start().await;
    let huge = "x".repeat(100 * 1024);
    let answer = app.post("/api/v1/sessions", None, json!({"username": huge, "password": "x"})).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let unauthenticated = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!((unauthenticated.status, unauthenticated.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let forged = app.get("/api/v1/me", "not.a.token").await;
    assert_eq!((forged.status, forged.code()), (StatusCode::UNAUTHORIZED, "token_invalid"));
    app.finish().await;
}
