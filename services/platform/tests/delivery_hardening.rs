//! The delivery promises that held only on the happy path before, on the
//! real RabbitMQ (a namespace of the test's own) and the real in-process bus:
//! an outage of a dependency does not spend the retry budget, delay queues
//! dead-letter at least once and the old ones are retired once drained, and
//! what was parked can be listed and replayed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::bus::memory::{DeadLetterTable, MemoryBus};
use aduan_platform::bus::rabbit::{DeadLetterQueue, Names, RabbitBus, RabbitSettings, delete_namespace};
use aduan_platform::bus::{Bus, HandlerError, MessageHandler, OutgoingMessage, RetryPolicy, Subscription};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::proto::{Envelope, Message as _, ReportFiled, envelope::Event};
use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use sea_orm_migration::MigratorTrait as _;
use tokio::sync::Mutex;

fn amqp_url() -> String {
    std::env::var("ADUAN_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
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

/// A handler whose database is down for its first `outage` calls, then
/// succeeds, or fails for good when `hopeless`; records every call.
struct DownThenUp {
    outage: usize,
    hopeless: bool,
    calls: Mutex<Vec<String>>,
}

#[async_trait]
impl MessageHandler for DownThenUp {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError> {
        let mut calls = self.calls.lock().await;
        calls.push(envelope.message_id.clone());
        if calls.len() <= self.outage {
            return Err(HandlerError::Unavailable(anyhow::anyhow!("connection refused")));
        }
        if self.hopeless {
            return Err(HandlerError::Permanent("cannot apply this".into()));
        }
        Ok(())
    }
}

async fn wait_for<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn settings(namespace: &str, subscription: &Subscription) -> RabbitSettings {
    RabbitSettings {
        url: amqp_url(),
        namespace: namespace.to_owned(),
        prefetch: 8,
        concurrency: 2,
        batch_size: 4,
        // A budget of two quick retries: an outage of several rounds would spend it.
        retry: RetryPolicy { delays: vec![Duration::from_millis(50), Duration::from_millis(100)] },
        topology: vec![subscription.clone()],
    }
}

/// A consumer of `report.filed` in a namespace of its own, removed at the end.
struct Fixture {
    namespace: String,
    subscription: Subscription,
    settings: RabbitSettings,
}

impl Fixture {
    fn new(consumer: &str) -> Self {
        let namespace = format!("aduan-hardening-{}", uuid::Uuid::now_v7().simple());
        let subscription = Subscription { consumer: consumer.into(), bindings: vec!["report.filed".into()] };
        let settings = settings(&namespace, &subscription);
        Self { namespace, subscription, settings }
    }

    async fn bus(&self) -> RabbitBus {
        RabbitBus::connect(self.settings.clone()).await.unwrap()
    }

    /// The consumer's queue.
    fn queue(&self) -> String {
        Names::new(&self.namespace).queue(&self.subscription.consumer)
    }

    /// The consumer's dead-letter queue.
    fn parked(&self) -> DeadLetterQueue {
        DeadLetterQueue {
            url: amqp_url(),
            namespace: self.namespace.clone(),
            consumer: self.subscription.consumer.clone(),
        }
    }

    async fn remove(self) {
        delete_namespace(&amqp_url(), &self.namespace, &[self.subscription], &self.settings.retry).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_holds_a_message_through_an_outage_without_spending_its_retries() {
    let fixture = Fixture::new("patient");
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    // Down for four calls: more than the three attempts the budget allows.
    let handler = Arc::new(DownThenUp { outage: 4, hopeless: false, calls: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), handler.clone()).await.unwrap();
    let sent = message();
    assert_eq!(bus.publish(std::slice::from_ref(&sent)).await.unwrap().len(), 1);
    let calls = wait_for("the message to be handled", async || {
        let calls = handler.calls.lock().await.clone();
        (calls.len() >= 5).then_some(calls)
    })
    .await;
    assert!(calls.iter().all(|id| *id == sent.message_id.to_string()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handler.calls.lock().await.len(), 5, "handled once it was up, and not again");
    let parked = fixture.parked();
    assert!(parked.list(10).await.unwrap().is_empty(), "an outage is not a failure of the message");
    bus.shutdown().await;
    fixture.remove().await;
}

/// What a [`Sorting`] handler does with a message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    Apply,
    FailOnce,
    Refuse,
    /// Its database is down for as long as the test lasts.
    Unreachable,
    /// The handler panics on its first attempt (a bug), then applies it.
    PanicOnce,
}

/// Applies, fails once, or refuses each message as told by its id; records every call.
struct Sorting {
    fates: std::collections::HashMap<String, Fate>,
    calls: Mutex<Vec<String>>,
}

impl Sorting {
    /// A handler for `sent`, each message's fate told by its place.
    fn of(sent: &[OutgoingMessage], fate_of: impl Fn(usize) -> Fate) -> Arc<Self> {
        let fates =
            sent.iter().enumerate().map(|(index, message)| (message.message_id.to_string(), fate_of(index))).collect();
        Arc::new(Self { fates, calls: Mutex::new(Vec::new()) })
    }
}

#[async_trait]
impl MessageHandler for Sorting {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError> {
        let mut calls = self.calls.lock().await;
        let earlier = calls.iter().filter(|id| **id == envelope.message_id).count();
        calls.push(envelope.message_id.clone());
        match self.fates.get(&envelope.message_id) {
            Some(Fate::FailOnce) if earlier == 0 => Err(HandlerError::Transient(anyhow::anyhow!("a deadlock"))),
            Some(Fate::PanicOnce) if earlier == 0 => {
                drop(calls);
                panic!("a bug in the handler")
            }
            Some(Fate::Refuse) => Err(HandlerError::Permanent("cannot apply this".into())),
            Some(Fate::Unreachable) => Err(HandlerError::Unavailable(anyhow::anyhow!("the database is down"))),
            _ => Ok(()),
        }
    }
}

/// How many messages `queue` holds ready for a consumer.
async fn ready_in(queue: &str) -> u32 {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
    let declared = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap();
    connection.close(200, "counted".into()).await.unwrap();
    declared.message_count()
}

/// How many messages `queue` holds, ready or delivered and not yet acknowledged.
fn held_by(queue: &str) -> u32 {
    let (_, count) = list_queues("messages").into_iter().find(|(name, _)| name == queue).expect("the queue is listed");
    count.trim().parse().expect("a count")
}

/// Each delivery of a batch is settled once, whatever became of it: what a
/// batch applied, what it sent to be tried again and what it dead-lettered
/// all leave the queue, once, and nothing else does.
#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_settles_every_message_of_mixed_batches_exactly_once() {
    let fixture = Fixture::new("sorting");
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    let sent: Vec<OutgoingMessage> = (0..60).map(|_| message()).collect();
    let fate_of = |index: usize| match index % 6 {
        1 => Fate::FailOnce,
        4 => Fate::Refuse,
        _ => Fate::Apply,
    };
    let handler = Sorting::of(&sent, fate_of);
    bus.subscribe(subscription.clone(), handler.clone()).await.unwrap();
    bus.publish(&sent).await.unwrap();
    // Applied once, failed then applied, refused at once (dead-lettered on the first attempt).
    let expected_calls = 40 + 10 * 2 + 10;
    wait_for("every message settled", async || (handler.calls.lock().await.len() >= expected_calls).then_some(()))
        .await;
    let parked = fixture.parked();
    wait_for("the refused messages parked", async || (parked.list(20).await.unwrap().len() == 10).then_some(())).await;
    let queue = fixture.queue();
    wait_for("every delivery acknowledged", async || (held_by(&queue) == 0).then_some(())).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    bus.shutdown().await;
    let calls = handler.calls.lock().await.clone();
    assert_eq!(calls.len(), expected_calls, "no message handled more often than its fate says");
    for (index, message) in sent.iter().enumerate() {
        let id = message.message_id.to_string();
        let times = calls.iter().filter(|call| **call == id).count();
        let expected = match fate_of(index) {
            Fate::Apply => 1,
            Fate::FailOnce => 2,
            Fate::Refuse => 1,
            Fate::Unreachable | Fate::PanicOnce => unreachable!("no message of this test has this fate"),
        };
        assert_eq!(times, expected, "message {index} ({:?})", fate_of(index));
    }
    fixture.remove().await;
}

/// What a consumer holds through an outage when it stops goes back to the
/// queue, and what it applied does not.
#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_hands_back_what_it_held_when_it_stops() {
    let fixture = Fixture::new("stopping");
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    // Applies the first message; its database is down for the six after it.
    let sent: Vec<OutgoingMessage> = (0..7).map(|_| message()).collect();
    let handler = Sorting::of(&sent, |index| if index == 0 { Fate::Apply } else { Fate::Unreachable });
    bus.subscribe(subscription.clone(), handler.clone()).await.unwrap();
    bus.publish(&sent[..1]).await.unwrap();
    wait_for("the first message", async || (handler.calls.lock().await.len() == 1).then_some(())).await;
    bus.publish(&sent[1..]).await.unwrap();
    // All six delivered: some held by the handler, the rest waiting in the
    // consumer's hands for a batch to be free.
    let queue = fixture.queue();
    wait_for("the later messages delivered and some held", async || {
        (handler.calls.lock().await.len() >= 2 && ready_in(&queue).await == 0).then_some(())
    })
    .await;
    bus.shutdown().await;
    wait_for("the held messages back, the applied one not", async || (held_by(&queue) == 6).then_some(())).await;
    wait_for("them ready for the next consumer", async || (ready_in(&queue).await == 6).then_some(())).await;
    fixture.remove().await;
}

/// Deliveries applied after others that are held through an outage are not
/// acknowledged ahead of them: acknowledging them together would take the
/// held ones off the queue too, and they would be lost when the consumer stops.
#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_acknowledges_nothing_held_when_it_acknowledges_later_deliveries() {
    let mut fixture = Fixture::new("watermark");
    // A batch each at worst: held batches keep their turn, and every message must be tried.
    fixture.settings.concurrency = 6;
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    let sent: Vec<OutgoingMessage> = (0..6).map(|_| message()).collect();
    // The first three (the lowest delivery tags) are held, the last three applied.
    let handler = Sorting::of(&sent, |index| if index < 3 { Fate::Unreachable } else { Fate::Apply });
    bus.subscribe(subscription.clone(), handler.clone()).await.unwrap();
    bus.publish(&sent).await.unwrap();
    let queue = fixture.queue();
    wait_for("every message tried", async || {
        let calls = handler.calls.lock().await.clone();
        sent.iter().all(|message| calls.contains(&message.message_id.to_string())).then_some(())
    })
    .await;
    bus.shutdown().await;
    wait_for("the held messages back, the applied ones acknowledged", async || (held_by(&queue) == 3).then_some(()))
        .await;
    wait_for("them ready for the next consumer", async || (ready_in(&queue).await == 3).then_some(())).await;
    fixture.remove().await;
}

/// A handler that panics costs its batch an attempt, like any failure: the
/// batch is retried and applied, and the deliveries after it are still
/// acknowledged (a batch left in hand would hold up every acknowledgement).
#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_retries_the_batch_of_a_handler_that_panicked() {
    let fixture = Fixture::new("panicking");
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    let sent: Vec<OutgoingMessage> = (0..20).map(|_| message()).collect();
    let handler = Sorting::of(&sent, |index| if index == 3 { Fate::PanicOnce } else { Fate::Apply });
    bus.subscribe(subscription.clone(), handler.clone()).await.unwrap();
    bus.publish(&sent).await.unwrap();
    let queue = fixture.queue();
    wait_for("the panicking message applied on its second attempt", async || {
        let calls = handler.calls.lock().await.clone();
        (calls.iter().filter(|id| **id == sent[3].message_id.to_string()).count() == 2).then_some(())
    })
    .await;
    wait_for("every delivery acknowledged", async || (held_by(&queue) == 0).then_some(())).await;
    let calls = handler.calls.lock().await.clone();
    assert!(sent.iter().all(|message| calls.contains(&message.message_id.to_string())), "every message handled");
    let parked = fixture.parked();
    assert!(parked.list(20).await.unwrap().is_empty(), "nothing dead-lettered");
    bus.shutdown().await;
    fixture.remove().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_dead_letters_can_be_listed_and_replayed_to_their_consumer() {
    let fixture = Fixture::new("picky");
    let (subscription, bus) = (fixture.subscription.clone(), fixture.bus().await);
    let refuses = Arc::new(DownThenUp { outage: 0, hopeless: true, calls: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), refuses.clone()).await.unwrap();
    let sent = message();
    bus.publish(std::slice::from_ref(&sent)).await.unwrap();
    let queue = fixture.parked();
    let listed = wait_for("the message to be parked", async || {
        let listed = queue.list(10).await.unwrap();
        (!listed.is_empty()).then_some(listed)
    })
    .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].message_id, sent.message_id.to_string());
    assert_eq!(listed[0].routing_key, "report.filed");
    assert!(listed[0].reason.contains("cannot apply this"), "{}", listed[0].reason);
    assert_eq!(queue.list(10).await.unwrap().len(), 1, "listing leaves it parked");
    bus.shutdown().await;

    // The cause is fixed (a consumer that can apply it now): the replay gives it back.
    let bus = fixture.bus().await;
    let accepts = Arc::new(DownThenUp { outage: 0, hopeless: false, calls: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), accepts.clone()).await.unwrap();
    assert_eq!(queue.replay().await.unwrap(), 1);
    let calls = wait_for("the replayed message", async || {
        let calls = accepts.calls.lock().await.clone();
        (!calls.is_empty()).then_some(calls)
    })
    .await;
    assert_eq!(calls, vec![sent.message_id.to_string()]);
    assert!(queue.list(10).await.unwrap().is_empty());
    let unknown = DeadLetterQueue { consumer: "nobody".into(), ..fixture.parked() };
    assert!(unknown.list(1).await.is_err(), "an unknown consumer is an error, not an empty list");
    bus.shutdown().await;
    fixture.remove().await;
}

/// Every queue of the broker with its `column` (`rabbitmqctl list_queues`).
fn list_queues(column: &str) -> Vec<(String, String)> {
    let output = std::process::Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "name", column])
        .output()
        .expect("running rabbitmqctl");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn queue_arguments(namespace: &str) -> Vec<(String, String)> {
    list_queues("arguments").into_iter().filter(|(name, _)| name.starts_with(namespace)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn delay_queues_dead_letter_at_least_once_and_the_old_ones_go_once_drained() {
    let namespace = format!("aduan-hardening-{}", uuid::Uuid::now_v7().simple());
    let names = Names::new(&namespace);
    let subscription = Subscription { consumer: "upgraded".into(), bindings: vec!["report.filed".into()] };
    // A delay long enough for the old queue to still hold its message at the first start.
    let settings = RabbitSettings {
        retry: RetryPolicy { delays: vec![Duration::from_secs(2)] },
        ..settings(&namespace, &subscription)
    };
    let delay = settings.retry.delays[0];

    // A broker as an earlier release left it: the consumer's queue, and a
    // retry queue (at-most-once) still holding a message on its way back.
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut quorum = FieldTable::default();
    quorum.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(names.queue("upgraded").into(), durable, quorum.clone()).await.unwrap();
    let mut old = quorum.clone();
    old.insert("x-message-ttl".into(), AMQPValue::LongLongInt(2000));
    old.insert("x-dead-letter-exchange".into(), AMQPValue::LongString("".into()));
    old.insert("x-dead-letter-routing-key".into(), AMQPValue::LongString(names.queue("upgraded").as_str().into()));
    let old_queue = names.old_retry_queue("upgraded", delay);
    channel.queue_declare(old_queue.clone().into(), durable, old).await.unwrap();
    channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
    let waiting = message();
    channel
        .basic_publish(
            "".into(),
            old_queue.clone().into(),
            BasicPublishOptions::default(),
            &waiting.payload,
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    connection.close(200, "set up".into()).await.unwrap();

    // The new release starts while the old queue still holds it: the old
    // queue is left to drain; the new delay queues dead-letter at least once.
    let bus = RabbitBus::connect(settings.clone()).await.unwrap();
    let arguments = queue_arguments(&namespace);
    let new_delay = arguments.iter().find(|(name, _)| *name == names.retry_queue("upgraded", delay)).expect("declared");
    assert!(new_delay.1.contains("at-least-once") && new_delay.1.contains("reject-publish"), "{new_delay:?}");
    assert!(arguments.iter().any(|(name, _)| *name == old_queue), "a queue still holding a message is kept");
    bus.shutdown().await;

    // Its message has expired into the consumer's queue: the next start retires it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let bus = RabbitBus::connect(settings.clone()).await.unwrap();
    assert!(!queue_arguments(&namespace).iter().any(|(name, _)| *name == old_queue), "the drained queue is gone");
    let received = Arc::new(DownThenUp { outage: 0, hopeless: false, calls: Mutex::new(Vec::new()) });
    bus.subscribe(subscription.clone(), received.clone()).await.unwrap();
    wait_for("the message that waited in the old queue", async || {
        (received.calls.lock().await.len() == 1).then_some(())
    })
    .await;
    bus.shutdown().await;
    delete_namespace(&amqp_url(), &namespace, &[subscription], &settings.retry).await.unwrap();
}

#[tokio::test]
async fn the_in_process_bus_waits_out_an_outage_and_replays_what_an_operator_asks_for() {
    let store = support::TestDatabase::sqlite().await;
    BusMigrator::up(&store.db, None).await.unwrap();
    let bus = Arc::new(MemoryBus::new(RetryPolicy { delays: vec![Duration::from_millis(10)] }, store.db.clone()));
    let patient = Arc::new(DownThenUp { outage: 3, hopeless: false, calls: Mutex::new(Vec::new()) });
    let refuses = Arc::new(DownThenUp { outage: 0, hopeless: true, calls: Mutex::new(Vec::new()) });
    bus.subscribe(Subscription { consumer: "patient".into(), bindings: vec!["report.filed".into()] }, patient.clone())
        .await
        .unwrap();
    bus.subscribe(Subscription { consumer: "picky".into(), bindings: vec!["report.filed".into()] }, refuses.clone())
        .await
        .unwrap();
    let sent = message();
    bus.publish(std::slice::from_ref(&sent)).await.unwrap();
    assert_eq!(patient.calls.lock().await.len(), 4, "waited out three calls of outage, then handled it");
    let table = DeadLetterTable::new(store.db.clone());
    assert!(table.list("patient", 10).await.unwrap().is_empty());
    let parked = table.list("picky", 10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].message_id, sent.message_id.to_string());

    assert_eq!(table.request_replay("picky").await.unwrap(), 1);
    assert_eq!(bus.replay_requested().await.unwrap(), 1);
    assert_eq!(refuses.calls.lock().await.len(), 2, "delivered again to that consumer");
    assert_eq!(patient.calls.lock().await.len(), 4, "and to no other");
    let again = table.list("picky", 10).await.unwrap();
    assert_eq!(again.len(), 1, "still refused: parked again, once");
    assert_eq!(bus.replay_requested().await.unwrap(), 0, "not replayed in a loop");
    store.drop_it().await;
}
