//! Nobody acts or reads as someone they are not. One table says, for every
//! staff endpoint, which roles may call it over which institutions; the test
//! walks every role × relation × endpoint with real signed-in users, and an
//! endpoint the OpenAPI document lists without a row fails it. Then: tokens
//! that are missing, forged, tampered with or revoked are refused with
//! stable codes, identity headers count for nothing, and a confidential
//! report's words reach only the verifier and the institution handling it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use aduan_e2e::citizen;
use aduan_e2e::dev::DevProcess;
use aduan_e2e::staff::{self, Staff};
use serde_json::{Value, json};

/// How a user's grant stands to the case under test, held by `bandung-dpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Relation {
    /// No institution: the whole country.
    National,
    /// The holding institution itself.
    Own,
    /// The city government above it.
    Parent,
    /// Its roads unit, which has a branch of the case.
    ChildUnit,
    /// The province's roads agency, asked to support the case.
    Supporter,
    /// Jakarta's roads agency, nothing to do with it.
    Unrelated,
}

use Relation::*;

const RELATIONS: [Relation; 6] = [National, Own, Parent, ChildUnit, Supporter, Unrelated];
const ROLES: [&str; 6] = ["verifier", "coordinator", "officer", "supervisor", "auditor", "administrator"];

fn grant(role: &str, relation: Relation) -> Option<String> {
    let institution = match relation {
        National => return ["verifier", "auditor", "administrator"].contains(&role).then(|| role.to_owned()),
        Own => "bandung-dpu",
        Parent => "pemkot-bandung",
        ChildUnit => "bandung-dpu-roads",
        Supporter => "jabar-dbmpr",
        Unrelated => "dki-bina-marga",
    };
    Some(format!("{role}@{institution}"))
}

/// What the table's requests are about.
struct Ids {
    case: String,
    report: String,
    branch: String,
    sample: String,
}

/// One staff endpoint: how to call it, and who may.
struct Row {
    method: &'static str,
    path: &'static str,
    request: fn(&Ids) -> (String, Option<Value>),
    allowed: &'static [(&'static str, &'static [Relation])],
}

const READERS: &[Relation] = &[National, Own, Parent];
const HOLDERS: &[Relation] = &[Own, Parent];
const EVERYWHERE: &[Relation] = &[National, Own, Parent, ChildUnit, Supporter, Unrelated];
const CASE_READERS: &[Relation] = &[National, Own, Parent, ChildUnit, Supporter];
// A delegated verifier reaches the reports from the regions its subtree
// serves: Kota Bandung's, and the province's roads agency's (the demo sends
// West Java's provincial roads to it).
const VERIFIERS: &[Relation] = &[National, Own, Parent, Supporter];

fn text(text: &str) -> Option<Value> {
    Some(json!({ "text": text }))
}

/// Every staff endpoint. A new one without a row fails the test.
const TABLE: &[Row] = &[
    Row {
        method: "get",
        path: "/api/v1/routes/{report_id}",
        request: |ids| (format!("/api/v1/routes/{}", ids.report), None),
        allowed: &[
            ("verifier", VERIFIERS),
            ("auditor", READERS),
            ("coordinator", HOLDERS),
            ("officer", HOLDERS),
            ("supervisor", HOLDERS),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/verification-queue",
        request: |_| ("/api/v1/verification-queue".into(), None),
        allowed: &[("verifier", EVERYWHERE)],
    },
    Row {
        method: "get",
        path: "/api/v1/verification-queue/{report_id}",
        request: |ids| (format!("/api/v1/verification-queue/{}", ids.report), None),
        allowed: &[("verifier", VERIFIERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/assignment",
        request: |ids| {
            (
                format!("/api/v1/verification/{}/assignment", ids.report),
                Some(json!({ "institution_id": "bandung-dpu" })),
            )
        },
        allowed: &[("verifier", &[National, Own, Parent])],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/deferral",
        request: |ids| {
            (format!("/api/v1/verification/{}/deferral", ids.report), Some(json!({ "question": "Which street?" })))
        },
        allowed: &[("verifier", VERIFIERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/archival",
        request: |ids| (format!("/api/v1/verification/{}/archival", ids.report), Some(json!({ "reason": "spam" }))),
        allowed: &[("verifier", VERIFIERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/merger",
        request: |ids| {
            (format!("/api/v1/verification/{}/merger", ids.report), Some(json!({ "into_report_id": ids.report })))
        },
        allowed: &[("verifier", VERIFIERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/privacy",
        request: |ids| {
            let body = json!({ "privacy": "anonymous", "reason": "Not a raise at all." });
            (format!("/api/v1/verification/{}/privacy", ids.report), Some(body))
        },
        allowed: &[("verifier", VERIFIERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/reassignment",
        request: |ids| {
            let body = json!({ "institution_id": "bandung-dpu", "reason": "Back where it belongs." });
            (format!("/api/v1/verification/{}/reassignment", ids.report), Some(body))
        },
        allowed: &[("verifier", READERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/verification/{report_id}/appeal-decision",
        request: |ids| {
            (format!("/api/v1/verification/{}/appeal-decision", ids.report), Some(json!({ "reason": "It stands." })))
        },
        allowed: &[("verifier", READERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/escalations",
        request: |_| ("/api/v1/escalations".into(), None),
        allowed: &[("verifier", EVERYWHERE)],
    },
    Row {
        method: "get",
        path: "/api/v1/registry/changes",
        request: |_| ("/api/v1/registry/changes".into(), None),
        allowed: &[("administrator", EVERYWHERE), ("auditor", EVERYWHERE)],
    },
    Row {
        method: "post",
        path: "/api/v1/registry/changes",
        request: |_| {
            let rule = json!({ "category": "roads", "region": "32.73", "institution": "bandung-dpu" });
            ("/api/v1/registry/changes".into(), Some(json!({ "change": { "kind": "put_rule", "rule": rule } })))
        },
        allowed: &[("administrator", READERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/inbox",
        request: |_| ("/api/v1/institutions/bandung-dpu/inbox".into(), None),
        allowed: &[
            ("coordinator", HOLDERS),
            ("officer", HOLDERS),
            ("supervisor", HOLDERS),
            ("auditor", READERS),
            ("verifier", READERS),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/inbox/counts",
        request: |_| ("/api/v1/institutions/bandung-dpu/inbox/counts".into(), None),
        allowed: &[
            ("coordinator", HOLDERS),
            ("officer", HOLDERS),
            ("supervisor", HOLDERS),
            ("auditor", READERS),
            ("verifier", READERS),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/cases/{case_id}",
        request: |ids| (format!("/api/v1/cases/{}", ids.case), None),
        allowed: &[
            ("coordinator", &[Own, Parent, ChildUnit, Supporter]),
            ("officer", &[Own, Parent, ChildUnit, Supporter]),
            ("supervisor", &[Own, Parent, ChildUnit, Supporter]),
            ("auditor", CASE_READERS),
            ("verifier", CASE_READERS),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/cases/{case_id}/entries",
        request: |ids| (format!("/api/v1/cases/{}/entries", ids.case), None),
        allowed: &[
            ("coordinator", &[Own, Parent, ChildUnit, Supporter]),
            ("officer", &[Own, Parent, ChildUnit, Supporter]),
            ("supervisor", &[Own, Parent, ChildUnit, Supporter]),
            ("auditor", CASE_READERS),
            ("verifier", CASE_READERS),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/cases/{case_id}/notes",
        request: |ids| (format!("/api/v1/cases/{}/notes", ids.case), None),
        allowed: &[
            ("coordinator", &[Own, Parent, ChildUnit, Supporter]),
            ("officer", &[Own, Parent, ChildUnit, Supporter]),
            ("supervisor", &[Own, Parent, ChildUnit, Supporter]),
            ("auditor", CASE_READERS),
            ("verifier", CASE_READERS),
        ],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/notes",
        request: |ids| (format!("/api/v1/cases/{}/notes", ids.case), text("Call the contractor first.")),
        allowed: &[
            ("coordinator", &[Own, Parent, ChildUnit, Supporter]),
            ("officer", &[Own, Parent, ChildUnit, Supporter]),
            ("supervisor", &[Own, Parent, ChildUnit, Supporter]),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/response-templates",
        request: |_| ("/api/v1/institutions/bandung-dpu/response-templates".into(), None),
        allowed: &[
            ("coordinator", HOLDERS),
            ("officer", HOLDERS),
            ("supervisor", HOLDERS),
            ("auditor", READERS),
            ("verifier", READERS),
        ],
    },
    Row {
        method: "post",
        path: "/api/v1/institutions/{institution_id}/response-templates",
        request: |_| {
            let body = json!({ "title": "Pothole patched", "text": "The pothole was patched this week." });
            ("/api/v1/institutions/bandung-dpu/response-templates".into(), Some(body))
        },
        allowed: &[("coordinator", HOLDERS), ("supervisor", HOLDERS)],
    },
    Row {
        method: "delete",
        path: "/api/v1/institutions/{institution_id}/response-templates/{template_id}",
        request: |_| {
            ("/api/v1/institutions/bandung-dpu/response-templates/0190a7a4-0000-7000-8000-000000000000".into(), None)
        },
        allowed: &[("coordinator", HOLDERS), ("supervisor", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/follow-ups",
        request: |ids| (format!("/api/v1/cases/{}/follow-ups", ids.case), text("We are on it.")),
        allowed: &[("officer", HOLDERS), ("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/questions",
        request: |ids| (format!("/api/v1/cases/{}/questions", ids.case), text("Which house is it?")),
        allowed: &[("officer", HOLDERS), ("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/resolution",
        request: |ids| (format!("/api/v1/cases/{}/resolution", ids.case), text("Patched on Monday.")),
        allowed: &[("officer", HOLDERS), ("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/return",
        request: |ids| (format!("/api/v1/cases/{}/return", ids.case), text("Not ours at all.")),
        allowed: &[("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/forwards",
        request: |ids| {
            let body = json!({ "unit_id": "bandung-dpu-drainage", "note": "Check the drains too." });
            (format!("/api/v1/cases/{}/forwards", ids.case), Some(body))
        },
        allowed: &[("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/forwards/{branch_id}/answer",
        request: |ids| {
            (format!("/api/v1/cases/{}/forwards/{}/answer", ids.case, ids.branch), text("Measured: 1 m wide."))
        },
        allowed: &[("officer", &[Own, Parent, ChildUnit]), ("coordinator", &[Own, Parent, ChildUnit])],
    },
    Row {
        method: "get",
        path: "/api/v1/units/{unit_id}/branches",
        request: |_| ("/api/v1/units/bandung-dpu-roads/branches".into(), None),
        allowed: &[
            ("officer", &[Own, Parent, ChildUnit]),
            ("coordinator", &[Own, Parent, ChildUnit]),
            ("supervisor", &[Own, Parent, ChildUnit]),
            ("auditor", &[National, Own, Parent, ChildUnit]),
        ],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/supporters",
        request: |ids| {
            let body = json!({ "institution_id": "jabar-dbmpr", "note": "The province's plan, please." });
            (format!("/api/v1/cases/{}/supporters", ids.case), Some(body))
        },
        allowed: &[("coordinator", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/contributions",
        request: |ids| {
            let body = json!({ "institution_id": "jabar-dbmpr", "text": "Resurfacing is planned for May." });
            (format!("/api/v1/cases/{}/contributions", ids.case), Some(body))
        },
        allowed: &[("officer", &[Supporter]), ("coordinator", &[Supporter])],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/supporting",
        request: |_| ("/api/v1/institutions/jabar-dbmpr/supporting".into(), None),
        allowed: &[
            ("coordinator", &[Supporter]),
            ("officer", &[Supporter]),
            ("supervisor", &[Supporter]),
            ("auditor", &[National, Supporter]),
        ],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/overdue",
        request: |_| ("/api/v1/institutions/bandung-dpu/overdue".into(), None),
        allowed: &[("coordinator", HOLDERS), ("officer", HOLDERS), ("supervisor", HOLDERS), ("auditor", READERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/institutions/{institution_id}/approvals",
        request: |_| ("/api/v1/institutions/bandung-dpu/approvals".into(), None),
        allowed: &[("supervisor", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/cases/{case_id}/resolution/review",
        request: |ids| (format!("/api/v1/cases/{}/resolution/review", ids.case), Some(json!({ "approve": true }))),
        allowed: &[("supervisor", HOLDERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/cases/{case_id}/ombudsman-export",
        request: |ids| (format!("/api/v1/cases/{}/ombudsman-export", ids.case), None),
        allowed: &[("coordinator", HOLDERS), ("auditor", READERS), ("verifier", &[National])],
    },
    Row {
        method: "get",
        path: "/api/v1/ledger/entries",
        request: |_| ("/api/v1/ledger/entries?start=0&end=10".into(), None),
        allowed: &[("auditor", &[National])],
    },
    Row {
        method: "post",
        path: "/api/v1/ledger/checkpoints",
        request: |_| ("/api/v1/ledger/checkpoints".into(), Some(json!({}))),
        allowed: &[("auditor", &[National]), ("administrator", &[National])],
    },
    Row {
        method: "get",
        path: "/api/v1/figures",
        request: |_| ("/api/v1/figures".into(), None),
        allowed: &[("auditor", &[National])],
    },
    Row {
        method: "get",
        path: "/api/v1/figures/ranking",
        request: |_| ("/api/v1/figures/ranking".into(), None),
        allowed: &[("auditor", &[National])],
    },
    Row {
        method: "get",
        path: "/api/v1/figures/institutions/{id}",
        request: |_| ("/api/v1/figures/institutions/bandung-dpu".into(), None),
        allowed: &[("auditor", READERS), ("coordinator", HOLDERS), ("supervisor", HOLDERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/review-samples",
        request: |_| ("/api/v1/review-samples?institution=bandung-dpu".into(), None),
        allowed: &[("auditor", READERS), ("coordinator", HOLDERS), ("supervisor", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/review-samples",
        request: |_| {
            (
                "/api/v1/review-samples".into(),
                Some(json!({ "institution_id": "bandung-dpu", "period": "2026", "size": 1 })),
            )
        },
        allowed: &[("auditor", READERS)],
    },
    Row {
        method: "get",
        path: "/api/v1/review-samples/{id}",
        request: |ids| (format!("/api/v1/review-samples/{}", ids.sample), None),
        allowed: &[("auditor", READERS), ("coordinator", HOLDERS), ("supervisor", HOLDERS)],
    },
    Row {
        method: "post",
        path: "/api/v1/review-samples/{id}/reviews",
        // A report not in the sample: refused for what it is, by those who may review.
        request: |ids| {
            (
                format!("/api/v1/review-samples/{}/reviews", ids.sample),
                Some(json!({ "report_id": ids.report, "scores": {}, "findings": "x" })),
            )
        },
        allowed: &[("auditor", READERS)],
    },
];

/// Endpoints anyone may call: citizens' (who may see photos is checked by
/// tests/photos.rs), the public record, the public registry, health, the
/// test clock, the ledger's checkpoints, key and proofs (hashes only), the
/// review rubric and the open data, and accounts' own (which its own tests cover).
fn is_public(method: &str, path: &str) -> bool {
    let ledger_public = [
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/key",
        "/api/v1/ledger/proofs/",
        "/api/v1/ledger/receipts",
        "/api/v1/review-rubric",
        "/api/v1/open-data",
    ];
    (method == "get"
        && (path == "/api/v1/ledger/checkpoints" || ledger_public.iter().any(|public| path.starts_with(public))))
        || path.starts_with("/api/v1/reports")
        || path.starts_with("/api/v1/public/")
        || path.starts_with("/api/v1/categories")
        || path.starts_with("/api/v1/regions")
        || path == "/api/v1/institutions"
        || path == "/api/v1/registry"
        || path == "/api/v1/registry/route"
        || path == "/api/v1/registry/rules"
        || path == "/api/v1/registry/calendar"
        || path == "/api/v1/test-clock"
        || ["/sessions", "/tokens", "/keys", "/me", "/users", "/password-resets", "/api-tokens", "/oidc"]
            .iter()
            .any(|prefix| path.starts_with(&format!("/api/v1{prefix}")))
}

async fn call(client: &reqwest::Client, base: &str, row: &Row, ids: &Ids, bearer: Option<&str>) -> (u16, Value) {
    let (path, body) = (row.request)(ids);
    let url = format!("{base}{path}");
    let mut request = match row.method {
        "get" => client.get(&url),
        "delete" => client.delete(&url),
        _ => client.post(&url).json(&body.unwrap_or(Value::Null)),
    };
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn user(dev: &DevProcess, client: &reqwest::Client, grant: &str) -> Arc<Staff> {
    let location = vec!["--data-dir".to_owned(), dev.data_dir().display().to_string()];
    let username = format!("matrix.{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let password = "matrix-user-password-1234";
    staff::add_user(&location, &username, &[grant.to_owned()], password);
    Arc::new(Staff::sign_in(client, &dev.base_url(), &username, password).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_reaches_exactly_the_endpoints_and_institutions_the_table_gives_it() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();

    // The case under test: a pothole at Bandung's roads office, with a
    // branch at its roads unit and the province's roads agency supporting.
    let pothole = citizen::pothole_case(&client, &base, &base).await;
    let (status, branch) = staff::post(
        &client,
        &format!("{base}/api/v1/cases/{}/forwards", pothole.case_id),
        &json!({ "unit_id": "bandung-dpu-roads", "note": "Please measure it." }),
    )
    .await;
    assert_eq!(status, 201, "{branch}");
    let support = json!({ "institution_id": "jabar-dbmpr", "note": "The province's plan, please." });
    let (status, body) =
        staff::post(&client, &format!("{base}/api/v1/cases/{}/supporters", pothole.case_id), &support).await;
    assert_eq!(status, 201, "{body}");
    // Answered once, so that a return can never succeed and move the case away.
    assert_eq!(citizen::work(&client, &base, &pothole.case_id, "follow-ups", "Seen, we will come.").await.0, 200);
    // A case closed, and a review sample of it to read.
    let closed = citizen::pothole_case(&client, &base, &base).await;
    assert_eq!(citizen::work(&client, &base, &closed.case_id, "resolution", "Patched.").await.0, 200);
    citizen::wait_for_status(&client, &base, &closed.report, "resolved").await;
    let accepted = client
        .post(format!("{base}/api/v1/reports/{}/acceptance", closed.report.tracking_code))
        .json(&json!({ "secret": closed.report.secret, "rating": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    // The quarter the figures take as now, on the country's clock.
    let figures: Value = aduan_e2e::get_json(&client, &format!("{base}/api/v1/figures")).await;
    let quarter = figures["period"]["label"].as_str().unwrap().to_owned();
    let sample = aduan_e2e::eventually(std::time::Duration::from_secs(30), "a sample of the closed case", || async {
        let draw = json!({ "institution_id": "bandung-dpu", "period": quarter, "size": 5 });
        let (status, sample) = staff::post(&client, &format!("{base}/api/v1/review-samples"), &draw).await;
        (status == 201).then(|| sample["id"].as_str().unwrap().to_owned())
    })
    .await;
    let ids = Ids {
        case: pothole.case_id.clone(),
        report: pothole.report_id.clone(),
        branch: branch["id"].as_str().unwrap().to_owned(),
        sample,
    };

    // Every staff endpoint the OpenAPI document lists has a row.
    let doc: Value = aduan_e2e::get_json(&client, &format!("{base}/api/openapi.json")).await;
    let rows: BTreeSet<(&str, &str)> = TABLE.iter().map(|row| (row.method, row.path)).collect();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            if !is_public(method, path) {
                assert!(
                    rows.contains(&(method.as_str(), path.as_str())),
                    "no row for {method} {path}: add it to TABLE"
                );
            }
        }
    }

    let mut users = Vec::new();
    for role in ROLES {
        for relation in RELATIONS {
            if let Some(grant) = grant(role, relation) {
                users.push((role, relation, user(&dev, &client, &grant).await));
            }
        }
    }
    let mut wrong = Vec::new();
    for row in TABLE {
        // Nobody without a token, whatever headers they write.
        let (status, body) = call(&client, &base, row, &ids, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("unauthenticated")),
            "{} {}",
            row.method,
            row.path
        );
        for (role, relation, staff) in &users {
            let expected =
                row.allowed.iter().any(|(allowed, relations)| allowed == role && relations.contains(relation));
            let (status, body) = call(&client, &base, row, &ids, Some(&staff.bearer(&client).await)).await;
            let refused = status == 403
                && ["not_permitted", "outside_scope"].contains(&body["error"]["code"].as_str().unwrap_or(""));
            if refused == expected || status == 401 {
                wrong.push(format!("{} {} as {role} ({relation:?}): {status} {body}", row.method, row.path));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_tampered_revoked_and_missing_tokens_are_refused_with_stable_codes() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let inbox = format!("{base}/api/v1/institutions/bandung-dpu/inbox");
    let status_of = |request: reqwest::RequestBuilder| async move {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, body["error"]["code"].as_str().unwrap_or("").to_owned())
    };

    // Headers that named staff before sign-in existed name nobody now.
    let forged = client.get(&inbox).header("X-Officer-Id", "u-someone").header("X-Officer-Role", "coordinator");
    assert_eq!(status_of(forged).await, (401, "unauthenticated".to_owned()));
    assert_eq!(status_of(client.get(&inbox).bearer_auth("not.a.token")).await, (401, "token_invalid".to_owned()));

    let officer = user(&dev, &client, "officer@bandung-dpu").await;
    let token = officer.bearer(&client).await;
    assert_eq!(status_of(client.get(&inbox).bearer_auth(&token)).await.0, 200);
    // One changed character of the payload: the signature no longer matches.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let last = parts[1].pop().unwrap();
    parts[1].push(if last == 'A' { 'B' } else { 'A' });
    let tampered = parts.join(".");
    let (status, code) = status_of(client.get(&inbox).bearer_auth(&tampered)).await;
    assert_eq!(status, 401);
    assert!(["token_invalid_signature", "token_invalid"].contains(&code.as_str()), "{code}");
    // Another institution's inbox: signed in, but out of scope.
    let jakarta = format!("{base}/api/v1/institutions/dki-bina-marga/inbox");
    assert_eq!(status_of(client.get(&jakarta).bearer_auth(&token)).await, (403, "outside_scope".to_owned()));

    // Signed out everywhere: no new token is issued (the one held runs out within five minutes).
    let (status, _) =
        staff::post_as(&client, &officer, &format!("{base}/api/v1/me/sessions/revocation"), &json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(officer.try_exchange(&client).await, 401, "a revoked session gets no new token");

    // Guessing a password is throttled.
    let mut answers = Vec::new();
    for attempt in 0..7 {
        let body = json!({ "username": "demo.officer", "password": format!("wrong-password-{attempt}") });
        answers
            .push(client.post(format!("{base}/api/v1/sessions")).json(&body).send().await.unwrap().status().as_u16());
    }
    assert!(answers.contains(&429), "no throttling after repeated failures: {answers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confidential_reports_words_reach_only_the_verifier_and_the_institution_handling_it() {
    let dev = DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let mut body = citizen::pothole(7);
    body["privacy"] = json!("confidential");
    body["description"] = json!("The pothole in front of the house of my neighbour Pak Budi.");
    let report = citizen::file(&client, &base, &body).await;
    let case = citizen::wait_in_inbox(&client, &base, "bandung-dpu", &report).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let support = json!({ "institution_id": "jabar-dbmpr", "note": "Is this on your network?" });
    assert_eq!(staff::post(&client, &format!("{base}/api/v1/cases/{case_id}/supporters"), &support).await.0, 201);
    // A coordinator's note to a unit is words about the report too.
    let forward = json!({ "unit_id": "bandung-dpu-roads", "note": "Pak Budi's house, the north side." });
    assert_eq!(staff::post(&client, &format!("{base}/api/v1/cases/{case_id}/forwards"), &forward).await.0, 201);

    let readers = [
        ("verifier", true),
        ("officer@bandung-dpu", true),
        ("officer@bandung-dpu-roads", true),
        ("officer@bandung-dpu-drainage", false),
        ("coordinator@pemkot-bandung", false),
        ("auditor", false),
        ("officer@jabar-dbmpr", false),
    ];
    for (grant, sees) in readers {
        let reader = user(&dev, &client, grant).await;
        let (status, case) = staff::get_as(&client, &reader, &format!("{base}/api/v1/cases/{case_id}")).await;
        if grant == "officer@bandung-dpu-drainage" {
            assert_eq!(status, 403, "a unit with no branch of the case does not read it");
            continue;
        }
        assert_eq!(status, 200, "{grant}: {case}");
        let shown = case.to_string().contains("Pak Budi");
        assert_eq!(shown, sees, "{grant} {} the words: {case}", if sees { "should see" } else { "must not see" });
        assert_eq!(case["withheld"], !sees);
    }
    // Through the lists too: the supporter's list withholds the title.
    let supporter = user(&dev, &client, "officer@jabar-dbmpr").await;
    let (_, supported) =
        staff::get_as(&client, &supporter, &format!("{base}/api/v1/institutions/jabar-dbmpr/supporting")).await;
    assert!(!supported.to_string().contains("Pothole number 7"), "{supported}");
}

#[tokio::test(flavor = "multi_thread")]
async fn where_an_institution_requires_it_a_supervisor_approves_before_the_citizen_sees_a_resolution() {
    let overrides = std::env::temp_dir().join(format!("aduan-overrides-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&overrides).unwrap();
    std::fs::write(overrides.join("bandung-dpu.toml"), "tightens = \"2026.1\"\nsupervisor_approval = true\n").unwrap();
    let mut options = aduan_e2e::ClusterOptions::local(aduan_e2e::aduan_binary());
    options.extra_env.push(("ADUAN_PROCEDURE_OVERRIDES".into(), overrides.display().to_string()));
    let cluster = aduan_e2e::start_cluster_with(options).await;
    let client = reqwest::Client::new();
    let (intake, resolution) =
        (cluster.base_url(aduan_e2e::ServiceName::Intake), cluster.base_url(aduan_e2e::ServiceName::Resolution));
    let pothole = citizen::pothole_case(&client, &intake, &resolution).await;
    let officer = staff::member(&cluster, &["officer@bandung-dpu"]).await;
    let supervisor = staff::member(&cluster, &["supervisor@pemkot-bandung"]).await;

    // The officer's resolution waits for the supervisor; the citizen sees nothing of it.
    let resolve = format!("{resolution}/api/v1/cases/{}/resolution", pothole.case_id);
    let (status, case) = staff::post_as(&client, &officer, &resolve, &json!({ "text": "Patched on Monday." })).await;
    assert_eq!(status, 202, "{case}");
    assert!(case["pending_resolution"].is_string() && case["status"] == "assigned", "{case}");
    let (status, body) = staff::post_as(&client, &officer, &resolve, &json!({ "text": "Patched, again." })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("resolution_pending")));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let view = citizen::status(&client, &intake, &pothole.report).await;
    assert_eq!(view["status"], "assigned", "the citizen saw an unapproved resolution: {view}");
    assert!(!view.to_string().contains("Patched on Monday"), "{view}");

    // An officer may not approve; the city's supervisor finds it in its list and does.
    let review = format!("{resolution}/api/v1/cases/{}/resolution/review", pothole.case_id);
    let (status, _) = staff::post_as(&client, &officer, &review, &json!({ "approve": true })).await;
    assert_eq!(status, 403);
    let (_, waiting) =
        staff::get_as(&client, &supervisor, &format!("{resolution}/api/v1/institutions/pemkot-bandung/approvals"))
            .await;
    assert!(
        waiting["items"].as_array().unwrap().iter().any(|item| item["id"] == pothole.case_id.as_str()),
        "{waiting}"
    );
    let (status, case) = staff::post_as(&client, &supervisor, &review, &json!({ "approve": true })).await;
    assert_eq!((status, case["status"].as_str()), (200, Some("resolved")), "{case}");
    // The case's record names each by their pseudonymous id and the role they acted in.
    let (_, case) =
        staff::get_as(&client, &supervisor, &format!("{resolution}/api/v1/cases/{}", pothole.case_id)).await;
    let wrote = |who: &staff::Staff, role: &str| {
        case["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["author"] == who.subject.as_str() && e["author_role"] == role)
    };
    assert!(wrote(&officer, "officer") && wrote(&supervisor, "supervisor"), "{case}");
    let view = citizen::wait_for_status(&client, &intake, &pothole.report, "resolved").await;
    assert!(view.to_string().contains("Patched on Monday"), "{view}");
    std::fs::remove_dir_all(overrides).ok();
    cluster.destroy().await.unwrap();
}
