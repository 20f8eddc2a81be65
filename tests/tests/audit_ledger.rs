//! The audit ledger across processes: every event appended once, without
//! the words people wrote; checkpoints signed with the published key; proofs
//! that verify; a database that refuses to rewrite the ledger; and the
//! verifier naming the entry someone rewrote anyway.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::{ServiceName, citizen, eventually, get_json, open_database, staff};
use aduan_ledger::{CheckpointVerifier, Hash, VerifierKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sea_orm::ConnectionTrait as _;
use serde_json::Value;

fn hash(hex: &Value) -> Hash {
    hex.as_str().expect("a hex hash").parse().expect("32 bytes of hex")
}

async fn entries(client: &reqwest::Client, audit: &str) -> Vec<Value> {
    get_json(client, &format!("{audit}/api/v1/ledger/entries?start=0&end=1000")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_is_appended_once_signed_proved_and_a_rewrite_is_named() {
    let cluster = aduan_e2e::start_cluster().await;
    let client = reqwest::Client::new();
    let (intake, resolution, audit) = (
        cluster.base_url(ServiceName::Intake),
        cluster.base_url(ServiceName::Resolution),
        cluster.base_url(ServiceName::Audit),
    );
    let first = citizen::pothole_case(&client, &intake, &resolution).await;
    let (status, _) = citizen::work(&client, &resolution, &first.case_id, "follow-ups", "A crew goes on Monday.").await;
    assert_eq!(status, 200);

    // Each of the report's events, once, in the ledger; no word the citizen or the officer wrote.
    let filed = eventually(Duration::from_secs(30), "the report's follow-up in the ledger", || async {
        let all = entries(&client, &audit).await;
        let mine: Vec<Value> = all.into_iter().filter(|entry| entry["report_id"] == first.report_id.as_str()).collect();
        mine.iter().any(|entry| entry["event"] == "follow_up_posted").then_some(mine)
    })
    .await;
    let kinds: Vec<&str> = filed.iter().map(|entry| entry["event"].as_str().unwrap()).collect();
    for kind in ["filed", "assigned", "case_opened", "follow_up_posted"] {
        assert_eq!(kinds.iter().filter(|seen| **seen == kind).count(), 1, "{kind} once: {kinds:?}");
    }
    for entry in &filed {
        let body = STANDARD.decode(entry["body"].as_str().unwrap()).unwrap();
        for words in [
            "Pothole number",
            "deep pothole",
            "A crew goes on Monday",
            "Siti",
            "siti.rahayu",
            first.report.tracking_code.as_str(),
        ] {
            assert!(!body.windows(words.len()).any(|window| window == words.as_bytes()), "{words:?} in the ledger");
        }
        assert_eq!(hash(&entry["leaf_hash"]), aduan_ledger::leaf_hash(&body), "the leaf is the entry's hash");
    }

    // A checkpoint now, signed by the key audit publishes.
    let key: VerifierKey = client
        .get(format!("{audit}/api/v1/ledger/key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .trim()
        .parse()
        .expect("a verifier key");
    let verifier = CheckpointVerifier::new(key.clone());
    let (status, older) =
        staff::post(&client, &format!("{audit}/api/v1/ledger/checkpoints"), &serde_json::json!({})).await;
    assert_eq!(status, 201, "{older}");
    let older = verifier.verify(older["note"].as_str().unwrap()).expect("a checkpoint signed with the published key");

    // More happens; a later checkpoint extends the older one, provably.
    let second = citizen::pothole_case(&client, &intake, &resolution).await;
    let newer = eventually(Duration::from_secs(30), "a checkpoint past the second report", || async {
        let (_, signed) =
            staff::post(&client, &format!("{audit}/api/v1/ledger/checkpoints"), &serde_json::json!({})).await;
        let checkpoint = verifier.verify(signed["note"].as_str()?).ok()?;
        let all = entries(&client, &audit).await;
        let filed_at =
            all.iter().find(|e| e["report_id"] == second.report_id.as_str() && e["event"] == "case_opened")?;
        (checkpoint.size > filed_at["index"].as_u64()?).then_some(checkpoint)
    })
    .await;
    let consistency: Value = get_json(
        &client,
        &format!("{audit}/api/v1/ledger/proofs/consistency?first={}&second={}", older.size, newer.size),
    )
    .await;
    let proof: Vec<Hash> = consistency["proof"].as_array().unwrap().iter().map(hash).collect();
    assert!(aduan_ledger::verify_consistency(older.size, newer.size, &older.root, &newer.root, &proof));
    let index = filed[0]["index"].as_u64().unwrap();
    let inclusion: Value =
        get_json(&client, &format!("{audit}/api/v1/ledger/proofs/inclusion?index={index}&size={}", newer.size)).await;
    let path: Vec<Hash> = inclusion["proof"].as_array().unwrap().iter().map(hash).collect();
    let leaf = hash(&filed[0]["leaf_hash"]);
    assert!(aduan_ledger::verify_inclusion(index, newer.size, &leaf, &path, &newer.root), "the filing is in the tree");
    let response = client
        .get(format!("{audit}/api/v1/ledger/proofs/inclusion?index=0&size={}", newer.size + 1_000_000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422, "no proof for a tree that does not exist");

    // The database itself refuses to rewrite or remove what was appended.
    let audit_db = open_database(cluster.database_url(ServiceName::Audit)).await;
    for statement in [
        "UPDATE ledger_entry SET event = 'nothing happened' WHERE leaf_index = 0",
        "DELETE FROM ledger_entry WHERE leaf_index = 0",
        "UPDATE ledger_node SET hash = hash WHERE level = 0",
        "DELETE FROM ledger_checkpoint",
    ] {
        let refused = audit_db.execute_unprepared(statement).await.expect_err(statement);
        assert!(refused.to_string().contains("append-only"), "{statement}: {refused}");
    }

    // Someone with the database owner's powers rewrites an entry anyway: the verifier names it.
    let operator = vec!["--config".to_owned(), cluster.config_file(ServiceName::Audit).unwrap().display().to_string()];
    let verify = |operator: Vec<String>, key: String| {
        std::process::Command::new(aduan_e2e::aduan_binary())
            .args(["audit", "verify", "--key", &key])
            .args(operator)
            .output()
            .expect("running aduan audit verify")
    };
    let intact = verify(operator.clone(), key.to_string());
    assert!(intact.status.success(), "{}", String::from_utf8_lossy(&intact.stdout));
    audit_db
        .execute_unprepared(&format!(
            "ALTER TABLE ledger_entry DISABLE TRIGGER USER; \
             UPDATE ledger_entry SET body = decode('00', 'hex') || body WHERE leaf_index = {index}; \
             ALTER TABLE ledger_entry ENABLE TRIGGER USER"
        ))
        .await
        .unwrap();
    let caught = verify(operator, key.to_string());
    let said = String::from_utf8_lossy(&caught.stdout);
    assert!(!caught.status.success(), "{said}");
    assert!(said.contains(&format!("entry {index}:")), "the rewritten entry is named: {said}");
    audit_db.close().await.unwrap();
    cluster.destroy().await.unwrap();
}

/// A citizen's report: each of its steps has a receipt in the ledger (an
/// entry and its inclusion proof in the signed checkpoint), which the
/// tracking page shows its citizen and anyone can check.
#[tokio::test(flavor = "multi_thread")]
async fn each_step_of_a_report_has_a_receipt_its_citizen_sees() {
    let dev = aduan_e2e::dev::DevProcess::start().await;
    let client = reqwest::Client::new();
    let base = dev.base_url();
    let report = citizen::pothole_case(&client, &base, &base).await;
    // Only its citizen learns the report's id, which finds the receipts.
    let owners: Value = client
        .get(format!("{base}/api/v1/reports/{}", report.report.tracking_code))
        .header("X-Report-Secret", &report.report.secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(owners["report_id"], report.report_id.as_str());
    let anyones: Value = get_json(&client, &format!("{base}/api/v1/reports/{}", report.report.tracking_code)).await;
    assert!(anyones["report_id"].is_null(), "{anyones}");

    let receipts = eventually(Duration::from_secs(30), "receipts proven for the filing and the case", || async {
        let (status, _) =
            staff::post(&client, &format!("{base}/api/v1/ledger/checkpoints"), &serde_json::json!({})).await;
        assert_eq!(status, 201);
        let receipts: Value =
            get_json(&client, &format!("{base}/api/v1/ledger/receipts?report_id={}", report.report_id)).await;
        let events: Vec<&str> =
            receipts["receipts"].as_array()?.iter().filter_map(|receipt| receipt["event"].as_str()).collect();
        let proven = receipts["receipts"].as_array()?.iter().all(|receipt| receipt["proof"].is_array());
        (proven && events.contains(&"filed") && events.contains(&"case_opened")).then_some(receipts)
    })
    .await;
    let size = receipts["checkpoint"]["size"].as_u64().unwrap();
    let root = hash(&receipts["checkpoint"]["root"]);
    for receipt in receipts["receipts"].as_array().unwrap() {
        let path: Vec<Hash> = receipt["proof"].as_array().unwrap().iter().map(hash).collect();
        let index = receipt["index"].as_u64().unwrap();
        assert!(aduan_ledger::verify_inclusion(index, size, &hash(&receipt["leaf_hash"]), &path, &root), "{receipt}");
    }
    let bad = client.get(format!("{base}/api/v1/ledger/receipts?report_id=not-a-uuid")).send().await.unwrap();
    assert_eq!(bad.status(), 400);

    // The tracking page shows them to the citizen who holds the secret.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let tracked = browser
        .post(format!("{base}/track"))
        .form(&[("code", report.report.tracking_code.as_str()), ("secret", report.report.secret.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = tracked
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("aduan_session="))
        .map(|value| value.split(';').next().unwrap().to_owned())
        .expect("a browser session");
    let page = browser
        .get(format!("{base}/track/{}", report.report.tracking_code))
        .header("cookie", cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first = receipts["receipts"][0]["index"].as_u64().unwrap();
    assert!(page.contains("id=\"receipts\"") && page.contains(&format!("Entry {first}")), "the receipts on the page");
}
