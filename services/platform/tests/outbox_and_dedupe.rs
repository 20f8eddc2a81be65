//! The outbox and the dedupe record on real PostgreSQL and SQLite, with the
//! real in-process bus: an event leaves only with its transaction, is marked
//! only once the bus took it, and a redelivered message changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aduan_platform::bus::memory::MemoryBus;
use aduan_platform::bus::{Bus, HandlerError, Incoming, MessageHandler, RetryPolicy, Subscription};
use aduan_platform::consumer::{ApplyEvent, TransactionalConsumer};
use aduan_platform::dedupe::{self, Claim};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::outbox::{self, OutboxRelay, OutboxSignal, RelaySettings, outbox_message};
use aduan_platform::proto::{Envelope, ForwardedToUnit, ReportFiled, ReturnedNotAuthority, envelope::Event};
use aduan_platform::report_order;
use async_trait::async_trait;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use sea_orm_migration::MigratorTrait as _;
use support::TestDatabase;
use tokio::sync::Mutex;

fn filed() -> Envelope {
    new_envelope(uuid::Uuid::now_v7(), system_actor("test"), Event::Filed(ReportFiled::default()))
}

/// A subscriber that remembers what it was given, in order.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

#[async_trait]
impl MessageHandler for Recorder {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError> {
        self.0.lock().await.push(envelope.message_id);
        Ok(())
    }
}

async fn memory_bus() -> (Arc<MemoryBus>, Arc<Recorder>, TestDatabase) {
    let dead_letters = TestDatabase::sqlite().await;
    BusMigrator::up(&dead_letters.db, None).await.unwrap();
    let bus = Arc::new(MemoryBus::new(RetryPolicy { delays: vec![] }, dead_letters.db.clone()));
    let recorder = Arc::new(Recorder::default());
    let subscription = Subscription { consumer: "recorder".into(), bindings: vec!["report.#".into()] };
    bus.subscribe(subscription, recorder.clone()).await.unwrap();
    (bus, recorder, dead_letters)
}

async fn pending(db: &sea_orm::DatabaseConnection) -> u64 {
    outbox_message::Entity::find().filter(outbox_message::Column::PublishedAt.is_null()).count(db).await.unwrap()
}

#[tokio::test]
async fn an_event_leaves_with_its_transaction_in_order_and_is_marked_once_taken() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let (bus, recorder, dead_letters) = memory_bus().await;

        // Rolled back: the event never existed.
        let txn = db.begin().await.unwrap();
        outbox::enqueue(&txn, filed()).await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(pending(db).await, 0);

        // Committed: pending until the relay ran, then published in order and marked.
        let envelopes: Vec<Envelope> = (0..5).map(|_| filed()).collect();
        let txn = db.begin().await.unwrap();
        for envelope in &envelopes {
            outbox::enqueue(&txn, envelope.clone()).await.unwrap();
        }
        txn.commit().await.unwrap();
        assert_eq!(pending(db).await, 5);
        let relay = OutboxRelay::new(db.clone(), bus.clone(), OutboxSignal::default(), RelaySettings::default());
        assert_eq!(relay.publish_pending().await.unwrap().published, 5);
        assert_eq!(pending(db).await, 0);
        let expected: Vec<String> = envelopes.iter().map(|e| e.message_id.clone()).collect();
        assert_eq!(*recorder.0.lock().await, expected);
        assert_eq!(relay.publish_pending().await.unwrap().claimed, 0, "nothing goes out twice");

        // A bus that no longer takes messages leaves the rows pending for the next one.
        outbox::enqueue(db, filed()).await.unwrap();
        bus.shutdown().await;
        assert_eq!(relay.publish_pending().await.unwrap().published, 0);
        assert_eq!(pending(db).await, 1, "a row is marked only once the bus took it");
        let (next_bus, next_recorder, next_dead_letters) = memory_bus().await;
        let relay = OutboxRelay::new(db.clone(), next_bus, OutboxSignal::default(), RelaySettings::default());
        assert_eq!(relay.publish_pending().await.unwrap().published, 1, "released at once, not after the lease");
        assert_eq!(next_recorder.0.lock().await.len(), 1);

        dead_letters.drop_it().await;
        next_dead_letters.drop_it().await;
        test_db.drop_it().await;
    }
}

/// A report filed `ago` before now: its message id tells that time.
fn filed_ago(ago: chrono::Duration) -> Envelope {
    let mut envelope = filed();
    let millis = u64::try_from((chrono::Utc::now() - ago).timestamp_millis()).unwrap();
    let fresh = uuid::Uuid::now_v7();
    let random: &[u8; 10] = fresh.as_bytes()[6..].try_into().unwrap();
    envelope.message_id = uuid::Builder::from_unix_timestamp_millis(millis, random).into_uuid().to_string();
    envelope
}

#[tokio::test]
async fn published_rows_are_kept_for_a_while_then_purged() {
    use sea_orm::sea_query::Expr;
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let (bus, _recorder, dead_letters) = memory_bus().await;
        let settings =
            RelaySettings { keep_published: std::time::Duration::from_secs(3600), ..RelaySettings::default() };
        let relay = OutboxRelay::new(db.clone(), bus.clone(), OutboxSignal::default(), settings);
        let old = filed_ago(chrono::Duration::hours(2));
        // Written as long ago, but published only now (the broker was away).
        let late = filed_ago(chrono::Duration::hours(3));
        let recent = filed_ago(chrono::Duration::minutes(10));
        for envelope in [&old, &late, &recent] {
            outbox::enqueue(db, envelope.clone()).await.unwrap();
        }
        assert_eq!(relay.publish_pending().await.unwrap().published, 3);
        // The old one was published when it was written. The recent one is
        // marked as published as long ago too, which no relay does (a row is
        // written before it is published): it stays all the same, since the
        // purge reads only the ids written before the horizon.
        outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::PublishedAt, Expr::value(chrono::Utc::now() - chrono::Duration::hours(2)))
            .filter(
                outbox_message::Column::MessageId
                    .is_in([&old, &recent].map(|e| uuid::Uuid::parse_str(&e.message_id).unwrap())),
            )
            .exec(db)
            .await
            .unwrap();
        // As old, and not published yet: never purged.
        let unpublished = filed_ago(chrono::Duration::hours(3));
        outbox::enqueue(db, unpublished.clone()).await.unwrap();

        assert_eq!(relay.purge_published().await.unwrap(), 1);
        let mut left: Vec<String> = outbox_message::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.message_id.to_string())
            .collect();
        left.sort();
        let mut expected = vec![late.message_id, recent.message_id, unpublished.message_id];
        expected.sort();
        assert_eq!(left, expected);
        assert_eq!(relay.purge_published().await.unwrap(), 0);

        dead_letters.drop_it().await;
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn only_uuidv7_ids_enter_the_outbox() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let random = Envelope { message_id: uuid::Uuid::new_v4().to_string(), ..filed() };
        let error = outbox::enqueue(db, random).await.expect_err("refused");
        assert!(error.to_string().contains("not a UUIDv7"), "{error}");
        assert_eq!(outbox_message::Entity::find().count(db).await.unwrap(), 0);
        test_db.drop_it().await;
    }
}

/// The outbox as an earlier release declared it: `published_at` and
/// `parked_at` with indexes of their own.
mod earlier_outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_message")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
        #[sea_orm(indexed)]
        pub published_at: Option<DateTimeUtc>,
        #[sea_orm(indexed)]
        pub parked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The outbox's indexes after the migrations, by name.
async fn outbox_indexes(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox_message'",
        _ => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_message'",
    };
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let mut names: Vec<String> = rows.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_outbox_of_an_earlier_release_loses_the_indexes_it_no_longer_needs() {
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::{MigrationTrait as _, SchemaManager};
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let manager = SchemaManager::new(db);
        // As an earlier release left it: its indexes, under the names
        // sea-orm gave them, and no partial one for parked rows.
        aduan_platform::migrations::create_indexes_for(&manager, earlier_outbox::Entity).await.unwrap();
        db.execute_unprepared("DROP INDEX outbox_message_parked").await.unwrap();
        let before = outbox_indexes(db).await;
        assert_eq!(before.iter().filter(|name| name.starts_with("idx-outbox_message-")).count(), 2, "{before:?}");

        aduan_platform::migrations::LighterOutbox.up(&manager).await.unwrap();
        let names = outbox_indexes(db).await;
        assert!(names.iter().all(|name| !name.starts_with("idx-outbox_message-")), "{names:?}");
        assert!(names.contains(&"outbox_message_parked".to_owned()), "{names:?}");
        assert!(names.contains(&"outbox_message_pending".to_owned()), "{names:?}");
        test_db.drop_it().await;
    }
}

fn event(event: Event) -> Envelope {
    new_envelope(uuid::Uuid::now_v7(), system_actor("test"), event)
}

#[tokio::test]
async fn an_event_nobody_binds_is_parked_with_its_reason_and_holds_back_nothing() {
    aduan_platform::metrics::install("platform-tests");
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        // Named for this run alone: the metrics are the whole process's.
        let service = format!("parking-{}", uuid::Uuid::now_v7().simple());
        let dead_letters = TestDatabase::sqlite().await;
        BusMigrator::up(&dead_letters.db, None).await.unwrap();
        let bus = Arc::new(MemoryBus::new(RetryPolicy { delays: vec![] }, dead_letters.db.clone()));
        let recorder = Arc::new(Recorder::default());
        let subscription = Subscription { consumer: "recorder".into(), bindings: vec!["report.filed".into()] };
        bus.subscribe(subscription, recorder.clone()).await.unwrap();

        // A forward to a unit: announced, consumed by nobody, which is fine.
        // A return: the topology says routing consumes it, but nothing binds it here.
        let forwarded = event(Event::ForwardedToUnit(ForwardedToUnit::default()));
        let returned = event(Event::Returned(ReturnedNotAuthority::default()));
        let (first, last) = (filed(), filed());
        for envelope in [&first, &forwarded, &returned, &last] {
            outbox::enqueue(db, envelope.clone()).await.unwrap();
        }
        let relay = OutboxRelay::new(db.clone(), bus.clone(), OutboxSignal::default(), RelaySettings::default())
            .named(&service);
        let round = relay.publish_pending().await.unwrap();
        assert_eq!((round.claimed, round.published, round.parked), (4, 3, 1));
        assert_eq!(*recorder.0.lock().await, vec![first.message_id.clone(), last.message_id.clone()]);
        assert_eq!(pending(db).await, 1, "the parked row is not published");
        let parked = outbox::parked(db, 10).await.unwrap();
        assert_eq!(parked.len(), 1);
        assert_eq!(parked[0].message_id.to_string(), returned.message_id);
        assert!(parked[0].reason.contains("report.returned"), "{}", parked[0].reason);
        assert_eq!(outbox::count_parked(db).await.unwrap(), 1);
        assert_eq!(relay.publish_pending().await.unwrap().claimed, 0, "a parked row is not tried again");

        // Once a consumer binds it, an operator replays it and it goes out.
        let late = Subscription { consumer: "late".into(), bindings: vec!["report.returned".into()] };
        let late_recorder = Arc::new(Recorder::default());
        bus.subscribe(late, late_recorder.clone()).await.unwrap();
        assert_eq!(outbox::replay_parked(db).await.unwrap(), 1);
        assert_eq!(relay.publish_pending().await.unwrap().published, 1);
        assert_eq!(*late_recorder.0.lock().await, vec![returned.message_id.clone()]);
        assert_eq!((pending(db).await, outbox::count_parked(db).await.unwrap()), (0, 0));

        // The metrics count the rows published, not those claimed or
        // parked, and time the rounds that carried rows, not the empty one.
        let response = aduan_platform::metrics::render().await;
        let text = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
        let text = String::from_utf8_lossy(&text);
        let labels = format!("process=\"platform-tests\",service=\"{service}\"");
        for expected in [
            format!("aduan_outbox_published_total{{{labels}}} 4"),
            format!("aduan_outbox_step_seconds_count{{{labels},step=\"claim\"}} 2"),
            format!("aduan_outbox_step_seconds_count{{{labels},step=\"publish\"}} 2"),
            format!("aduan_outbox_step_seconds_count{{{labels},step=\"settle\"}} 2"),
        ] {
            assert!(text.lines().any(|line| line == expected), "no {expected:?} in\n{text}");
        }
        dead_letters.drop_it().await;
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn each_report_gets_the_next_sequence_above_any_seen() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let report = uuid::Uuid::now_v7();
        assert_eq!(report_order::next(db, report).await.unwrap(), 1);
        assert_eq!(report_order::next(db, report).await.unwrap(), 2);
        report_order::observe(db, report, 10).await.unwrap();
        report_order::observe(db, report, 4).await.unwrap();
        assert_eq!(report_order::next(db, report).await.unwrap(), 11, "above the greatest seen, not the last");
        let other = uuid::Uuid::now_v7();
        report_order::observe(db, other, 7).await.unwrap();
        assert_eq!(report_order::next(db, other).await.unwrap(), 8);
        // The outbox gives each event of a report its sequence.
        let envelope = new_envelope(report, system_actor("test"), Event::Filed(ReportFiled::default()));
        assert_eq!(outbox::enqueue(db, envelope).await.unwrap(), 12);
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn events_enqueued_together_are_numbered_as_one_by_one() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        // One report seen at 10, one with a clock at 3, one new; the first
        // two with three events each, interleaved, the third with one.
        let (seen, given, new) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        report_order::observe(db, seen, 10).await.unwrap();
        for _ in 0..3 {
            report_order::next(db, given).await.unwrap();
        }
        let filed = |report| new_envelope(report, system_actor("test"), Event::Filed(ReportFiled::default()));
        let order = [seen, given, seen, new, given, given, seen];
        let envelopes: Vec<Envelope> = order.iter().map(|report| filed(*report)).collect();
        // Each with the trace of the work that caused it.
        let trace = |n: usize| Some(format!("00-{:032x}-00f067aa0ba902b7-01", n + 1));
        let outgoing = envelopes
            .iter()
            .enumerate()
            .map(|(n, envelope)| outbox::Outgoing { envelope: envelope.clone(), traceparent: trace(n) })
            .collect();
        let sequenced = outbox::enqueue_all(db, outgoing).await.unwrap();
        let sequences: Vec<u64> = sequenced.iter().map(|envelope| envelope.sequence).collect();
        assert_eq!(sequences, vec![11, 4, 12, 1, 5, 6, 13], "each report's next, in their order here");
        let ids: Vec<&str> = sequenced.iter().map(|envelope| envelope.message_id.as_str()).collect();
        let sent: Vec<&str> = envelopes.iter().map(|envelope| envelope.message_id.as_str()).collect();
        assert_eq!(ids, sent);
        assert_eq!(pending(db).await, 7, "every event is in the outbox");
        assert_eq!(report_order::next(db, seen).await.unwrap(), 14, "the clock went past them");
        assert_eq!(report_order::next(db, new).await.unwrap(), 2);
        // Their rows carry them: what the relay publishes is numbered.
        let row = outbox_message::Entity::find_by_id(uuid::Uuid::parse_str(ids[6]).unwrap()).one(db).await.unwrap();
        let row = row.unwrap();
        let published = <Envelope as prost::Message>::decode(row.payload.as_slice()).unwrap();
        assert_eq!(published.sequence, 13);
        assert_eq!(row.traceparent, trace(6), "its own trace, not the batch's");
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn folding_what_was_seen_into_the_clocks_changes_no_sequence() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        // 2,500 reports seen twice (five rounds of the fold), one of them also given a sequence.
        let reports: Vec<uuid::Uuid> = (0..2500).map(|_| uuid::Uuid::now_v7()).collect();
        let seen: Vec<(uuid::Uuid, u64)> = reports.iter().flat_map(|report| [(*report, 3), (*report, 5)]).collect();
        for chunk in seen.chunks(500) {
            report_order::observe_all(db, chunk).await.unwrap();
        }
        assert_eq!(report_order::next(db, reports[7]).await.unwrap(), 6);
        assert_eq!(report_order::fold_seen(db).await.unwrap(), 5000, "every row seen is folded");
        assert_eq!(report_order::fold_seen(db).await.unwrap(), 0, "nothing is left to fold");
        assert_eq!(report_order::next(db, reports[7]).await.unwrap(), 7, "the clock given is kept");
        assert_eq!(report_order::next(db, reports[2499]).await.unwrap(), 6, "the greatest seen is kept");
        // Seen again after the fold: above the folded clock only if greater.
        report_order::observe(db, reports[0], 4).await.unwrap();
        report_order::observe(db, reports[1], 9).await.unwrap();
        assert_eq!(report_order::next(db, reports[0]).await.unwrap(), 6);
        assert_eq!(report_order::next(db, reports[1]).await.unwrap(), 10);
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn two_transactions_seeing_events_of_one_report_do_not_wait_for_each_other() {
    let test_db = TestDatabase::postgres().await;
    let db = &test_db.db;
    let report = uuid::Uuid::now_v7();
    let first = db.begin().await.unwrap();
    report_order::observe(&first, report, 1).await.unwrap();
    let second = db.begin().await.unwrap();
    // Before, the second waited here until the first committed.
    let observed = tokio::time::timeout(std::time::Duration::from_secs(5), report_order::observe(&second, report, 2));
    observed.await.expect("the second transaction waited for the first").unwrap();
    second.commit().await.unwrap();
    first.commit().await.unwrap();
    assert_eq!(report_order::next(db, report).await.unwrap(), 3);
    test_db.drop_it().await;
}

#[tokio::test]
async fn a_batch_claims_each_message_once_even_when_it_holds_it_twice() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let (handled, new, twice) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let txn = db.begin().await.unwrap();
        dedupe::claim(&txn, "routing", handled).await.unwrap();
        txn.commit().await.unwrap();
        let txn = db.begin().await.unwrap();
        let fresh = dedupe::claim_all(&txn, "routing", &[handled, new, twice, twice]).await.unwrap();
        assert_eq!(fresh, [new, twice].into_iter().collect());
        txn.commit().await.unwrap();

        // Through the consumer: a batch with a redelivery inside it applies each message once.
        let applied = Arc::new(AtomicUsize::new(0));
        let consumer = TransactionalConsumer::new(
            "counting",
            db.clone(),
            OutboxSignal::default(),
            CountingEffect(applied.clone()),
        );
        let (one, other) = (filed(), filed());
        let batch = [&one, &other, &one]
            .into_iter()
            .map(|envelope| Incoming { envelope: envelope.clone(), span: tracing::Span::none() })
            .collect();
        let outcomes = consumer.handle_batch(batch).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        assert_eq!(applied.load(Ordering::SeqCst), 2);
        assert_eq!(pending(db).await, 2, "one outgoing event per message");
        test_db.drop_it().await;
    }
}

/// An effect that can be counted: it writes one outbox row per application.
struct CountingEffect(Arc<AtomicUsize>);

#[async_trait]
impl ApplyEvent for CountingEffect {
    async fn apply(&self, txn: &DatabaseTransaction, _envelope: &Envelope) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        outbox::enqueue(txn, filed()).await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_redelivered_message_changes_nothing() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let message_id = uuid::Uuid::now_v7();
        let txn = db.begin().await.unwrap();
        assert_eq!(dedupe::claim(&txn, "routing", message_id).await.unwrap(), Claim::New);
        txn.commit().await.unwrap();
        let txn = db.begin().await.unwrap();
        assert_eq!(dedupe::claim(&txn, "routing", message_id).await.unwrap(), Claim::AlreadyHandled);
        assert_eq!(dedupe::claim(&txn, "resolution", message_id).await.unwrap(), Claim::New, "per consumer");
        txn.rollback().await.unwrap();

        let applied = Arc::new(AtomicUsize::new(0));
        let consumer = TransactionalConsumer::new(
            "counting",
            db.clone(),
            OutboxSignal::default(),
            CountingEffect(applied.clone()),
        );
        let envelope = filed();
        for _ in 0..3 {
            consumer.handle(envelope.clone()).await.unwrap();
        }
        assert_eq!(applied.load(Ordering::SeqCst), 1);
        assert_eq!(pending(db).await, 1, "the effect's outgoing event was written once");

        let garbage = Envelope { message_id: "not-a-uuid".into(), ..filed() };
        assert!(matches!(consumer.handle(garbage).await, Err(HandlerError::Permanent(_))));
        test_db.drop_it().await;
    }
}

#[tokio::test]
async fn records_of_handled_messages_are_purged_after_their_window() {
    for test_db in TestDatabase::both().await {
        let db = &test_db.db;
        let txn = db.begin().await.unwrap();
        let (old, recent) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        dedupe::claim(&txn, "routing", old).await.unwrap();
        dedupe::claim(&txn, "routing", recent).await.unwrap();
        txn.commit().await.unwrap();
        // The first was handled eight days ago.
        let eight_days_ago = chrono::Utc::now() - chrono::Duration::days(8);
        dedupe::processed_message::Entity::update_many()
            .col_expr(dedupe::processed_message::Column::ProcessedAt, sea_orm::sea_query::Expr::value(eight_days_ago))
            .filter(dedupe::processed_message::Column::MessageId.eq(old))
            .exec(db)
            .await
            .unwrap();
        assert_eq!(dedupe::purge(db, dedupe::RETENTION).await.unwrap(), 1);
        let txn = db.begin().await.unwrap();
        assert_eq!(
            dedupe::claim(&txn, "routing", recent).await.unwrap(),
            Claim::AlreadyHandled,
            "kept within the window"
        );
        txn.rollback().await.unwrap();
        test_db.drop_it().await;
    }
}
