//! The auditors' figures across processes: what an institution did shows in
//! its figures, an auditor outside rebuilds every figure from the ledger's
//! entries alone and gets exactly what the live figures show, the open data
//! suppresses small cells and holds no words, who may read what, and a
//! sampled review that anyone can draw again and the institution reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_audit::facts::{CaseFacts, ReportFacts, fold};
use aduan_audit::figures::{Inputs, Period};
use aduan_e2e::{ServiceName, citizen, eventually, get_json, staff};
use aduan_platform::proto::{Envelope, Message as _};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Every entry of the ledger, as an outside auditor reads them: page by page.
async fn all_entries(client: &reqwest::Client, audit: &str) -> Vec<Envelope> {
    let mut envelopes = Vec::new();
    loop {
        let start = envelopes.len();
        let page: Vec<Value> =
            get_json(client, &format!("{audit}/api/v1/ledger/entries?start={start}&end={}", start + 1000)).await;
        if page.is_empty() {
            return envelopes;
        }
        for entry in page {
            let body = STANDARD.decode(entry["body"].as_str().unwrap()).unwrap();
            envelopes.push(Envelope::decode(body.as_slice()).unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn figures_show_what_institutions_did_and_anyone_with_the_entries_gets_the_same() {
    let cluster = aduan_e2e::start_cluster().await;
    let client = reqwest::Client::new();
    let (intake, resolution, audit) = (
        cluster.base_url(ServiceName::Intake),
        cluster.base_url(ServiceName::Resolution),
        cluster.base_url(ServiceName::Audit),
    );

    // One case answered, resolved, accepted with a rating; one sent back as
    // not the city's; one not answered yet.
    let answered = citizen::pothole_case(&client, &intake, &resolution).await;
    assert_eq!(
        citizen::work(&client, &resolution, &answered.case_id, "follow-ups", "A crew goes on Monday.").await.0,
        200
    );
    assert_eq!(citizen::work(&client, &resolution, &answered.case_id, "resolution", "Patched on Monday.").await.0, 200);
    citizen::wait_for_status(&client, &intake, &answered.report, "resolved").await;
    let accepted = client
        .post(format!("{intake}/api/v1/reports/{}/acceptance", answered.report.tracking_code))
        .json(&json!({ "secret": answered.report.secret, "rating": 4, "fixed": "yes" }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    let returned = citizen::pothole_case(&client, &intake, &resolution).await;
    assert_eq!(
        citizen::work(&client, &resolution, &returned.case_id, "return", "A national road: not the city's.").await.0,
        200
    );
    let _waiting = citizen::pothole_case(&client, &intake, &resolution).await;

    let city = eventually(Duration::from_secs(30), "the city's figures to show all three", || async {
        let figures: Value = get_json(&client, &format!("{audit}/api/v1/figures/institutions/bandung-dpu")).await;
        let counted = &figures["figures"];
        (counted["cases"] == 3 && counted["returned"] == 1 && counted["rated"] == 1).then_some(figures)
    })
    .await;
    let counted = &city["figures"];
    assert_eq!(counted["misrouting_rate"], 33.3, "{city}");
    // The unanswered case is within its first days: not counted against the city yet.
    assert_eq!((counted["follow_up_rate"].as_f64(), counted["follow_up_good"].as_bool()), (Some(100.0), Some(true)));
    assert_eq!(
        (counted["first_follow_up_on_time"].as_f64(), counted["resolution_on_time"].as_f64()),
        (Some(100.0), Some(100.0))
    );
    assert_eq!((counted["resolved"].as_u64(), counted["median_days_to_resolve"].as_f64()), (Some(1), Some(0.0)));
    assert_eq!((counted["mean_rating"].as_f64(), counted["fixed_yes"].as_u64()), (Some(4.0), Some(1)));
    assert!(counted["compliance_index"].as_f64().is_some_and(|index| index > 0.0 && index <= 100.0), "{city}");
    assert_eq!(city["backlog"]["open"], 1, "the unanswered case is the city's backlog: {city}");
    assert_eq!(city["level"], "regency");

    // The national figures, by level; the ranking lists the city, unranked with fewer than five cases.
    let national: Value = get_json(&client, &format!("{audit}/api/v1/figures")).await;
    assert!(national["cases"]["cases"].as_u64().unwrap() >= 3, "{national}");
    assert!(national["reports"]["filed"].as_u64().unwrap() >= 3, "{national}");
    assert!(national["levels"].as_array().unwrap().iter().any(|level| level["level"] == "regency"), "{national}");
    let ranking: Vec<Value> = get_json(&client, &format!("{audit}/api/v1/figures/ranking")).await;
    let listed = ranking.iter().find(|entry| entry["institution_id"] == "bandung-dpu").expect("the city listed");
    assert!(listed["rank"].is_null(), "too few cases to rank: {listed}");
    let csv = staff::get(&client, &format!("{audit}/api/v1/figures/ranking?format=csv")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("period,rank,institution_id,name,level,cases,"), "{csv}");
    assert!(csv.lines().any(|line| line.contains(",bandung-dpu,")), "{csv}");

    // Rebuilt from the entries alone, by someone who has only them and the
    // registry: the same as the live figures (asked again until no event
    // arrives between the two readings).
    let registry = aduan_registry::Registry::demo();
    let period = Period::parse(national["period"]["label"].as_str().unwrap()).unwrap();
    let (cases, live) = eventually(Duration::from_secs(30), "the figures rebuilt from the entries", || async {
        let live: Value = get_json(&client, &format!("{audit}/api/v1/figures?period={}", period.label)).await;
        let live_city: Value = get_json(&client, &format!("{audit}/api/v1/figures/institutions/bandung-dpu")).await;
        let live_ranking: Value = get_json(&client, &format!("{audit}/api/v1/figures/ranking")).await;
        let envelopes = all_entries(&client, &audit).await;
        let folded = fold(envelopes.iter());
        let reports: Vec<ReportFacts> = folded.values().map(|report| report.report.clone()).collect();
        let cases: Vec<CaseFacts> = folded.values().flat_map(|report| report.cases.clone()).collect();
        let inputs = Inputs { reports: &reports, cases: &cases, registry: &registry, now: chrono::Utc::now() };
        let same = serde_json::to_value(inputs.national(&period)).unwrap() == live
            && serde_json::to_value(inputs.institution("bandung-dpu", &period)).unwrap() == live_city
            && serde_json::to_value(inputs.ranking(&period, None)).unwrap() == live_ranking;
        same.then_some((cases, live))
    })
    .await;
    // And audit's own rebuild (what the migration does for an older ledger) makes the same facts.
    let audit_db = sea_orm::Database::connect(cluster.database_url(ServiceName::Audit)).await.unwrap();
    assert!(aduan_audit::projection::rebuild(&audit_db).await.unwrap() >= 3);
    let rebuilt: Value = get_json(&client, &format!("{audit}/api/v1/figures?period={}", period.label)).await;
    assert_eq!(rebuilt, live, "the figures after a rebuild from the ledger");

    // The open data, for anyone, by quarter: small cells suppressed, no words.
    let open: Value = reqwest::get(format!("{audit}/api/v1/open-data")).await.unwrap().json().await.unwrap();
    assert_eq!(open["suppressed_below"], 5);
    let cells = open["cells"].as_array().unwrap();
    let city = cells
        .iter()
        .find(|cell| cell["scope"] == "institution" && cell["id"] == "bandung-dpu")
        .expect("the city's row");
    assert_eq!(
        (city["suppressed"].as_bool(), city["cases"].is_null(), city["mean_rating"].is_null()),
        (Some(true), true, true)
    );
    assert!(cells.iter().any(|cell| cell["scope"] == "category" && cell["id"] == "roads"), "{open}");
    let text = open.to_string();
    for words in
        ["Pothole", "Patched", "crew", "national road", answered.report.tracking_code.as_str(), &answered.report_id]
    {
        assert!(!text.contains(words), "{words:?} in the open data");
    }
    let open_csv = reqwest::get(format!("{audit}/api/v1/open-data?format=csv")).await.unwrap().text().await.unwrap();
    assert!(open_csv.starts_with("period,scope,id,suppressed,"), "{open_csv}");
    assert!(open_csv.lines().any(|line| line.contains(",institution,bandung-dpu,true,,")), "{open_csv}");
    let by_year = reqwest::get(format!("{audit}/api/v1/open-data?period=2026")).await.unwrap();
    assert_eq!(by_year.status(), 422, "published by quarter only, so no period is the difference of others");

    // Who may read what; and a period that is not one.
    let officer = staff::member(&cluster, &["officer@bandung-dpu"]).await;
    let (status, body) = staff::get_as(&client, &officer, &format!("{audit}/api/v1/figures")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_permitted")));
    let coordinator = staff::member(&cluster, &["coordinator@bandung-dpu"]).await;
    let (status, _) =
        staff::get_as(&client, &coordinator, &format!("{audit}/api/v1/figures/institutions/bandung-dpu")).await;
    assert_eq!(status, 200, "an institution reads its own figures");
    let (status, body) =
        staff::get_as(&client, &coordinator, &format!("{audit}/api/v1/figures/institutions/jabar-dbmpr")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("outside_scope")));
    let (status, body) = staff::get_as(&client, &coordinator, &format!("{audit}/api/v1/figures/ranking")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_permitted")), "the ranking is the auditors'");
    let bad = staff::get(&client, &format!("{audit}/api/v1/figures?period=2026-Q5")).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["code"], "invalid_period");
    let unknown = staff::get(&client, &format!("{audit}/api/v1/figures/institutions/atlantis")).await;
    assert_eq!(unknown.status(), 404);

    // A sampled review: drawn again by anyone from the seed, scored, read by the institution, in the ledger.
    let (status, sample) = staff::post(
        &client,
        &format!("{audit}/api/v1/review-samples"),
        &json!({ "institution_id": "bandung-dpu", "period": period.label, "size": 10 }),
    )
    .await;
    assert_eq!(status, 201, "{sample}");
    let drawn: Vec<&str> =
        sample["cases"].as_array().unwrap().iter().map(|case| case["report_id"].as_str().unwrap()).collect();
    assert_eq!(drawn, vec![answered.report_id.as_str()], "the one case the city closed: {sample}");
    let closed = cases.iter().filter(|case| case.institution_id == "bandung-dpu" && case.closed_at.is_some());
    let seed = sample["seed"].as_str().unwrap();
    assert_eq!(aduan_audit::reviews::draw(seed, closed.map(|case| case.report_id.as_str()), 10), drawn);
    let sample_url = format!("{audit}/api/v1/review-samples/{}", sample["id"].as_str().unwrap());
    let scores = json!({ "answered_the_complaint": 2, "clear_and_respectful": 2, "evidence_of_action": 1, "right_procedure": 2 });
    let review = |scores: Value, findings: &str| json!({ "report_id": answered.report_id, "scores": scores, "findings": findings });
    let (status, body) =
        staff::post(&client, &format!("{sample_url}/reviews"), &review(json!({ "answered_the_complaint": 3 }), "x"))
            .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_scores")));
    let findings = "The answer names the street but shows no photo of the patch.";
    let (status, body) =
        staff::post(&client, &format!("{sample_url}/reviews"), &review(scores.clone(), findings)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((body["reviewed"].as_u64(), body["cases"][0]["review"]["total"].as_u64()), (Some(1), Some(7)));
    let (status, body) = staff::post(&client, &format!("{sample_url}/reviews"), &review(scores, findings)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_reviewed")));
    let (status, samples) =
        staff::get_as(&client, &coordinator, &format!("{audit}/api/v1/review-samples?institution=bandung-dpu")).await;
    assert_eq!(status, 200, "the institution reads its findings");
    assert_eq!(samples[0]["cases"][0]["review"]["findings"], findings);
    let (status, body) = staff::post_as(
        &client,
        &coordinator,
        &format!("{audit}/api/v1/review-samples"),
        &json!({ "institution_id": "bandung-dpu", "period": period.label }),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("not_permitted")), "only auditors draw samples");
    let in_ledger = eventually(Duration::from_secs(30), "the review in the ledger", || async {
        let envelopes = all_entries(&client, &audit).await;
        let names: Vec<&str> = envelopes.iter().filter_map(|e| e.event.as_ref().map(|event| event.name())).collect();
        (names.contains(&"review_sample_drawn") && names.contains(&"case_reviewed")).then_some(envelopes)
    })
    .await;
    let reviewed =
        in_ledger.iter().find(|e| e.event.as_ref().is_some_and(|event| event.name() == "case_reviewed")).unwrap();
    let Some(aduan_platform::proto::envelope::Event::CaseReviewed(entry)) = &reviewed.event else { unreachable!() };
    assert_eq!(
        entry.findings,
        aduan_audit::commitments::commitment(findings),
        "the ledger holds the findings' commitment"
    );
    cluster.destroy().await.unwrap();
}

/// The facts take in every entry of every report they catch up with, on a
/// PostgreSQL ledger that has no statistics yet, where the reports' entries
/// are read by a lateral join rather than a list: more reports than one
/// statement reads, each with entries from two catch-ups. (What it checks
/// is what is read; how fast is in PERFORMANCE.md.)
#[tokio::test(flavor = "multi_thread")]
async fn the_facts_catch_up_with_every_entry_of_every_report() {
    use aduan_audit::entities::audit_report;
    use aduan_platform::envelope::{new_envelope, system_actor};
    use aduan_platform::proto::envelope::Event;
    use aduan_platform::proto::{AssignedToInstitution, ReportFiled};
    use sea_orm::{EntityTrait as _, TransactionTrait as _};

    let ledger = aduan_e2e::FreshDatabase::create(ServiceName::Audit).await;
    let reports: Vec<uuid::Uuid> = (0..700).map(|_| uuid::Uuid::now_v7()).collect();
    let filed: Vec<Envelope> = reports
        .iter()
        .map(|report| new_envelope(*report, system_actor("test"), Event::Filed(ReportFiled::default())))
        .collect();
    let assigned: Vec<Envelope> = reports
        .iter()
        .map(|report| {
            let to = AssignedToInstitution { institution_id: "bandung-dpu".into(), ..Default::default() };
            new_envelope(*report, system_actor("test"), Event::Assigned(to))
        })
        .collect();
    for round in [&filed, &assigned] {
        let txn = ledger.db.begin().await.unwrap();
        aduan_audit::appending::append_all(&txn, &round.iter().collect::<Vec<_>>()).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(aduan_audit::projection::catch_up(&ledger.db).await.unwrap(), 700);
    }

    let facts = audit_report::Entity::find().all(&ledger.db).await.unwrap();
    let mut folded: Vec<String> = facts
        .iter()
        .filter(|report| report.filed_at.is_some() && report.holder.as_deref() == Some("bandung-dpu"))
        .map(|report| report.report_id.clone())
        .collect();
    folded.sort();
    let mut expected: Vec<String> = reports.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(facts.len(), 700, "one row of facts per report");
    assert_eq!(folded, expected, "every report folded from both its entries");
    ledger.drop_it().await;
}
