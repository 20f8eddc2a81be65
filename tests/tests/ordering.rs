//! Each report's facts in the order they happened, whatever order the bus
//! delivers them in and whatever the hosts' clocks say: each service's
//! consumer is given its events out of order, in the test process, on a
//! PostgreSQL database of the test's own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use aduan_e2e::{FreshDatabase, ServiceName};
use aduan_platform::clock::Today;
use aduan_platform::outbox::OutboxSignal;
use aduan_platform::proto::{
    Actor, AssignedToInstitution, CaseOpened, Deadline, Envelope, Escalated, FollowUpPosted, Privacy, PrivacyRaised,
    ReportContent, ReportFiled, ReportKind, Resolved, Role, Timestamp, envelope::Event,
};
use aduan_procedure::{ProcedureBook, ProcedureDocument};
use aduan_registry::Registry;
use aduan_registry_store::LiveRegistry;
use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use tower::ServiceExt as _;
use uuid::Uuid;

fn envelope(report_id: Uuid, sequence: u64, at: chrono::DateTime<Utc>, event: Event) -> Envelope {
    Envelope {
        message_id: Uuid::now_v7().to_string(),
        report_id: report_id.to_string(),
        occurred_at: Some(Timestamp { seconds: at.timestamp(), nanos: 0 }),
        actor: Some(Actor { role: Role::System as i32, pseudonym: "test".into() }),
        sequence,
        event: Some(event),
    }
}

fn content(kind: ReportKind, privacy: Privacy) -> ReportContent {
    ReportContent {
        kind: kind as i32,
        category: "roads".into(),
        region: "32.73".into(),
        title: "Pothole on Jalan Braga".into(),
        description: "A deep pothole in front of number 12.".into(),
        privacy: privacy as i32,
        tracking_code: "ADU-TEST-0000-0001".into(),
    }
}

fn assigned(content: ReportContent) -> Event {
    Event::Assigned(AssignedToInstitution {
        institution_id: "bandung-dpu".into(),
        institution_name: "Dinas Sumber Daya Air dan Bina Marga Kota Bandung".into(),
        content: Some(content),
        matched_by: "rule".into(),
        ..AssignedToInstitution::default()
    })
}

/// No staff calls these consumers: an authenticator that would ask nobody.
fn no_staff() -> Arc<aduan_platform::auth::Authenticator> {
    Arc::new(aduan_platform::auth::Authenticator::new("http://127.0.0.1:9").unwrap())
}

fn procedures() -> Arc<ProcedureBook> {
    Arc::new(ProcedureBook::national(ProcedureDocument::shipped()))
}

/// Resolution's state on `fresh`'s database, with the demo registry.
async fn resolution_state(fresh: &FreshDatabase) -> aduan_resolution::ResolutionState {
    let registry = LiveRegistry::open(&fresh.db, Registry::demo()).await.unwrap();
    let clocks =
        aduan_resolution::deadlines::ClockKeeper { registry, procedures: procedures(), today: Today::default() };
    aduan_resolution::ResolutionState {
        db: fresh.db.clone(),
        outbox: OutboxSignal::default(),
        clocks,
        authenticator: no_staff(),
    }
}

#[tokio::test]
async fn resolution_opens_a_case_as_private_as_a_raise_that_overtook_its_assignment() {
    let fresh = FreshDatabase::create(ServiceName::Resolution).await;
    let (_, handler) = aduan_resolution::consumer(&resolution_state(&fresh).await);
    let now = Utc::now();

    // The verifier raised the report to confidential after routing assigned
    // it anonymous; the raise arrives first.
    let report = Uuid::now_v7();
    let raise = PrivacyRaised { privacy: Privacy::Confidential as i32, reason: "It names a neighbour.".into() };
    handler.handle(envelope(report, 3, now, Event::PrivacyRaised(raise))).await.unwrap();
    handler
        .handle(envelope(report, 2, now, assigned(content(ReportKind::Complaint, Privacy::Anonymous))))
        .await
        .unwrap();
    let case = aduan_resolution::entities::case::Entity::find()
        .filter(aduan_resolution::entities::case::Column::ReportId.eq(report))
        .one(&fresh.db)
        .await
        .unwrap()
        .expect("the case opened");
    assert_eq!(case.privacy, "confidential", "the raise was kept for the case, not lost");
    assert_eq!(case.tier, "simple", "a complaint takes its category's tier");

    // An information request takes the information-request tier, whatever its category.
    let question = Uuid::now_v7();
    let request = content(ReportKind::InformationRequest, Privacy::Public);
    handler.handle(envelope(question, 2, now, assigned(request))).await.unwrap();
    let case = aduan_resolution::entities::case::Entity::find()
        .filter(aduan_resolution::entities::case::Column::ReportId.eq(question))
        .one(&fresh.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case.tier, "information_request");
    fresh.drop_it().await;
}

#[tokio::test]
async fn routing_keeps_a_resolved_case_off_the_national_verifiers_list_whatever_arrives_late() {
    let fresh = FreshDatabase::create(ServiceName::Routing).await;
    let registry = LiveRegistry::open(&fresh.db, Registry::demo()).await.unwrap();
    let verification = aduan_routing::verification_clock::VerificationClocks {
        registry: registry.clone(),
        procedures: procedures(),
        today: Today::default(),
    };
    let state = aduan_routing::RoutingState {
        db: fresh.db.clone(),
        registry,
        outbox: OutboxSignal::default(),
        verification,
        authenticator: no_staff(),
    };
    let (_, handler) = aduan_routing::consumer(&state);
    let now = Utc::now();
    let report = Uuid::now_v7();
    let filed = ReportFiled { content: Some(content(ReportKind::Complaint, Privacy::Public)), channel: "api".into() };
    handler.handle(envelope(report, 1, now, Event::Filed(filed))).await.unwrap();
    let escalation = |sequence| {
        let escalated = Escalated {
            case_id: Uuid::now_v7().to_string(),
            institution_id: "bandung-dpu".into(),
            clock: "resolution".into(),
            to: "national_verifier".into(),
            ..Escalated::default()
        };
        envelope(report, sequence, now, Event::Escalated(escalated))
    };
    let resolved = |sequence| envelope(report, sequence, now, Event::Resolved(Resolved::default()));
    let on_the_list = || async {
        aduan_routing::routed_report::Entity::find_by_id(report)
            .one(&fresh.db)
            .await
            .unwrap()
            .unwrap()
            .escalated_to_verifier_at
            .is_some()
    };

    // The escalation (5) that was overtaken by the resolution (6): not applied.
    handler.handle(resolved(6)).await.unwrap();
    handler.handle(escalation(5)).await.unwrap();
    assert!(!on_the_list().await, "a resolved case went back on the national verifier's list");
    // A case reopened and late again (9) does go on it.
    handler.handle(escalation(9)).await.unwrap();
    assert!(on_the_list().await);
    fresh.drop_it().await;
}

async fn call(router: &axum::Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    let request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    let body = body.map_or_else(Body::empty, |body| Body::from(body.to_string()));
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Files pothole `n` through intake's `router`; answers its row.
async fn file(
    router: &axum::Router,
    db: &sea_orm::DatabaseConnection,
    n: usize,
) -> aduan_intake::entities::report::Model {
    let (status, filed) = call(router, "POST", "/api/v1/reports", Some(aduan_e2e::citizen::pothole(n))).await;
    assert_eq!(status, 201, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap();
    aduan_intake::entities::report::Entity::find()
        .filter(aduan_intake::entities::report::Column::TrackingCode.eq(code))
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// Intake's state on `fresh`'s database, with the demo registry.
async fn intake_state(fresh: &FreshDatabase) -> aduan_intake::IntakeState {
    let registry = LiveRegistry::open(&fresh.db, Registry::demo()).await.unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let authenticator = Arc::new(aduan_platform::auth::Authenticator::new("http://127.0.0.1:9").unwrap());
    let identities = Arc::new(aduan_intake::IdentityKeys::parse(&format!("k1 {key}")).unwrap());
    aduan_intake::IntakeState {
        filer: aduan_intake::filer::Filer::start(fresh.db.clone(), identities.clone()),
        db: fresh.db.clone(),
        registry,
        procedures: procedures(),
        outbox: OutboxSignal::default(),
        today: Today::default(),
        identities,
        // Nothing here takes an API key or a staff token: an address where no accounts answers.
        api_keys: aduan_platform::auth::ApiKeys::new("http://127.0.0.1:9", authenticator.clone()).unwrap(),
        authenticator,
        files: aduan_intake::photos::FileStore::local(&std::env::temp_dir().join("aduan-ordering-files")).unwrap(),
    }
}

/// Citizens filing at the same moment share transactions (the filer writes
/// those waiting together): each still gets a report of their own, stored
/// with its own `filed` event, the first of its report's order.
#[tokio::test]
async fn filings_that_arrive_together_are_each_stored_with_their_own_event() {
    use aduan_proto::Message as _;
    let fresh = FreshDatabase::create(ServiceName::Intake).await;
    let router = aduan_intake::api::router(intake_state(&fresh).await).split_for_parts().0;
    let filings = (0..200).map(|n| {
        let router = router.clone();
        async move { call(&router, "POST", "/api/v1/reports", Some(aduan_e2e::citizen::pothole(n))).await }
    });
    let answers = futures::future::join_all(filings).await;
    let mut codes = std::collections::HashSet::new();
    for (status, filed) in &answers {
        assert_eq!(*status, 201, "{filed}");
        codes.insert(filed["tracking_code"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes.len(), 200, "each citizen has a report of their own");
    let reports = aduan_intake::entities::report::Entity::find().all(&fresh.db).await.unwrap();
    let stored: std::collections::HashSet<String> = reports.iter().map(|report| report.tracking_code.clone()).collect();
    assert_eq!(stored, codes, "every answered filing is stored, and nothing else");
    assert!(reports.iter().all(|report| report.status_sequence == 1), "each the first of its order");
    let events = aduan_platform::outbox::outbox_message::Entity::find().all(&fresh.db).await.unwrap();
    let mut announced = std::collections::HashMap::new();
    for row in &events {
        let envelope = aduan_platform::proto::Envelope::decode(row.payload.as_slice()).unwrap();
        assert_eq!((row.routing_key.as_str(), envelope.sequence), ("report.filed", 1));
        let Some(aduan_platform::proto::envelope::Event::Filed(filed)) = envelope.event else { panic!("{envelope:?}") };
        announced.insert(envelope.report_id.clone(), filed.content.unwrap().tracking_code);
    }
    let filed: std::collections::HashMap<String, String> =
        reports.iter().map(|report| (report.id.to_string(), report.tracking_code.clone())).collect();
    assert_eq!(announced, filed, "one event per report, naming it");
    // Rows a transaction wrote share its id: the filings did share them.
    let transactions = aduan_e2e::count(&fresh.db, "SELECT COUNT(DISTINCT xmin::text) FROM report").await;
    assert!(transactions <= 100, "200 filings arriving together took {transactions} transactions");
    fresh.drop_it().await;
}

#[tokio::test]
async fn intakes_status_never_goes_back_even_when_a_hosts_clock_runs_ahead() {
    let fresh = FreshDatabase::create(ServiceName::Intake).await;
    let state = intake_state(&fresh).await;
    let (_, handler) = aduan_intake::consumer(&state);
    let router = aduan_intake::api::router(state).split_for_parts().0;
    let report = file(&router, &fresh.db, 1).await;
    let code = report.tracking_code.clone();

    // Resolution's follow-up (9) and resolution (10); the follow-up arrives
    // last, stamped by a host whose clock is two hours ahead.
    let now = Utc::now();
    handler
        .handle(envelope(report.id, 2, now, assigned(content(ReportKind::Complaint, Privacy::Anonymous))))
        .await
        .unwrap();
    let resolved = Resolved { summary: "Patched on Monday.".into(), ..Resolved::default() };
    handler.handle(envelope(report.id, 10, now, Event::Resolved(resolved))).await.unwrap();
    let follow_up = FollowUpPosted { message: "We will inspect it.".into(), ..FollowUpPosted::default() };
    handler.handle(envelope(report.id, 9, now + Duration::hours(2), Event::FollowUpPosted(follow_up))).await.unwrap();

    let (status, view) = call(&router, "GET", &format!("/api/v1/reports/{code}"), None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "resolved", "the late follow-up set the status back: {view}");
    let kinds: Vec<&str> = view["updates"].as_array().unwrap().iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["assigned", "follow_up", "resolved"], "the timeline is in the facts' order");
    fresh.drop_it().await;
}

/// `events` as a batch the bus delivered together.
fn batch_of(events: Vec<Envelope>) -> Vec<aduan_platform::bus::Incoming> {
    events.into_iter().map(|envelope| aduan_platform::bus::Incoming { envelope, span: tracing::Span::none() }).collect()
}

fn deadlines_set(report_id: Uuid, sequence: u64, clock: &str, due_on: &str) -> Envelope {
    let deadline = Deadline { clock: clock.into(), due_on: due_on.into() };
    let set = aduan_platform::proto::DeadlinesSet { case_id: Uuid::now_v7().to_string(), deadlines: vec![deadline] };
    envelope(report_id, sequence, Utc::now(), Event::DeadlinesSet(set))
}

/// A case opening in the inbox of Bandung's public works, with the one deadline it announces.
fn case_opened(report_id: Uuid, sequence: u64, clock: &str, due_on: &str) -> Envelope {
    let opened = CaseOpened {
        case_id: Uuid::now_v7().to_string(),
        institution_id: "bandung-dpu".into(),
        deadlines: vec![Deadline { clock: clock.into(), due_on: due_on.into() }],
    };
    envelope(report_id, sequence, Utc::now(), Event::CaseOpened(opened))
}

/// Intake follows a batch (its reports written in one statement per set of
/// columns changed) as it follows the same events one by one.
#[tokio::test]
async fn intake_follows_a_batch_as_it_follows_its_events_one_by_one() {
    let fresh = FreshDatabase::create(ServiceName::Intake).await;
    let state = intake_state(&fresh).await;
    let (_, handler) = aduan_intake::consumer(&state);
    let router = aduan_intake::api::router(state).split_for_parts().0;
    let mut reports = Vec::new();
    for n in 0..4 {
        reports.push(file(&router, &fresh.db, n).await.id);
    }
    // Two stories: one opened with its deadlines, which then move (and the
    // move arrives first: the opening's older deadlines must not undo it);
    // one opened, resolved, and then followed up late (the follow-up's
    // place is before the resolution).
    let story = |first: Uuid, second: Uuid| {
        let follow_up = FollowUpPosted { message: "We will inspect it.".into(), ..FollowUpPosted::default() };
        let resolved = Resolved { summary: "Patched on Monday.".into(), ..Resolved::default() };
        let now = Utc::now();
        vec![
            envelope(first, 2, now, assigned(content(ReportKind::Complaint, Privacy::Anonymous))),
            envelope(second, 2, now, assigned(content(ReportKind::Complaint, Privacy::Anonymous))),
            deadlines_set(first, 5, "resolution", "2027-01-12"),
            case_opened(first, 3, "first_follow_up", "2026-12-08"),
            case_opened(second, 3, "first_follow_up", "2026-12-09"),
            envelope(second, 10, now, Event::Resolved(resolved)),
            envelope(second, 9, now, Event::FollowUpPosted(follow_up)),
        ]
    };
    let outcomes = handler.handle_batch(batch_of(story(reports[0], reports[1]))).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    for event in story(reports[2], reports[3]) {
        handler.handle(event).await.unwrap();
    }

    let seen = |id: Uuid| {
        let db = fresh.db.clone();
        async move {
            let report = aduan_intake::entities::report::Entity::find_by_id(id).one(&db).await.unwrap().unwrap();
            let timeline: Vec<(String, i64)> = aduan_intake::entities::report_update::Entity::find()
                .filter(aduan_intake::entities::report_update::Column::ReportId.eq(id))
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|update| (update.kind, update.sequence))
                .collect();
            let mut timeline = timeline;
            timeline.sort_by_key(|(_, sequence)| *sequence);
            let fields = (
                report.status,
                report.status_sequence,
                report.institution_name,
                report.deadlines,
                report.deadlines_sequence,
            );
            (fields, timeline)
        }
    };
    let (batched_first, batched_second) = (seen(reports[0]).await, seen(reports[1]).await);
    assert_eq!(batched_first, seen(reports[2]).await, "the first story");
    assert_eq!(batched_second, seen(reports[3]).await, "the second story");
    assert_eq!(batched_first.0.0, "assigned");
    let kept = batched_first.0.3.as_deref().unwrap();
    assert!(kept.contains("2027-01-12") && !kept.contains("2026-12-08"), "the later deadlines kept: {batched_first:?}");
    assert_eq!(batched_second.0.0, "resolved", "the late follow-up did not set it back");
    assert!(
        batched_second.0.3.as_deref().unwrap().contains("2026-12-09"),
        "the deadlines the case opened with: {batched_second:?}"
    );
    let kinds: Vec<&str> = batched_second.1.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["assigned", "received", "follow_up", "resolved"]);
    fresh.drop_it().await;
}

/// Resolution opens a batch's new cases together as it opens them one by
/// one: the same cases, clocks and events, numbered alike, and a report's
/// later event in the same batch finds its case.
#[tokio::test]
async fn resolution_opens_a_batch_of_cases_as_it_opens_them_one_by_one() {
    use aduan_proto::Message as _;
    let fresh = FreshDatabase::create(ServiceName::Resolution).await;
    let (_, handler) = aduan_resolution::consumer(&resolution_state(&fresh).await);
    let reports: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
    let story = |ids: &[Uuid]| {
        let now = Utc::now();
        let raise = PrivacyRaised { privacy: Privacy::Confidential as i32, reason: "It names a neighbour.".into() };
        vec![
            envelope(ids[0], 2, now, assigned(content(ReportKind::Complaint, Privacy::Anonymous))),
            envelope(ids[1], 2, now, assigned(content(ReportKind::InformationRequest, Privacy::Public))),
            envelope(ids[0], 3, now, Event::PrivacyRaised(raise)),
            envelope(ids[2], 2, now, assigned(content(ReportKind::Aspiration, Privacy::Public))),
        ]
    };
    let outcomes = handler.handle_batch(batch_of(story(&reports[..3]))).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    for event in story(&reports[3..]) {
        handler.handle(event).await.unwrap();
    }

    let events = aduan_platform::outbox::outbox_message::Entity::find().all(&fresh.db).await.unwrap();
    let seen = |id: Uuid| {
        let db = fresh.db.clone();
        // Each event's sequence, routing key and the deadlines it announces.
        let mut sent: Vec<(u64, String, Vec<Deadline>)> = events
            .iter()
            .map(|row| (Envelope::decode(row.payload.as_slice()).unwrap(), row.routing_key.clone()))
            .filter(|(envelope, _)| envelope.report_id == id.to_string())
            .map(|(envelope, key)| {
                let deadlines = match envelope.event {
                    Some(Event::CaseOpened(opened)) => opened.deadlines,
                    Some(Event::DeadlinesSet(set)) => set.deadlines,
                    _ => Vec::new(),
                };
                (envelope.sequence, key, deadlines)
            })
            .collect();
        sent.sort_by_key(|(sequence, _, _)| *sequence);
        async move {
            use aduan_resolution::entities::{case, case_clocks};
            let case = case::Entity::find().filter(case::Column::ReportId.eq(id)).one(&db).await.unwrap().unwrap();
            let clocks = case_clocks::Entity::find_by_id(case.id).one(&db).await.unwrap().unwrap();
            let fields = (case.status, case.institution_id, case.tier, case.privacy, case.next_due_on);
            (fields, clocks.state, clocks.next_check_at, sent)
        }
    };
    for n in 0..3 {
        let (mut batched, alone) = (seen(reports[n]).await, seen(reports[n + 3]).await);
        let keys: Vec<&str> = batched.3.iter().map(|(_, key, _)| key.as_str()).collect();
        assert_eq!(keys, ["report.case_opened"], "its opening, which announces its deadlines");
        assert!(
            batched.3[0].2.iter().any(|deadline| deadline.clock == "first_follow_up" && !deadline.due_on.is_empty()),
            "it opens with its first follow-up due: {:?}",
            batched.3
        );
        assert!(batched.0.4.is_some(), "its nearest deadline is kept for the inbox");
        if n == 0 {
            // The batch's raise (3) was seen before the case opened, so the
            // case's opening is numbered above it (4); one by one, the raise
            // came after it (3). Both follow every fact they follow from
            // (see `report_order`).
            let sequences = |sent: &[(u64, String, Vec<Deadline>)]| {
                sent.iter().map(|(sequence, _, _)| *sequence).collect::<Vec<_>>()
            };
            assert_eq!((sequences(&batched.3), sequences(&alone.3)), (vec![4], vec![3]));
            batched.3[0].0 = alone.3[0].0;
        }
        assert_eq!(batched, alone, "report {n} of the batch");
    }
    assert_eq!(seen(reports[0]).await.0.3, "confidential", "the raise after the opening found the case");
    fresh.drop_it().await;
}
