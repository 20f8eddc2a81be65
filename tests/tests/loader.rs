//! `aduan load` fills three services' databases with reports that are
//! whole in each: the citizen, the institution and the verifier see them as
//! if they had come through the pipeline, and the procedure goes on with
//! them, each next event numbered after the loaded ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan::load::{Sample, Stage, Targets};
use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::staff::verifier_step;
use std::time::Duration;

use aduan_e2e::{FreshDatabase, ServiceName, count, eventually, open_database, start_cluster, strings};
use serde_json::{Value, json};

const REPORTS: u64 = 4_000;

fn sample(samples: &[Sample], stage: Stage, institution: Option<&str>) -> Sample {
    samples
        .iter()
        .find(|sample| sample.stage == stage && institution.is_none_or(|id| sample.institution_id == id))
        .unwrap_or_else(|| panic!("no loaded report {stage:?} in {institution:?}"))
        .clone()
}

fn handle(sample: &Sample) -> FiledReport {
    FiledReport { tracking_code: sample.tracking_code.clone(), secret: sample.secret.clone() }
}

fn kinds(view: &Value) -> Vec<String> {
    view["updates"].as_array().unwrap().iter().map(|update| update["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn loaded_reports_are_whole_in_every_service_and_the_procedure_goes_on_with_them() {
    let cluster = start_cluster().await;
    let client = reqwest::Client::new();
    let intake = cluster.base_url(ServiceName::Intake);
    let routing = cluster.base_url(ServiceName::Routing);
    let resolution = cluster.base_url(ServiceName::Resolution);
    let targets = Targets::all(
        cluster.database_url(ServiceName::Intake),
        cluster.database_url(ServiceName::Routing),
        cluster.database_url(ServiceName::Resolution),
    );
    let loaded = aduan::load::load(&targets, &aduan_registry::Registry::demo(), REPORTS, ("roads", "32.73"))
        .await
        .expect("loading");
    assert_eq!(loaded.busy_institution, "bandung-dpu");
    assert_eq!(loaded.stages.iter().sum::<u64>(), REPORTS);
    assert!(loaded.stages.iter().all(|&stage| stage > 0), "every stage is loaded: {:?}", loaded.stages);
    let [queued, assigned, followed_up, closed] = loaded.stages.map(|n| i64::try_from(n).unwrap());

    // Each service holds every report, and a clock for each.
    let intake_db = open_database(cluster.database_url(ServiceName::Intake)).await;
    let routing_db = open_database(cluster.database_url(ServiceName::Routing)).await;
    let resolution_db = open_database(cluster.database_url(ServiceName::Resolution)).await;
    let all = i64::try_from(REPORTS).unwrap();
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM report").await, all);
    assert_eq!(count(&intake_db, "SELECT COUNT(*) FROM report WHERE status = 'closed'").await, closed);
    assert_eq!(count(&routing_db, "SELECT COUNT(*) FROM routed_report").await, all);
    assert_eq!(count(&routing_db, "SELECT COUNT(*) FROM routed_report WHERE status = 'submitted'").await, queued);
    assert_eq!(count(&resolution_db, "SELECT COUNT(*) FROM inbox_case").await, all - queued);
    assert_eq!(count(&resolution_db, "SELECT COUNT(*) FROM case_clocks").await, all - queued);
    for db in [&intake_db, &routing_db, &resolution_db] {
        assert_eq!(count(db, "SELECT COUNT(*) FROM report_clock").await, all);
    }
    // Every case's history tells its whole story, from the filing on.
    assert_eq!(count(&resolution_db, "SELECT COUNT(*) FROM report_history WHERE event = 'filed'").await, all);
    assert_eq!(count(&resolution_db, "SELECT COUNT(*) FROM report_history WHERE event = 'closed'").await, closed,);

    // A closed report, as its citizen follows it.
    let done = sample(&loaded.samples, Stage::Closed, None);
    let view = citizen::status(&client, &intake, &handle(&done)).await;
    assert_eq!(view["status"], "closed", "{view}");
    assert_eq!(kinds(&view), ["assigned", "received", "follow_up", "resolved", "closed"]);
    assert!(view["rating"].as_i64().is_some_and(|rating| (1..=5).contains(&rating)), "{view}");
    assert_eq!(view["deadlines"], json!([]));
    let case: Value = aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/cases/{}", done.case_id.unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "closed", "{case}");

    // The busy inbox counts what was loaded into it.
    let held_here = |status: &str| {
        format!("SELECT COUNT(*) FROM inbox_case WHERE institution_id = 'bandung-dpu' AND status = '{status}'")
    };
    let counts: Value =
        aduan_e2e::staff::get(&client, &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox/counts"))
            .await
            .json()
            .await
            .unwrap();
    let in_hand: Value = aduan_e2e::staff::get(
        &client,
        &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox/counts?closed=false"),
    )
    .await
    .json()
    .await
    .unwrap();
    let closed_here = count(&resolution_db, &held_here("closed")).await;
    assert!(closed_here > 0, "the busy inbox has closed cases: {counts}");
    // Every status but closed, counted as the whole count counts them.
    let mut without_closed = counts.as_array().unwrap().clone();
    without_closed.retain(|c| c["status"] != "closed");
    assert_eq!(in_hand, json!(without_closed), "{counts}");
    assert!(counts.as_array().unwrap().contains(&json!({ "status": "closed", "count": closed_here })), "{counts}");
    for status in ["assigned", "in_follow_up"] {
        let expected = count(&resolution_db, &held_here(status)).await;
        let counted = counts.as_array().unwrap().iter().find(|c| c["status"] == status).map(|c| c["count"].clone());
        assert_eq!(counted, Some(json!(expected)), "{status}: {counts}");
    }
    let refused = aduan_e2e::staff::get(
        &client,
        &format!("{resolution}/api/v1/institutions/bandung-dpu/inbox/counts?closed=maybe"),
    )
    .await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query", "{body}");
    assert!(assigned > 0 && followed_up > 0);

    // An officer resolves a loaded case that was followed up: its citizen
    // sees it resolved, so the new event came after the loaded ones.
    let working = sample(&loaded.samples, Stage::FollowedUp, Some("bandung-dpu"));
    let waiting = citizen::status(&client, &intake, &handle(&working)).await;
    assert_eq!(waiting["status"], "in_follow_up");
    assert!(waiting["deadlines"].as_array().unwrap().iter().any(|d| d["clock"] == "resolution"), "{waiting}");
    let (status, body) = citizen::work(
        &client,
        &resolution,
        &working.case_id.unwrap().to_string(),
        "resolution",
        "Diperbaiki pagi ini.",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let view = citizen::wait_for_status(&client, &intake, &handle(&working), "resolved").await;
    assert_eq!(kinds(&view), ["assigned", "received", "follow_up", "resolved"]);

    // A verifier places a loaded report from the queue: it opens in the
    // inbox, and its citizen sees where it went.
    let unplaced = sample(&loaded.samples, Stage::Queued, None);
    let (status, body) = verifier_step(
        &client,
        &routing,
        &unplaced.report_id.to_string(),
        "assignment",
        json!({ "institution_id": "bandung-dpu" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let opened = format!(
        "SELECT COUNT(*) FROM inbox_case WHERE report_id = '{}' AND institution_id = 'bandung-dpu'",
        unplaced.report_id
    );
    eventually(Duration::from_secs(30), "the case opened", || async {
        (count(&resolution_db, &opened).await == 1).then_some(())
    })
    .await;
    citizen::wait_for_status(&client, &intake, &handle(&unplaced), "assigned").await;
}

/// A disk too small for a country's reports in every service at once can
/// hold them in some: a load writes the databases it is given, alone, and
/// leaves each the indexes it had.
#[tokio::test(flavor = "multi_thread")]
async fn a_load_into_some_services_writes_theirs_alone() {
    let registry = aduan_registry::Registry::demo();
    let busy = ("roads", "32.73");
    let error = aduan::load::load(&Targets::default(), &registry, 10, busy).await.expect_err("no database");
    assert!(error.to_string().contains("no database to load"), "{error}");

    let resolution = FreshDatabase::create(ServiceName::Resolution).await;
    // By name: a rebuilt partial index's predicate is printed differently.
    let indexes = "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname";
    let before = strings(&resolution.db, indexes).await;
    let targets = Targets { resolution: Some(resolution.url.clone()), ..Targets::default() };
    let loaded = aduan::load::load(&targets, &registry, 1_000, busy).await.expect("loading");
    let queued = i64::try_from(loaded.stages[0]).unwrap();
    assert_eq!(count(&resolution.db, "SELECT COUNT(*) FROM inbox_case").await, 1_000 - queued);
    assert_eq!(count(&resolution.db, "SELECT COUNT(*) FROM report_clock").await, 1_000);
    assert_eq!(count(&resolution.db, "SELECT COUNT(*) FROM report_history WHERE event = 'filed'").await, 1_000);
    assert_eq!(strings(&resolution.db, indexes).await, before, "the indexes set aside are built again");
    resolution.drop_it().await;
}
