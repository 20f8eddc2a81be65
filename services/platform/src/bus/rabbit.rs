//! The RabbitMQ bus: one topic exchange for events, a durable quorum queue per
//! consumer, publisher confirms, acknowledgement only after the handler
//! committed, retries through TTL queues that dead-letter back into the main
//! queue, a dead-letter queue per consumer, and reconnection with back-off.
//!
//! For a namespace `ns` and a consumer `c`:
//! - `ns.events`: the topic exchange every event is published to;
//! - `ns.c`: the consumer's quorum queue, bound to the events it wants;
//! - `ns.c.delay.<ms>ms`: one queue per back-off delay; its messages expire
//!   after the delay into `ns.c` (RabbitMQ 3.10 has no delayed exchange built
//!   in), dead-lettered at least once (`x-dead-letter-strategy=at-least-once`,
//!   which quorum queues allow with `x-overflow=reject-publish`), so a message
//!   is never lost between the delay queue and the consumer's;
//! - `ns.c.dlq`: where messages end, with the reason in `x-aduan-dead-reason`.
//!
//! Every broker operation has a deadline, so a broker that stops answering
//! without closing the connection is treated as gone, not waited for.
//! Earlier releases named the delay queues `ns.c.retry.<ms>ms` with
//! at-most-once dead-lettering; queue arguments cannot change in place, so
//! the new queues have new names, and an old queue is deleted once it has
//! drained into the consumer's queue (see [`retire_old_retry_queues`]).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{Mutex, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::acknowledgements::Acknowledger;
use super::delivery::{RawDelivery, process_batch};
use super::{
    Bus, BusError, DeadLetter, Decision, MessageHandler, OutgoingMessage, Published, RetryPolicy, Subscription,
};
use crate::telemetry::TRACEPARENT;

/// The longest any one broker operation (connect, declare, publish, confirm,
/// acknowledge) may take before the broker counts as unreachable.
pub const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for consumers to finish the messages they hold;
/// after that they are left unacknowledged and the broker delivers them again,
/// with those handled after them whose acknowledgement waited for them (see
/// `acknowledgements`); dedupe absorbs the second delivery.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a consumer waits for more deliveries to join a batch once it
/// has one: short beside a hop's latency, long enough for a burst to gather.
const BATCH_LINGER: Duration = Duration::from_millis(2);

/// A consumer session that lasted this long was healthy: the next reconnect
/// starts again from the shortest back-off.
const HEALTHY_SESSION: Duration = Duration::from_secs(30);

/// Runs a broker operation with [`BROKER_TIMEOUT`].
pub(super) async fn within<T, E: std::fmt::Display>(
    what: &str,
    operation: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, BusError> {
    match tokio::time::timeout(BROKER_TIMEOUT, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(BusError::Unavailable(format!("{what}: {error}"))),
        Err(_) => Err(BusError::Unavailable(format!("{what}: no answer within {BROKER_TIMEOUT:?}"))),
    }
}

/// Header with the attempt number of a redelivered message (1-based).
pub const ATTEMPT_HEADER: &str = "x-aduan-attempt";
/// Header with the reason a message was dead-lettered.
pub const DEAD_REASON_HEADER: &str = "x-aduan-dead-reason";
/// Header naming the consumer that dead-lettered a message.
pub const DEAD_CONSUMER_HEADER: &str = "x-aduan-dead-consumer";

/// What the RabbitMQ bus needs to know.
#[derive(Debug, Clone)]
pub struct RabbitSettings {
    /// `amqp://user:password@host:port/vhost`.
    pub url: String,
    /// Prefix of the exchange and queue names, so several deployments (or
    /// tests) share a broker without meeting.
    pub namespace: String,
    /// Deliveries a consumer holds unacknowledged at once.
    pub prefetch: u16,
    /// Batches a consumer handles at once.
    pub concurrency: usize,
    /// Deliveries already waiting that are handled together, in one
    /// transaction: fewer commits under load, no waiting when idle.
    pub batch_size: usize,
    /// Back-off before each retry; then the dead-letter queue.
    pub retry: RetryPolicy,
    /// Every consumer of the system, declared up front so that no event is
    /// published before the queue that must hold it exists.
    pub topology: Vec<Subscription>,
}

/// The names of the exchange and queues in one namespace.
#[derive(Debug, Clone)]
pub struct Names {
    namespace: String,
}

impl Names {
    /// Names within `namespace`.
    pub fn new(namespace: &str) -> Self {
        Self { namespace: namespace.to_owned() }
    }
    /// The topic exchange.
    pub fn exchange(&self) -> String {
        format!("{}.events", self.namespace)
    }
    /// A consumer's main queue.
    pub fn queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}", self.namespace)
    }
    /// The queue that holds a consumer's messages for `delay` before retrying.
    pub fn retry_queue(&self, consumer: &str, delay: Duration) -> String {
        format!("{}.{consumer}.delay.{}ms", self.namespace, delay.as_millis())
    }
    /// The name earlier releases gave that queue (at-most-once dead-lettering).
    pub fn old_retry_queue(&self, consumer: &str, delay: Duration) -> String {
        format!("{}.{consumer}.retry.{}ms", self.namespace, delay.as_millis())
    }
    /// A consumer's dead-letter queue.
    pub fn dead_letter_queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}.dlq", self.namespace)
    }
}

/// The RabbitMQ bus.
#[derive(Debug, Clone)]
pub struct RabbitBus {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: RabbitSettings,
    names: Names,
    connection: Mutex<Option<Arc<Connection>>>,
    publisher: Mutex<Option<Channel>>,
    stopping: CancellationToken,
    consumers: TaskTracker,
}

impl RabbitBus {
    /// Connects and declares the whole topology; fails if the broker cannot be
    /// reached now (later drops are survived by reconnecting).
    pub async fn connect(settings: RabbitSettings) -> anyhow::Result<Self> {
        let names = Names::new(&settings.namespace);
        let bus = Self {
            inner: Arc::new(Inner {
                settings,
                names,
                connection: Mutex::new(None),
                publisher: Mutex::new(None),
                stopping: CancellationToken::new(),
                consumers: TaskTracker::new(),
            }),
        };
        bus.inner.connection().await?;
        Ok(bus)
    }

    /// The names this bus uses.
    pub fn names(&self) -> &Names {
        &self.inner.names
    }
}

impl Inner {
    /// The live connection, reconnecting (and re-declaring the topology) if it dropped.
    async fn connection(&self) -> Result<Arc<Connection>, BusError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref()
            && connection.status().connected()
        {
            return Ok(connection.clone());
        }
        *slot = None;
        let connection =
            within("connecting", Connection::connect(&self.settings.url, ConnectionProperties::default())).await?;
        let channel = within("opening a channel", connection.create_channel()).await?;
        within("declaring the exchange", declare_exchange(&channel, &self.names)).await?;
        for subscription in &self.settings.topology {
            within(
                "declaring a consumer's queues",
                declare_consumer(&channel, &self.names, subscription, &self.settings.retry),
            )
            .await?;
        }
        let _ = tokio::time::timeout(BROKER_TIMEOUT, channel.close(200, "topology declared".into())).await;
        retire_old_retry_queues(&connection, &self.names, &self.settings.topology, &self.settings.retry).await;
        tracing::info!(namespace = %self.settings.namespace, "connected to RabbitMQ");
        let connection = Arc::new(connection);
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn forget_connection(&self) {
        *self.connection.lock().await = None;
    }

    async fn publish_batch(&self, batch: &[OutgoingMessage]) -> Result<Vec<Published>, BusError> {
        let mut publisher = self.publisher.lock().await;
        let channel = match publisher.as_ref() {
            Some(channel) if channel.status().connected() => channel.clone(),
            _ => {
                let channel = within("opening a channel", self.connection().await?.create_channel()).await?;
                within("enabling confirms", channel.confirm_select(ConfirmSelectOptions::default())).await?;
                *publisher = Some(channel.clone());
                channel
            }
        };
        let exchange = self.names.exchange();
        let result = publish_confirmed(&channel, &exchange, batch).await;
        if matches!(result, Err(BusError::Unavailable(_))) {
            *publisher = None;
        }
        result
    }
}

async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    batch: &[OutgoingMessage],
) -> Result<Vec<Published>, BusError> {
    // Publish the whole batch first, then wait for its confirms: one round
    // trip per batch rather than per message.
    let mut pending = Vec::with_capacity(batch.len());
    for message in batch {
        let mut headers = FieldTable::default();
        if let Some(traceparent) = &message.traceparent {
            headers.insert(TRACEPARENT.into(), AMQPValue::LongString(LongString::from(traceparent.as_bytes())));
        }
        let properties = BasicProperties::default()
            .with_message_id(ShortString::from(message.message_id.to_string()))
            .with_content_type("application/x-protobuf".into())
            .with_type(ShortString::from(message.routing_key.clone()))
            .with_delivery_mode(2)
            .with_headers(headers);
        // Mandatory: a message no queue takes comes back, and the outbox
        // decides whether that is expected (see `topology`).
        let confirm = within(
            "publishing",
            channel.basic_publish(
                exchange.into(),
                ShortString::from(message.routing_key.clone()),
                BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
                &message.payload,
                properties,
            ),
        )
        .await?;
        pending.push(confirm);
    }
    let mut outcomes = Vec::with_capacity(pending.len());
    for confirm in pending {
        outcomes.push(outcome_of(within("waiting for a confirm", confirm).await?)?);
    }
    Ok(outcomes)
}

fn outcome_of(confirmation: Confirmation) -> Result<Published, BusError> {
    match confirmation {
        Confirmation::Ack(None) => Ok(Published::Held),
        Confirmation::Ack(Some(_returned)) => Ok(Published::Unroutable),
        Confirmation::Nack(_) => Ok(Published::Refused("nacked by the broker".into())),
        Confirmation::NotRequested => Err(BusError::Unavailable("publisher confirms are not enabled".into())),
    }
}

fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    arguments
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() }
}

async fn declare_exchange(channel: &Channel, names: &Names) -> lapin::Result<()> {
    channel
        .exchange_declare(
            names.exchange().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() },
            FieldTable::default(),
        )
        .await
}

async fn declare_consumer(
    channel: &Channel,
    names: &Names,
    subscription: &Subscription,
    policy: &RetryPolicy,
) -> lapin::Result<()> {
    let queue = names.queue(&subscription.consumer);
    channel.queue_declare(queue.clone().into(), durable(), quorum()).await?;
    for binding in &subscription.bindings {
        channel
            .queue_bind(
                queue.clone().into(),
                names.exchange().into(),
                binding.clone().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    for delay in &policy.delays {
        let mut arguments = quorum();
        let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
        arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString("".into()));
        arguments.insert("x-dead-letter-routing-key".into(), AMQPValue::LongString(queue.as_str().into()));
        arguments.insert("x-dead-letter-strategy".into(), AMQPValue::LongString("at-least-once".into()));
        arguments.insert("x-overflow".into(), AMQPValue::LongString("reject-publish".into()));
        channel.queue_declare(names.retry_queue(&subscription.consumer, *delay).into(), durable(), arguments).await?;
    }
    channel.queue_declare(names.dead_letter_queue(&subscription.consumer).into(), durable(), quorum()).await?;
    Ok(())
}

/// Deletes the delay queues of earlier releases once they are empty: each
/// expires its messages into the consumer's queue, so after the longest delay
/// it has drained. It is looked at with a passive declaration on a channel of
/// its own: an absent queue fails only that channel, and nothing is created
/// (creating a quorum queue fails the whole connection while a restarted
/// broker is still forming its cluster). Quorum queues do not take
/// `if_empty` on delete; one still holding messages is left for the next
/// start. An old replica still retrying into one that was just deleted gets
/// its publish returned, and its message is delivered again: nothing is lost.
async fn retire_old_retry_queues(
    connection: &Connection,
    names: &Names,
    topology: &[Subscription],
    policy: &RetryPolicy,
) {
    let mut delays: Vec<Duration> = policy.delays.iter().chain(RetryPolicy::default().delays.iter()).copied().collect();
    delays.sort();
    delays.dedup();
    let passive = QueueDeclareOptions { passive: true, durable: true, ..QueueDeclareOptions::default() };
    for subscription in topology {
        for delay in &delays {
            let queue = names.old_retry_queue(&subscription.consumer, *delay);
            let Ok(channel) = within("opening a channel", connection.create_channel()).await else { return };
            let looked = tokio::time::timeout(
                BROKER_TIMEOUT,
                channel.queue_declare(queue.clone().into(), passive, FieldTable::default()),
            )
            .await;
            match looked {
                Ok(Ok(declared)) if declared.message_count() == 0 => {
                    let deleted = within(
                        "deleting an old queue",
                        channel.queue_delete(queue.clone().into(), QueueDeleteOptions::default()),
                    )
                    .await;
                    match deleted {
                        Ok(_) => tracing::info!(%queue, "retired an earlier release's delay queue"),
                        Err(error) => {
                            tracing::warn!(%queue, %error, "could not delete an earlier release's delay queue")
                        }
                    }
                }
                Ok(Ok(declared)) => {
                    tracing::info!(%queue, messages = declared.message_count(), "an earlier release's delay queue is still draining");
                }
                Ok(Err(error)) if is_not_found(&error) => {}
                Ok(Err(error)) => tracing::warn!(%queue, %error, "could not look at an earlier release's delay queue"),
                Err(_) => {
                    tracing::warn!(%queue, "no answer about an earlier release's delay queue within {BROKER_TIMEOUT:?}")
                }
            }
            // A channel the broker closed (the queue was absent) is already gone.
            let _ = tokio::time::timeout(BROKER_TIMEOUT, channel.close(200, "checked".into())).await;
        }
    }
}

/// Whether the broker answered 404 NOT_FOUND (a passive declaration of an absent queue).
fn is_not_found(error: &lapin::Error) -> bool {
    matches!(error.kind(), lapin::ErrorKind::ProtocolError(amqp) if amqp.get_id() == 404)
}

fn header<'a>(properties: &'a BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    properties.headers().as_ref()?.inner().get(name)
}

fn header_text(properties: &BasicProperties, name: &str) -> Option<String> {
    match header(properties, name)? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

/// The attempt number carried by a delivery; 1 for a first delivery.
fn attempt_of(properties: &BasicProperties) -> u32 {
    let attempt = match header(properties, ATTEMPT_HEADER) {
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(*n).ok(),
        Some(AMQPValue::LongInt(n)) => u32::try_from(*n).ok(),
        Some(AMQPValue::LongUInt(n)) => Some(*n),
        _ => None,
    };
    attempt.unwrap_or(1).max(1)
}

fn with_header(properties: &BasicProperties, name: &str, value: AMQPValue) -> BasicProperties {
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(ShortString::from(name), value);
    properties.clone().with_headers(headers)
}

/// Puts a delivery back on the broker (a retry queue, the dead-letter
/// queue, or the consumer's own queue for a replay) and waits for the
/// confirm; only then may the original be acked.
async fn republish(channel: &Channel, queue: &str, data: &[u8], properties: BasicProperties) -> Result<(), BusError> {
    let confirm = within(
        "publishing to a queue",
        channel.basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
            data,
            properties,
        ),
    )
    .await?;
    match outcome_of(within("waiting for a confirm", confirm).await?)? {
        Published::Held => Ok(()),
        Published::Unroutable => Err(BusError::Unavailable(format!("the queue {queue} does not exist"))),
        Published::Refused(reason) => Err(BusError::Unavailable(format!("{queue}: {reason}"))),
    }
}

struct ConsumerContext {
    consumer: String,
    names: Names,
    policy: RetryPolicy,
    handler: Arc<dyn MessageHandler>,
    /// A confirm-mode channel for retries and dead letters.
    republisher: Channel,
    /// Settles the deliveries of the consuming channel.
    acknowledger: Acknowledger,
    /// Cancelled when the process stops.
    stopping: CancellationToken,
}

/// Handles a batch, holding on to the deliveries whose handler found the
/// database unavailable: they are tried again after a back-off that grows
/// while the outage lasts, without counting an attempt, until they are
/// settled or the consumer stops (then they go back to the queue).
async fn handle_deliveries(context: &ConsumerContext, mut deliveries: Vec<lapin::message::Delivery>) {
    let mut pause = Duration::from_millis(250);
    loop {
        let decisions = decide_batch(context, &deliveries).await;
        let mut held = Vec::new();
        let mut handled = Vec::new();
        let mut handed_back = Vec::new();
        for (delivery, decision) in deliveries.into_iter().zip(decisions) {
            if decision == Decision::Pause {
                held.push(delivery);
                continue;
            }
            let Some((queue, properties)) = next_home(context, &delivery, decision) else {
                handled.push(delivery.delivery_tag);
                continue;
            };
            // Parked (confirmed) before the original counts as handled.
            match republish(&context.republisher, &queue, &delivery.data, properties).await {
                Ok(()) => handled.push(delivery.delivery_tag),
                Err(error) => {
                    // Could not park it: hand it back so it is delivered again.
                    tracing::warn!(%error, "could not move a message to its retry or dead-letter queue");
                    handed_back.push(delivery.delivery_tag);
                }
            }
        }
        context.acknowledger.settle(handled, handed_back).await;
        if held.is_empty() {
            return;
        }
        tokio::select! {
            () = context.stopping.cancelled() => {
                let held = held.iter().map(|delivery| delivery.delivery_tag).collect();
                context.acknowledger.settle(Vec::new(), held).await;
                return;
            }
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(Duration::from_secs(10));
        deliveries = held;
    }
}

/// The routing key a message was published with. A retried message comes
/// back from its delay queue under the consumer queue's name, so the original
/// travels in the message's `type` (set at publish, and before a retry).
fn original_routing_key(delivery: &lapin::message::Delivery) -> &str {
    delivery.properties.kind().as_ref().map_or(delivery.routing_key.as_str(), |kind| kind.as_str())
}

async fn decide_batch(context: &ConsumerContext, deliveries: &[lapin::message::Delivery]) -> Vec<Decision> {
    let traceparents: Vec<Option<String>> =
        deliveries.iter().map(|delivery| header_text(&delivery.properties, TRACEPARENT)).collect();
    let raws: Vec<RawDelivery<'_>> = deliveries
        .iter()
        .zip(&traceparents)
        .map(|(delivery, traceparent)| RawDelivery {
            consumer: &context.consumer,
            routing_key: original_routing_key(delivery),
            payload: &delivery.data,
            traceparent: traceparent.as_deref(),
            attempt: attempt_of(&delivery.properties),
        })
        .collect();
    process_batch(context.handler.as_ref(), &context.policy, &raws).await
}

/// Where a message its handler did not apply goes next, and with which
/// headers: a retry queue or the dead-letter queue. None for a message
/// applied (or held, which `handle_deliveries` keeps).
fn next_home(
    context: &ConsumerContext,
    delivery: &lapin::message::Delivery,
    decision: Decision,
) -> Option<(String, BasicProperties)> {
    let properties = &delivery.properties;
    match decision {
        Decision::Ack | Decision::Pause => None,
        Decision::Retry { next_attempt, delay } => {
            let properties = with_header(properties, ATTEMPT_HEADER, AMQPValue::LongLongInt(i64::from(next_attempt)))
                .with_type(ShortString::from(original_routing_key(delivery)));
            Some((context.names.retry_queue(&context.consumer, delay), properties))
        }
        Decision::DeadLetter { reason } => {
            let properties = with_header(properties, DEAD_REASON_HEADER, AMQPValue::LongString(reason.as_str().into()))
                .with_type(ShortString::from(original_routing_key(delivery)));
            let properties =
                with_header(&properties, DEAD_CONSUMER_HEADER, AMQPValue::LongString(context.consumer.as_str().into()));
            Some((context.names.dead_letter_queue(&context.consumer), properties))
        }
    }
}

impl Inner {
    async fn consume_forever(self: Arc<Self>, subscription: Subscription, handler: Arc<dyn MessageHandler>) {
        const FIRST_BACKOFF: Duration = Duration::from_millis(100);
        let mut backoff = FIRST_BACKOFF;
        loop {
            if self.stopping.is_cancelled() {
                return;
            }
            let started = tokio::time::Instant::now();
            match self.consume_until_stopped(&subscription, handler.clone()).await {
                Ok(()) => return,
                Err(error) => {
                    if started.elapsed() >= HEALTHY_SESSION {
                        backoff = FIRST_BACKOFF;
                    }
                    tracing::warn!(consumer = %subscription.consumer, %error, ?backoff, "consumer lost its channel; reconnecting");
                    self.forget_connection().await;
                    tokio::select! {
                        () = self.stopping.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    async fn consume_until_stopped(
        &self,
        subscription: &Subscription,
        handler: Arc<dyn MessageHandler>,
    ) -> anyhow::Result<()> {
        let connection = self.connection().await?;
        let channel = within("opening a channel", connection.create_channel()).await?;
        within("declaring the queues", declare_consumer(&channel, &self.names, subscription, &self.settings.retry))
            .await?;
        within("setting the prefetch", channel.basic_qos(self.settings.prefetch, BasicQosOptions::default())).await?;
        let republisher = within("opening a channel", connection.create_channel()).await?;
        within("enabling confirms", republisher.confirm_select(ConfirmSelectOptions::default())).await?;
        let context = Arc::new(ConsumerContext {
            consumer: subscription.consumer.clone(),
            names: self.names.clone(),
            policy: self.settings.retry.clone(),
            handler,
            republisher: republisher.clone(),
            acknowledger: Acknowledger::new(channel.clone()),
            stopping: self.stopping.clone(),
        });
        let tag = format!("{}-{}", subscription.consumer, uuid::Uuid::now_v7());
        let mut deliveries = within(
            "starting to consume",
            channel.basic_consume(
                self.names.queue(&subscription.consumer).into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
        tracing::info!(consumer = %subscription.consumer, "consuming");
        let permits = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let in_flight = TaskTracker::new();
        let batch_size = self.settings.batch_size.max(1);
        let outcome = loop {
            // A permit first, then the batch: deliveries that arrive while
            // every batch is busy wait in the stream and make the next batch
            // bigger, rather than each becoming a batch of its own.
            let permit = tokio::select! {
                () = self.stopping.cancelled() => break Ok(()),
                permit = permits.clone().acquire_owned() => permit?,
            };
            let first = tokio::select! {
                () = self.stopping.cancelled() => break Ok(()),
                next = deliveries.next() => match next {
                    None => break Err(anyhow::anyhow!("the broker ended the consumer")),
                    Some(Err(error)) => break Err(error.into()),
                    Some(Ok(delivery)) => delivery,
                },
            };
            // Then what arrives within a short linger, up to a batch: under
            // load the batch fills at once; when quiet it costs the linger.
            let mut batch = vec![first];
            let mut ended = None;
            let linger = tokio::time::Instant::now() + BATCH_LINGER;
            while batch.len() < batch_size {
                match tokio::time::timeout_at(linger, deliveries.next()).await {
                    Ok(Some(Ok(delivery))) => batch.push(delivery),
                    Ok(Some(Err(error))) => {
                        ended = Some(anyhow::Error::from(error));
                        break;
                    }
                    Ok(None) => {
                        ended = Some(anyhow::anyhow!("the broker ended the consumer"));
                        break;
                    }
                    Err(_) => break,
                }
            }
            context.acknowledger.taken(&batch).await;
            let context = context.clone();
            in_flight.spawn(async move {
                handle_deliveries(&context, batch).await;
                drop(permit);
            });
            if let Some(error) = ended {
                break Err(error);
            }
        };
        // Stop taking deliveries; cancelling tells the broker to send no more.
        if outcome.is_ok() {
            let cancel = channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default());
            let _ = tokio::time::timeout(BROKER_TIMEOUT, cancel).await;
        }
        // Finish what was taken before letting go of the channel; what is
        // not finished in time the broker delivers again once the channel goes.
        in_flight.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, in_flight.wait()).await.is_err() {
            tracing::warn!(consumer = %subscription.consumer, "messages still in hand at the deadline; the broker will deliver them again, and those not yet acknowledged after them");
        }
        let _ = tokio::time::timeout(BROKER_TIMEOUT, republisher.close(200, "consumer stopped".into())).await;
        let _ = tokio::time::timeout(BROKER_TIMEOUT, channel.close(200, "consumer stopped".into())).await;
        outcome
    }
}

#[async_trait]
impl Bus for RabbitBus {
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<Vec<Published>, BusError> {
        if self.inner.stopping.is_cancelled() {
            return Err(BusError::ShuttingDown);
        }
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let result = self.inner.publish_batch(batch).await;
        if matches!(result, Err(BusError::Unavailable(_))) {
            self.inner.forget_connection().await;
        }
        result
    }

    async fn subscribe(&self, subscription: Subscription, handler: Arc<dyn MessageHandler>) -> anyhow::Result<()> {
        let inner = self.inner.clone();
        self.inner.consumers.spawn(inner.consume_forever(subscription, handler));
        Ok(())
    }

    async fn is_ready(&self) -> bool {
        !self.inner.stopping.is_cancelled()
            && tokio::time::timeout(Duration::from_secs(2), self.inner.connection())
                .await
                .is_ok_and(|connection| connection.is_ok())
    }

    async fn shutdown(&self) {
        self.inner.stopping.cancel();
        self.inner.consumers.close();
        // Each consumer waits at most SHUTDOWN_GRACE for its messages; this
        // bounds the rest (a consumer stuck reconnecting, say).
        if tokio::time::timeout(SHUTDOWN_GRACE + BROKER_TIMEOUT, self.inner.consumers.wait()).await.is_err() {
            tracing::warn!("consumers did not stop in time; leaving them");
        }
        let connection = match tokio::time::timeout(BROKER_TIMEOUT, self.inner.connection.lock()).await {
            Ok(mut slot) => slot.take(),
            Err(_) => None,
        };
        if let Some(connection) = connection {
            let _ = tokio::time::timeout(BROKER_TIMEOUT, connection.close(200, "shutting down".into())).await;
        }
    }
}

/// Deletes the exchange and every queue of `namespace` (tests, decommissioning).
pub async fn delete_namespace(
    url: &str,
    namespace: &str,
    topology: &[Subscription],
    policy: &RetryPolicy,
) -> anyhow::Result<()> {
    let names = Names::new(namespace);
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    for subscription in topology {
        let consumer = &subscription.consumer;
        let mut queues = vec![names.queue(consumer), names.dead_letter_queue(consumer)];
        queues.extend(policy.delays.iter().map(|delay| names.retry_queue(consumer, *delay)));
        queues.extend(policy.delays.iter().map(|delay| names.old_retry_queue(consumer, *delay)));
        for queue in queues {
            channel.queue_delete(queue.into(), QueueDeleteOptions::default()).await?;
        }
    }
    channel.exchange_delete(names.exchange().into(), ExchangeDeleteOptions::default()).await?;
    connection.close(200, "namespace deleted".into()).await?;
    Ok(())
}

/// Where an operator's look at a dead-letter queue connects.
#[derive(Debug, Clone)]
pub struct DeadLetterQueue {
    /// The broker.
    pub url: String,
    /// The deployment's namespace.
    pub namespace: String,
    /// The consumer whose queue it is.
    pub consumer: String,
}

impl DeadLetterQueue {
    async fn open(&self) -> anyhow::Result<(Connection, Channel, String)> {
        let connection = within("connecting", Connection::connect(&self.url, ConnectionProperties::default())).await?;
        let channel = within("opening a channel", connection.create_channel()).await?;
        let queue = Names::new(&self.namespace).dead_letter_queue(&self.consumer);
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        within(
            "finding the dead-letter queue",
            channel.queue_declare(queue.clone().into(), passive, FieldTable::default()),
        )
        .await
        .map_err(|error| anyhow::anyhow!("{queue}: {error} (is {:?} a consumer?)", self.consumer))?;
        Ok((connection, channel, queue))
    }

    /// The messages parked in the queue, oldest first, at most `limit`; they stay parked.
    pub async fn list(&self, limit: usize) -> anyhow::Result<Vec<DeadLetter>> {
        let (connection, channel, queue) = self.open().await?;
        let mut letters = Vec::new();
        // Taken without acknowledgement and given back when the channel
        // closes: reading never removes anything.
        while letters.len() < limit {
            let Some(message) =
                within("reading", channel.basic_get(queue.clone().into(), BasicGetOptions::default())).await?
            else {
                break;
            };
            letters.push(dead_letter_of(&message.delivery));
        }
        let _ = tokio::time::timeout(BROKER_TIMEOUT, channel.close(200, "listed".into())).await;
        let _ = tokio::time::timeout(BROKER_TIMEOUT, connection.close(200, "listed".into())).await;
        Ok(letters)
    }

    /// Moves every message parked now back to the consumer's queue, as a first
    /// attempt; answers how many. Each is removed from the dead-letter queue
    /// only once its consumer's queue confirmed it, so none is lost; one that
    /// fails again is parked again, not replayed in a loop.
    pub async fn replay(&self) -> anyhow::Result<usize> {
        let (connection, channel, queue) = self.open().await?;
        within("enabling confirms", channel.confirm_select(ConfirmSelectOptions::default())).await?;
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let parked =
            within("counting", channel.queue_declare(queue.clone().into(), passive, FieldTable::default())).await?;
        let target = Names::new(&self.namespace).queue(&self.consumer);
        let mut replayed = 0;
        for _ in 0..parked.message_count() {
            let Some(message) =
                within("reading", channel.basic_get(queue.clone().into(), BasicGetOptions::default())).await?
            else {
                break;
            };
            let delivery = message.delivery;
            let mut headers = delivery.properties.headers().clone().unwrap_or_default();
            let mut kept = FieldTable::default();
            for (name, value) in headers.inner() {
                if ![ATTEMPT_HEADER, DEAD_REASON_HEADER, DEAD_CONSUMER_HEADER].contains(&name.as_str()) {
                    kept.insert(name.clone(), value.clone());
                }
            }
            headers = kept;
            let properties = delivery.properties.clone().with_headers(headers);
            republish(&channel, &target, &delivery.data, properties).await?;
            within("acknowledging", delivery.acker.ack(BasicAckOptions::default())).await?;
            replayed += 1;
        }
        let _ = tokio::time::timeout(BROKER_TIMEOUT, channel.close(200, "replayed".into())).await;
        let _ = tokio::time::timeout(BROKER_TIMEOUT, connection.close(200, "replayed".into())).await;
        Ok(replayed)
    }
}

fn dead_letter_of(delivery: &lapin::message::Delivery) -> DeadLetter {
    let properties = &delivery.properties;
    // The envelope names itself; a message published by hand may lack the property.
    let from_payload = || {
        use prost::Message as _;
        crate::proto::Envelope::decode(delivery.data.as_slice()).map(|envelope| envelope.message_id).unwrap_or_default()
    };
    DeadLetter {
        message_id: properties.message_id().as_ref().map_or_else(from_payload, |id| id.as_str().to_owned()),
        routing_key: properties
            .kind()
            .as_ref()
            .map(|kind| kind.as_str().to_owned())
            .unwrap_or_else(|| delivery.routing_key.as_str().to_owned()),
        reason: header_text(properties, DEAD_REASON_HEADER).unwrap_or_default(),
        payload: delivery.data.clone(),
    }
}
