//! The in-process bus of `aduan dev`. Publishing delivers to every matching
//! subscriber and returns only after each has committed (or the message was
//! dead-lettered), so the outbox row that fed it is marked only then: a kill -9
//! at any point leaves the row unpublished, and it is delivered again at the
//! next start, where the subscribers' dedupe makes the second delivery a no-op.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::delivery::{RawDelivery, process};
use super::{Bus, BusError, Decision, MessageHandler, OutgoingMessage, RetryPolicy, Subscription, topic_matches};

/// Messages the in-process bus gave up on, kept durably for an operator.
pub mod dead_letter {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "dead_letter")]
    pub struct Model {
        /// Row id (UUIDv7).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The consumer that could not handle the message.
        pub consumer: String,
        /// The message's id.
        pub message_id: Uuid,
        /// Its routing key.
        pub routing_key: String,
        /// The raw body, as published.
        pub payload: Vec<u8>,
        /// Why it was dead-lettered.
        pub reason: String,
        /// When.
        pub dead_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

struct MemorySubscriber {
    subscription: Subscription,
    handler: Arc<dyn MessageHandler>,
}

/// The in-process bus.
pub struct MemoryBus {
    subscribers: RwLock<Vec<MemorySubscriber>>,
    policy: RetryPolicy,
    dead_letters: DatabaseConnection,
    stopping: CancellationToken,
    in_flight: TaskTracker,
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl MemoryBus {
    /// A bus that parks what it gives up on in `dead_letters` (migrated with
    /// [`crate::migrations::BusMigrator`]).
    pub fn new(policy: RetryPolicy, dead_letters: DatabaseConnection) -> Self {
        Self {
            subscribers: RwLock::new(Vec::new()),
            policy,
            dead_letters,
            stopping: CancellationToken::new(),
            in_flight: TaskTracker::new(),
        }
    }

    async fn deliver(&self, subscriber: &MemorySubscriber, message: &OutgoingMessage) -> Result<(), BusError> {
        let mut attempt = 1;
        loop {
            let delivery = RawDelivery {
                consumer: &subscriber.subscription.consumer,
                routing_key: &message.routing_key,
                payload: &message.payload,
                traceparent: message.traceparent.as_deref(),
                attempt,
            };
            match process(subscriber.handler.as_ref(), &self.policy, delivery).await {
                Decision::Ack => return Ok(()),
                Decision::Retry { next_attempt, delay } => {
                    tokio::select! {
                        () = self.stopping.cancelled() => return Err(BusError::ShuttingDown),
                        () = tokio::time::sleep(delay) => attempt = next_attempt,
                    }
                }
                Decision::DeadLetter { reason } => {
                    return self.park(&subscriber.subscription.consumer, message, reason).await;
                }
            }
        }
    }

    async fn park(&self, consumer: &str, message: &OutgoingMessage, reason: String) -> Result<(), BusError> {
        dead_letter::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            consumer: Set(consumer.to_owned()),
            message_id: Set(message.message_id),
            routing_key: Set(message.routing_key.clone()),
            payload: Set(message.payload.clone()),
            reason: Set(reason),
            dead_at: Set(chrono::Utc::now()),
        }
        .insert(&self.dead_letters)
        .await
        .map(|_| ())
        .map_err(|error| BusError::Unavailable(format!("storing a dead letter: {error}")))
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<(), BusError> {
        let _in_flight = self.in_flight.token();
        let subscribers = self.subscribers.read().await;
        for message in batch {
            if self.stopping.is_cancelled() {
                return Err(BusError::ShuttingDown);
            }
            let matching = subscribers.iter().filter(|subscriber| {
                subscriber.subscription.bindings.iter().any(|pattern| topic_matches(pattern, &message.routing_key))
            });
            for subscriber in matching {
                self.deliver(subscriber, message).await?;
            }
        }
        Ok(())
    }

    async fn subscribe(&self, subscription: Subscription, handler: Arc<dyn MessageHandler>) -> anyhow::Result<()> {
        let mut subscribers = self.subscribers.write().await;
        anyhow::ensure!(
            subscribers.iter().all(|s| s.subscription.consumer != subscription.consumer),
            "consumer {} is already subscribed",
            subscription.consumer
        );
        subscribers.push(MemorySubscriber { subscription, handler });
        Ok(())
    }

    async fn is_ready(&self) -> bool {
        !self.stopping.is_cancelled()
    }

    async fn shutdown(&self) {
        self.stopping.cancel();
        self.in_flight.close();
        self.in_flight.wait().await;
    }
}
