//! The RabbitMQ bus: one topic exchange for events, a durable quorum queue per
//! consumer, publisher confirms, acknowledgement only after the handler
//! committed, retries through TTL queues that dead-letter back into the main
//! queue, a dead-letter queue per consumer, and reconnection with back-off.
//!
//! For a namespace `ns` and a consumer `c`:
//! - `ns.events`: the topic exchange every event is published to;
//! - `ns.c`: the consumer's quorum queue, bound to the events it wants;
//! - `ns.c.retry.<ms>ms`: one queue per back-off delay; its messages expire
//!   after the delay into `ns.c` (RabbitMQ 3.10 has no delayed exchange built in);
//! - `ns.c.dlq`: where messages end, with the reason in `x-aduan-dead-reason`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{FutureExt as _, StreamExt as _};
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{Mutex, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::delivery::{RawDelivery, process_batch};
use super::{Bus, BusError, Decision, MessageHandler, OutgoingMessage, RetryPolicy, Subscription};
use crate::telemetry::TRACEPARENT;

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
            Connection::connect(&self.settings.url, ConnectionProperties::default()).await.map_err(unavailable)?;
        let channel = connection.create_channel().await.map_err(unavailable)?;
        declare_exchange(&channel, &self.names).await.map_err(unavailable)?;
        for subscription in &self.settings.topology {
            declare_consumer(&channel, &self.names, subscription, &self.settings.retry).await.map_err(unavailable)?;
        }
        let _ = channel.close(200, "topology declared".into()).await;
        tracing::info!(namespace = %self.settings.namespace, "connected to RabbitMQ");
        let connection = Arc::new(connection);
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn forget_connection(&self) {
        *self.connection.lock().await = None;
    }

    async fn publish_batch(&self, batch: &[OutgoingMessage]) -> Result<(), BusError> {
        let mut publisher = self.publisher.lock().await;
        let channel = match publisher.as_ref() {
            Some(channel) if channel.status().connected() => channel.clone(),
            _ => {
                let channel = self.connection().await?.create_channel().await.map_err(unavailable)?;
                channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(unavailable)?;
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

async fn publish_confirmed(channel: &Channel, exchange: &str, batch: &[OutgoingMessage]) -> Result<(), BusError> {
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
        let confirm = channel
            .basic_publish(
                exchange.into(),
                ShortString::from(message.routing_key.clone()),
                BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
                &message.payload,
                properties,
            )
            .await
            .map_err(unavailable)?;
        pending.push((message.message_id, confirm));
    }
    for (message_id, confirm) in pending {
        check_confirmation(message_id, confirm.await.map_err(unavailable)?)?;
    }
    Ok(())
}

fn check_confirmation(message_id: uuid::Uuid, confirmation: Confirmation) -> Result<(), BusError> {
    match confirmation {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(returned)) => {
            Err(BusError::Refused { message_id, reason: format!("unroutable: {}", returned.reply_text) })
        }
        Confirmation::Nack(_) => Err(BusError::Refused { message_id, reason: "nacked by the broker".into() }),
        Confirmation::NotRequested => Err(BusError::Unavailable("publisher confirms are not enabled".into())),
    }
}

fn unavailable(error: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(error.to_string())
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
        channel.queue_declare(names.retry_queue(&subscription.consumer, *delay).into(), durable(), arguments).await?;
    }
    channel.queue_declare(names.dead_letter_queue(&subscription.consumer).into(), durable(), quorum()).await?;
    Ok(())
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

/// Puts a delivery back on the broker (a retry queue or the dead-letter
/// queue) and waits for the confirm; only then may the original be acked.
async fn republish(channel: &Channel, queue: &str, data: &[u8], properties: BasicProperties) -> Result<(), BusError> {
    let confirm = channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
            data,
            properties,
        )
        .await
        .map_err(unavailable)?;
    check_confirmation(uuid::Uuid::nil(), confirm.await.map_err(unavailable)?)
}

struct ConsumerContext {
    consumer: String,
    names: Names,
    policy: RetryPolicy,
    handler: Arc<dyn MessageHandler>,
    /// A confirm-mode channel for retries and dead letters.
    republisher: Channel,
}

async fn handle_deliveries(context: &ConsumerContext, deliveries: Vec<lapin::message::Delivery>) {
    let traceparents: Vec<Option<String>> =
        deliveries.iter().map(|delivery| header_text(&delivery.properties, TRACEPARENT)).collect();
    let raws: Vec<RawDelivery<'_>> = deliveries
        .iter()
        .zip(&traceparents)
        .map(|(delivery, traceparent)| RawDelivery {
            consumer: &context.consumer,
            routing_key: delivery.routing_key.as_str(),
            payload: &delivery.data,
            traceparent: traceparent.as_deref(),
            attempt: attempt_of(&delivery.properties),
        })
        .collect();
    let decisions = process_batch(context.handler.as_ref(), &context.policy, &raws).await;
    for (delivery, decision) in deliveries.into_iter().zip(decisions) {
        settle(context, delivery, decision).await;
    }
}

/// Acts on a decision: ack, or move the message to a retry or dead-letter
/// queue (confirmed) and then ack. The original is acked only once its next
/// home holds it.
async fn settle(context: &ConsumerContext, delivery: lapin::message::Delivery, decision: Decision) {
    let properties = &delivery.properties;
    let parked = match decision {
        Decision::Ack => Ok(()),
        Decision::Retry { next_attempt, delay } => {
            let properties = with_header(properties, ATTEMPT_HEADER, AMQPValue::LongLongInt(i64::from(next_attempt)));
            let queue = context.names.retry_queue(&context.consumer, delay);
            republish(&context.republisher, &queue, &delivery.data, properties).await
        }
        Decision::DeadLetter { reason } => {
            let properties = with_header(properties, DEAD_REASON_HEADER, AMQPValue::LongString(reason.as_str().into()));
            let properties =
                with_header(&properties, DEAD_CONSUMER_HEADER, AMQPValue::LongString(context.consumer.as_str().into()));
            let queue = context.names.dead_letter_queue(&context.consumer);
            republish(&context.republisher, &queue, &delivery.data, properties).await
        }
    };
    let acked = match parked {
        Ok(()) => delivery.acker.ack(BasicAckOptions::default()).await,
        Err(error) => {
            // Could not park it: hand it back so it is delivered again.
            tracing::warn!(%error, "could not move a message to its retry or dead-letter queue");
            delivery.acker.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await
        }
    };
    if let Err(error) = acked {
        // The channel is gone; the broker redelivers, and dedupe absorbs it.
        tracing::warn!(%error, "could not acknowledge a delivery");
    }
}

impl Inner {
    async fn consume_forever(self: Arc<Self>, subscription: Subscription, handler: Arc<dyn MessageHandler>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            if self.stopping.is_cancelled() {
                return;
            }
            match self.consume_until_stopped(&subscription, handler.clone()).await {
                Ok(()) => return,
                Err(error) => {
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
        let channel = connection.create_channel().await?;
        declare_consumer(&channel, &self.names, subscription, &self.settings.retry).await?;
        channel.basic_qos(self.settings.prefetch, BasicQosOptions::default()).await?;
        let republisher = connection.create_channel().await?;
        republisher.confirm_select(ConfirmSelectOptions::default()).await?;
        let context = Arc::new(ConsumerContext {
            consumer: subscription.consumer.clone(),
            names: self.names.clone(),
            policy: self.settings.retry.clone(),
            handler,
            republisher: republisher.clone(),
        });
        let tag = format!("{}-{}", subscription.consumer, uuid::Uuid::now_v7());
        let mut deliveries = channel
            .basic_consume(
                self.names.queue(&subscription.consumer).into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        tracing::info!(consumer = %subscription.consumer, "consuming");
        let permits = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let in_flight = TaskTracker::new();
        let outcome = loop {
            tokio::select! {
                () = self.stopping.cancelled() => {
                    let _ = channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await;
                    break Ok(());
                }
                next = deliveries.next() => match next {
                    None => break Err(anyhow::anyhow!("the broker ended the consumer")),
                    Some(Err(error)) => break Err(error.into()),
                    Some(Ok(delivery)) => {
                        // Take along whatever else has already arrived, up to a batch.
                        let mut batch = vec![delivery];
                        while batch.len() < self.settings.batch_size.max(1) {
                            match deliveries.next().now_or_never() {
                                Some(Some(Ok(delivery))) => batch.push(delivery),
                                _ => break,
                            }
                        }
                        let permit = permits.clone().acquire_owned().await?;
                        let context = context.clone();
                        in_flight.spawn(async move {
                            handle_deliveries(&context, batch).await;
                            drop(permit);
                        });
                    }
                },
            }
        };
        // Finish what was taken before letting go of the channel.
        in_flight.close();
        in_flight.wait().await;
        let _ = republisher.close(200, "consumer stopped".into()).await;
        let _ = channel.close(200, "consumer stopped".into()).await;
        outcome
    }
}

#[async_trait]
impl Bus for RabbitBus {
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<(), BusError> {
        if self.inner.stopping.is_cancelled() {
            return Err(BusError::ShuttingDown);
        }
        if batch.is_empty() {
            return Ok(());
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
        self.inner.consumers.wait().await;
        if let Some(connection) = self.inner.connection.lock().await.take() {
            let _ = connection.close(200, "shutting down".into()).await;
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
        for queue in queues {
            channel.queue_delete(queue.into(), QueueDeleteOptions::default()).await?;
        }
    }
    channel.exchange_delete(names.exchange().into(), ExchangeDeleteOptions::default()).await?;
    connection.close(200, "namespace deleted".into()).await?;
    Ok(())
}
