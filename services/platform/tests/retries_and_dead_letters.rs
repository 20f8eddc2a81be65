//! Retry with back-off and dead-lettering on both buses, against the real
//! RabbitMQ (a namespace of the test's own) and the real in-process bus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::bus::memory::{MemoryBus, dead_letter};
use aduan_platform::bus::rabbit::{DEAD_REASON_HEADER, Names, RabbitBus, RabbitSettings, delete_namespace};
use aduan_platform::bus::{Bus, HandlerError, MessageHandler, OutgoingMessage, RetryPolicy, Subscription};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::proto::{Envelope, Message as _, ReportFiled, envelope::Event};
use async_trait::async_trait;
use futures::StreamExt as _;
use lapin::options::BasicConsumeOptions;
use lapin::types::{AMQPValue, FieldTable};
use sea_orm::EntityTrait;
use sea_orm_migration::MigratorTrait as _;
use tokio::sync::Mutex;

/// Fails the first `failures` deliveries of each message, then succeeds; records every attempt.
struct Flaky {
    failures: usize,
    attempts: Mutex<Vec<String>>,
}

#[async_trait]
impl MessageHandler for Flaky {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError> {
        let mut attempts = self.attempts.lock().await;
        attempts.push(envelope.message_id.clone());
        let so_far = attempts.iter().filter(|id| **id == envelope.message_id).count();
        if so_far <= self.failures {
            return Err(HandlerError::Transient(anyhow::anyhow!("attempt {so_far} fails")));
        }
        Ok(())
    }
}

fn message() -> OutgoingMessage {
    let envelope = new_envelope(uuid::Uuid::now_v7(), system_actor("test"), Event::Filed(ReportFiled::default()));
    OutgoingMessage {
        message_id: uuid::Uuid::parse_str(&envelope.message_id).unwrap(),
        routing_key: envelope.routing_key(),
        payload: envelope.encode_to_vec(),
        traceparent: None,
    }
}

fn amqp_url() -> String {
    std::env::var("ADUAN_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

fn policy() -> RetryPolicy {
    RetryPolicy { delays: vec![Duration::from_millis(100), Duration::from_millis(300)] }
}

async fn wait_for_attempts(handler: &Flaky, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let attempts = handler.attempts.lock().await.clone();
        if attempts.len() >= n || tokio::time::Instant::now() > deadline {
            return attempts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_retries_through_ttl_queues_then_dead_letters_with_the_reason() {
    let namespace = format!("aduan-platform-{}", uuid::Uuid::now_v7().simple());
    let subscription = Subscription { consumer: "flaky".into(), bindings: vec!["report.filed".into()] };
    let settings = RabbitSettings {
        url: amqp_url(),
        namespace: namespace.clone(),
        prefetch: 8,
        concurrency: 4,
        batch_size: 8,
        retry: policy(),
        topology: vec![subscription.clone()],
    };
    let bus = RabbitBus::connect(settings.clone()).await.unwrap();
    let recovers = Arc::new(Flaky { failures: 2, attempts: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), recovers.clone()).await.unwrap();

    // Fails twice, then succeeds on the third delivery: two trips through the retry queues.
    let first = message();
    bus.publish(std::slice::from_ref(&first)).await.unwrap();
    let attempts = wait_for_attempts(&recovers, 3).await;
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(recovers.attempts.lock().await.len(), 3, "no delivery after success");
    bus.shutdown().await;

    // Never succeeds: tried three times in all, then parked with the reason.
    let bus = RabbitBus::connect(settings).await.unwrap();
    let hopeless = Arc::new(Flaky { failures: usize::MAX, attempts: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), hopeless.clone()).await.unwrap();
    let doomed = message();
    bus.publish(std::slice::from_ref(&doomed)).await.unwrap();
    assert_eq!(wait_for_attempts(&hopeless, 3).await.len(), 3);

    let connection = lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut dlq = channel
        .basic_consume(
            Names::new(&namespace).dead_letter_queue("flaky").into(),
            "reader".into(),
            BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let parked = tokio::time::timeout(Duration::from_secs(20), dlq.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(parked.data, doomed.payload);
    let headers = parked.properties.headers().clone().unwrap();
    let Some(AMQPValue::LongString(reason)) = headers.inner().get(DEAD_REASON_HEADER) else {
        panic!("no reason header: {headers:?}")
    };
    let reason = String::from_utf8_lossy(reason.as_bytes());
    assert!(reason.contains("failed 3 times") && reason.contains("attempt 3 fails"), "{reason}");
    connection.close(200, "done".into()).await.unwrap();
    assert_eq!(hopeless.attempts.lock().await.len(), 3, "a parked message is not delivered again");

    bus.shutdown().await;
    delete_namespace(&amqp_url(), &namespace, &[subscription], &policy()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_in_process_bus_retries_then_parks_durably() {
    let store = support::TestDatabase::sqlite().await;
    BusMigrator::up(&store.db, None).await.unwrap();
    let bus = MemoryBus::new(policy(), store.db.clone());
    let recovers = Arc::new(Flaky { failures: 2, attempts: Mutex::new(Vec::new()) });
    let hopeless = Arc::new(Flaky { failures: usize::MAX, attempts: Mutex::new(Vec::new()) });
    bus.subscribe(Subscription { consumer: "recovers".into(), bindings: vec!["report.*".into()] }, recovers.clone())
        .await
        .unwrap();
    bus.subscribe(
        Subscription { consumer: "hopeless".into(), bindings: vec!["report.filed".into()] },
        hopeless.clone(),
    )
    .await
    .unwrap();
    let doomed = message();
    bus.publish(std::slice::from_ref(&doomed)).await.unwrap();
    assert_eq!(recovers.attempts.lock().await.len(), 3);
    assert_eq!(hopeless.attempts.lock().await.len(), 3);
    let parked = dead_letter::Entity::find().all(&store.db).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].consumer, "hopeless");
    assert_eq!(parked[0].message_id, doomed.message_id);
    assert!(parked[0].reason.contains("failed 3 times"), "{}", parked[0].reason);

    // Undecodable bodies are parked at once, without retries.
    let garbage = OutgoingMessage { payload: b"\xff\xff".to_vec(), ..message() };
    bus.publish(std::slice::from_ref(&garbage)).await.unwrap();
    let parked = dead_letter::Entity::find().all(&store.db).await.unwrap();
    assert_eq!(parked.len(), 3, "one per subscriber for the garbage, plus the earlier one");
    assert!(parked.iter().filter(|p| p.message_id == garbage.message_id).all(|p| p.reason.starts_with("undecodable")));
    assert_eq!(recovers.attempts.lock().await.len(), 3, "garbage never reaches a handler");
    store.drop_it().await;
}
