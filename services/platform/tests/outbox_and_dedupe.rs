//! The outbox and the dedupe record on real PostgreSQL and SQLite, with the
//! real in-process bus: an event leaves only with its transaction, is marked
//! only once the bus took it, and a redelivered message changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aduan_platform::bus::memory::MemoryBus;
use aduan_platform::bus::{Bus, HandlerError, MessageHandler, RetryPolicy, Subscription};
use aduan_platform::consumer::{ApplyEvent, TransactionalConsumer};
use aduan_platform::dedupe::{self, Claim};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::outbox::{self, OutboxRelay, OutboxSignal, RelaySettings, outbox_message};
use aduan_platform::proto::{Envelope, ReportFiled, envelope::Event};
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
        outbox::enqueue(&txn, &filed()).await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(pending(db).await, 0);

        // Committed: pending until the relay ran, then published in order and marked.
        let envelopes: Vec<Envelope> = (0..5).map(|_| filed()).collect();
        let txn = db.begin().await.unwrap();
        for envelope in &envelopes {
            outbox::enqueue(&txn, envelope).await.unwrap();
        }
        txn.commit().await.unwrap();
        assert_eq!(pending(db).await, 5);
        let relay = OutboxRelay::new(db.clone(), bus.clone(), OutboxSignal::default(), RelaySettings::default());
        assert_eq!(relay.publish_pending().await.unwrap(), 5);
        assert_eq!(pending(db).await, 0);
        let expected: Vec<String> = envelopes.iter().map(|e| e.message_id.clone()).collect();
        assert_eq!(*recorder.0.lock().await, expected);
        assert_eq!(relay.publish_pending().await.unwrap(), 0, "nothing goes out twice");

        // A bus that no longer takes messages leaves the rows pending for the next one.
        outbox::enqueue(db, &filed()).await.unwrap();
        bus.shutdown().await;
        assert_eq!(relay.publish_pending().await.unwrap(), 0);
        assert_eq!(pending(db).await, 1, "a row is marked only once the bus took it");
        let (next_bus, next_recorder, next_dead_letters) = memory_bus().await;
        let relay = OutboxRelay::new(db.clone(), next_bus, OutboxSignal::default(), RelaySettings::default());
        assert_eq!(relay.publish_pending().await.unwrap(), 1);
        assert_eq!(next_recorder.0.lock().await.len(), 1);

        dead_letters.drop_it().await;
        next_dead_letters.drop_it().await;
        test_db.drop_it().await;
    }
}

/// An effect that can be counted: it writes one outbox row per application.
struct CountingEffect(Arc<AtomicUsize>);

#[async_trait]
impl ApplyEvent for CountingEffect {
    async fn apply(&self, txn: &DatabaseTransaction, _envelope: &Envelope) -> Result<(), HandlerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        outbox::enqueue(txn, &filed()).await?;
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
