//! User administration: national administrators manage everyone; an
//! administrator of a subtree manages only inside it and grants nothing
//! beyond it.

use aduan_access::{Grant, StaffRole};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{App, PASSWORD};

fn officer_of(institution: &str) -> Grant {
    Grant::in_institution(StaffRole::Officer, institution)
}

#[tokio::test]
async fn a_national_administrator_creates_lists_and_grants() {
    let app = App::start().await;
    let admin = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let token = admin.access_token.as_str();

    let created = app
        .post(
            "/api/v1/users",
            Some(token),
            json!({
                "username": "Nur.Aini", "display_name": "Nur Aini", "email": "nur@bandung.go.id",
                "institution": "bandung-dpu", "password": "a fine long password", "grants": [officer_of("bandung-dpu")]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["username"], json!("nur.aini"));
    let id = created.text("id");
    assert!(id.starts_with("u-"));
    assert_eq!(app.sign_in("nur.aini", "a fine long password", None).await.status, StatusCode::CREATED);

    let taken =
        app.post("/api/v1/users", Some(token), json!({"username": "NUR.AINI", "display_name": "Another"})).await;
    assert_eq!((taken.status, taken.code()), (StatusCode::CONFLICT, "username_taken"));
    for (body, code) in [
        (json!({"username": "x", "display_name": "X"}), "invalid_username"),
        (json!({"username": "valid.name", "display_name": ""}), "invalid_display_name"),
        (json!({"username": "valid.name", "display_name": "X", "email": "nope"}), "invalid_email"),
        (json!({"username": "valid.name", "display_name": "X", "password": "password1234"}), "weak_password"),
        (json!({"username": "valid.name", "display_name": "X", "grants": [{"role": "officer"}]}), "invalid_grant"),
        (
            json!({"username": "valid.name", "display_name": "X", "grants": [officer_of("atlantis")]}),
            "unknown_institution",
        ),
        (json!({"username": "valid.name", "display_name": "X", "institution": "atlantis"}), "unknown_institution"),
    ] {
        let answer = app.post("/api/v1/users", Some(token), body).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::UNPROCESSABLE_ENTITY, code));
    }
    let unknown_role = app
        .post(
            "/api/v1/users",
            Some(token),
            json!({"username": "valid.name", "display_name": "X", "grants": [{"role": "king"}]}),
        )
        .await;
    assert_eq!(unknown_role.code(), "invalid_body");

    // A national administrator may make another one.
    let second = app
        .post(
            "/api/v1/users",
            Some(token),
            json!({"username": "second.admin", "display_name": "Admin Dua", "grants": [Grant::national(StaffRole::Administrator)]}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);

    let fetched = app.get(&format!("/api/v1/users/{id}"), token).await;
    assert_eq!(fetched.body["email"], json!("nur@bandung.go.id"));
    let grants = json!({"grants": [officer_of("bandung-dpu-roads"), Grant::in_institution(StaffRole::Supervisor, "bandung-dpu")]});
    let set = app.call(Method::PUT, &format!("/api/v1/users/{id}/grants"), Some(token), Some(grants)).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["grants"].as_array().map(Vec::len), Some(2));
    let own = app
        .call(Method::PUT, &format!("/api/v1/users/{}/grants", admin.subject), Some(token), Some(json!({"grants": []})))
        .await;
    assert_eq!(own.code(), "cannot_change_own_grants");

    // Keyset pages.
    let first_page = app.get("/api/v1/users?limit=2", token).await;
    assert_eq!(first_page.body["items"].as_array().map(Vec::len), Some(2));
    let next = first_page.text("next");
    let second_page = app.get(&format!("/api/v1/users?limit=2&after={next}"), token).await;
    assert_eq!(second_page.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(second_page.body["next"], Value::Null);
    let bad_cursor = app.get("/api/v1/users?after=garbage", token).await;
    assert_eq!(bad_cursor.code(), "invalid_cursor");
    let missing = app.get("/api/v1/users/u-nobody", token).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::NOT_FOUND, "user_not_found"));
    app.finish().await;
}

#[tokio::test]
async fn a_subtree_administrator_stays_inside_its_subtree() {
    let app = App::start().await;
    let national = app.staff("admin", vec![Grant::national(StaffRole::Administrator)]).await;
    let bandung =
        app.staff("bandung.admin", vec![Grant::in_institution(StaffRole::Administrator, "pemkot-bandung")]).await;
    let token = bandung.access_token.as_str();
    let user = |username: &str, institution: Value, grants: Value| json!({"username": username, "display_name": "Staf", "institution": institution, "grants": grants});

    let inside = app
        .post(
            "/api/v1/users",
            Some(token),
            user("roads.officer", json!("bandung-dpu"), json!([officer_of("bandung-dpu-roads")])),
        )
        .await;
    assert_eq!(inside.status, StatusCode::CREATED, "{:?}", inside.body);
    let inside_id = inside.text("id");

    for (body, status, code) in [
        (
            user("a.user", json!("bandung-dpu"), json!([officer_of("pemkot-bogor")])),
            StatusCode::FORBIDDEN,
            "grant_outside_scope",
        ),
        (
            user("a.user", json!("bandung-dpu"), json!([Grant::national(StaffRole::Auditor)])),
            StatusCode::FORBIDDEN,
            "grant_outside_scope",
        ),
        (
            user("a.user", json!("bandung-dpu"), json!([Grant::national(StaffRole::Administrator)])),
            StatusCode::FORBIDDEN,
            "grant_outside_scope",
        ),
        (
            user("a.user", json!("bandung-dpu"), json!([Grant::national(StaffRole::Verifier)])),
            StatusCode::FORBIDDEN,
            "grant_outside_scope",
        ),
        (user("a.user", json!("pemprov-jabar"), json!([])), StatusCode::FORBIDDEN, "outside_scope"),
        (user("a.user", json!("pemkot-bogor"), json!([])), StatusCode::FORBIDDEN, "outside_scope"),
        (user("a.user", Value::Null, json!([])), StatusCode::UNPROCESSABLE_ENTITY, "institution_required"),
    ] {
        let answer = app.post("/api/v1/users", Some(token), body.clone()).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{body}");
    }

    // A subtree administrator for its own subtree is fine; a wider one is not.
    let sub_admin = app
        .post(
            "/api/v1/users",
            Some(token),
            user(
                "dpu.admin",
                json!("bandung-dpu"),
                json!([Grant::in_institution(StaffRole::Administrator, "bandung-dpu")]),
            ),
        )
        .await;
    assert_eq!(sub_admin.status, StatusCode::CREATED, "{:?}", sub_admin.body);
    let wider = app
        .post(
            "/api/v1/users",
            Some(token),
            user(
                "jabar.admin",
                json!("pemkot-bandung"),
                json!([Grant::in_institution(StaffRole::Administrator, "pemprov-jabar")]),
            ),
        )
        .await;
    assert_eq!(wider.code(), "grant_outside_scope");

    // Others' users: a national verifier and a Bogor officer are out of reach.
    let verifier = app
        .state
        .add_user("national.verifier", "Verifikator", PASSWORD, vec![Grant::national(StaffRole::Verifier)])
        .await
        .unwrap();
    let bogor =
        app.state.add_user("bogor.officer", "Petugas Bogor", PASSWORD, vec![officer_of("pemkot-bogor")]).await.unwrap();
    for id in [&verifier, &bogor, &national.subject] {
        assert_eq!(app.get(&format!("/api/v1/users/{id}"), token).await.code(), "outside_scope");
        let disable =
            app.call(Method::PATCH, &format!("/api/v1/users/{id}"), Some(token), Some(json!({"disabled": true}))).await;
        assert_eq!((disable.status, disable.code()), (StatusCode::FORBIDDEN, "outside_scope"));
        let grant = app
            .call(
                Method::PUT,
                &format!("/api/v1/users/{id}/grants"),
                Some(token),
                Some(json!({"grants": [officer_of("bandung-dpu")]})),
            )
            .await;
        assert_eq!(grant.code(), "outside_scope");
        let reset = app.post(&format!("/api/v1/users/{id}/password-reset"), Some(token), json!({})).await;
        assert_eq!(reset.code(), "outside_scope");
    }
    // Its own users: grants inside only.
    let path = format!("/api/v1/users/{inside_id}/grants");
    let outside =
        app.call(Method::PUT, &path, Some(token), Some(json!({"grants": [officer_of("pemkot-bogor")]}))).await;
    assert_eq!(outside.code(), "grant_outside_scope");
    let ok = app.call(Method::PUT, &path, Some(token), Some(json!({"grants": [officer_of("bandung-disdik")]}))).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);

    // It lists only the users of its subtree.
    let listed = app.get("/api/v1/users", token).await;
    let ids: Vec<&str> = listed.body["items"].as_array().unwrap().iter().filter_map(|u| u["id"].as_str()).collect();
    assert!(ids.contains(&inside_id.as_str()));
    assert!(
        !ids.contains(&verifier.as_str())
            && !ids.contains(&bogor.as_str())
            && !ids.contains(&national.subject.as_str())
    );

    // API tokens: the same rules.
    let outside_token = app
        .post("/api/v1/api-tokens", Some(token), json!({"name": "x", "institution": "bandung-dpu", "grants": [officer_of("pemkot-bogor")], "expires_in_days": 5}))
        .await;
    assert_eq!(outside_token.code(), "grant_outside_scope");
    let national_token =
        app.post("/api/v1/api-tokens", Some(token), json!({"name": "x", "grants": [], "expires_in_days": 5})).await;
    assert_eq!(national_token.code(), "institution_required");
    let issued = app
        .post("/api/v1/api-tokens", Some(token), json!({"name": "Integrasi", "institution": "bandung-dpu", "grants": [officer_of("bandung-dpu")], "expires_in_days": 5}))
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    let bogor_token = app
        .post(
            "/api/v1/api-tokens",
            Some(&national.access_token),
            json!({"name": "Bogor", "institution": "pemkot-bogor", "expires_in_days": 5}),
        )
        .await;
    let revoke =
        app.call(Method::DELETE, &format!("/api/v1/api-tokens/{}", bogor_token.text("id")), Some(token), None).await;
    assert_eq!(revoke.code(), "outside_scope");
    let listed = app.get("/api/v1/api-tokens", token).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));

    // Staff without an administrator grant administer nothing.
    let officer = app.staff("plain.officer", vec![officer_of("bandung-dpu")]).await;
    assert_eq!(app.get("/api/v1/users", &officer.access_token).await.code(), "not_permitted");
    app.finish().await;
}
