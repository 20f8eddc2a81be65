//! The in-process bus of `aduan dev`. Publishing delivers to every matching
//! subscriber and returns only after each has committed (or the message was
//! dead-lettered), so the outbox row that fed it is marked only then: a kill -9
//! at any point leaves the row unpublished, and it is delivered again at the
//! next start, where the subscribers' dedupe makes the second delivery a no-op.
//! What a subscriber gives up on is kept in the `dead_letter` table, from
//! which `aduan dlq replay` asks the running bus to deliver it again.

use std::sync::Arc;

use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::delivery::{RawDelivery, process, process_batch};
use super::{
    Bus, BusError, DeadLetter, Decision, MessageHandler, OutgoingMessage, Published, RetryPolicy, Subscription,
    topic_matches,
};

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
        /// When an operator asked for it to be delivered again; the running
        /// bus does so within a second (or at the next start).
        #[sea_orm(indexed)]
        pub replay_requested_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

struct MemorySubscriber {
    subscription: Subscription,
    handler: Arc<dyn MessageHandler>,
    /// Taken for each batch's first attempt: the relays of several services
    /// publish at once, and two batches of one consumer would only wait for
    /// each other inside SQLite, which lets one writer in at a time and
    /// makes the other sleep and retry rather than wake it when it may go.
    turn: tokio::sync::Mutex<()>,
}

impl MemorySubscriber {
    fn wants(&self, message: &OutgoingMessage) -> bool {
        self.subscription.bindings.iter().any(|pattern| topic_matches(pattern, &message.routing_key))
    }
}

/// The `attempt`th delivery of `message` to `subscriber`.
fn raw<'a>(subscriber: &'a MemorySubscriber, message: &'a OutgoingMessage, attempt: u32) -> RawDelivery<'a> {
    RawDelivery {
        consumer: &subscriber.subscription.consumer,
        routing_key: &message.routing_key,
        payload: &message.payload,
        traceparent: message.traceparent.as_deref(),
        attempt,
    }
}

/// Messages a subscriber handles in one batch at most.
const DELIVERED_TOGETHER: usize = 64;

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

    /// Delivers `messages` to `subscriber` together (one transaction for
    /// a transactional consumer); each one the batch did not settle goes on
    /// alone, from where the batch left it, through retries or to the
    /// dead letters.
    async fn deliver_all(&self, subscriber: &MemorySubscriber, messages: &[&OutgoingMessage]) -> Result<(), BusError> {
        let raws: Vec<RawDelivery<'_>> = messages.iter().map(|message| raw(subscriber, message, 1)).collect();
        let decisions = {
            let _turn = subscriber.turn.lock().await;
            process_batch(subscriber.handler.as_ref(), &self.policy, &raws).await
        };
        for (message, decision) in messages.iter().zip(decisions) {
            self.follow(subscriber, message, decision).await?;
        }
        Ok(())
    }

    async fn deliver(&self, subscriber: &MemorySubscriber, message: &OutgoingMessage) -> Result<(), BusError> {
        let first = process(subscriber.handler.as_ref(), &self.policy, raw(subscriber, message, 1)).await;
        self.follow(subscriber, message, first).await
    }

    /// Acts on the first attempt's `decision`, retrying until the message is
    /// acknowledged or parked.
    async fn follow(
        &self,
        subscriber: &MemorySubscriber,
        message: &OutgoingMessage,
        mut decision: Decision,
    ) -> Result<(), BusError> {
        let mut attempt = 1;
        let mut pause = Duration::from_millis(250);
        loop {
            match decision {
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
                // The database is down: wait without spending an attempt.
                Decision::Pause => {
                    tokio::select! {
                        () = self.stopping.cancelled() => return Err(BusError::ShuttingDown),
                        () = tokio::time::sleep(pause) => pause = (pause * 2).min(Duration::from_secs(10)),
                    }
                }
            }
            decision = process(subscriber.handler.as_ref(), &self.policy, raw(subscriber, message, attempt)).await;
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
            replay_requested_at: Set(None),
        }
        .insert(&self.dead_letters)
        .await
        .map(|_| ())
        .map_err(|error| BusError::Unavailable(format!("storing a dead letter: {error}")))
    }
}

impl MemoryBus {
    /// Delivers, once more, each dead letter an operator asked to replay,
    /// to its consumer only; a letter that fails again is parked again.
    /// Answers how many it delivered.
    pub async fn replay_requested(&self) -> Result<usize, BusError> {
        let requested = dead_letter::Entity::find()
            .filter(dead_letter::Column::ReplayRequestedAt.is_not_null())
            .order_by_asc(dead_letter::Column::Id)
            .limit(100)
            .all(&self.dead_letters)
            .await
            .map_err(|error| BusError::Unavailable(format!("reading dead letters: {error}")))?;
        let subscribers = self.subscribers.read().await;
        let mut replayed = 0;
        for letter in requested {
            let Some(subscriber) = subscribers.iter().find(|s| s.subscription.consumer == letter.consumer) else {
                continue;
            };
            let message = OutgoingMessage {
                message_id: letter.message_id,
                routing_key: letter.routing_key.clone(),
                payload: letter.payload.clone(),
                traceparent: None,
            };
            self.deliver(subscriber, &message).await?;
            dead_letter::Entity::delete_by_id(letter.id)
                .exec(&self.dead_letters)
                .await
                .map_err(|error| BusError::Unavailable(format!("removing a replayed dead letter: {error}")))?;
            replayed += 1;
        }
        Ok(replayed)
    }

    /// Replays what operators ask for, every second, until the bus shuts down.
    pub async fn run_replays(self: Arc<Self>) {
        loop {
            tokio::select! {
                () = self.stopping.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            match self.replay_requested().await {
                Ok(0) => {}
                Ok(replayed) => tracing::info!(replayed, "replayed dead letters"),
                Err(error) => tracing::warn!(%error, "could not replay dead letters"),
            }
        }
    }
}

/// The in-process bus's dead letters, for an operator's command.
#[derive(Debug, Clone)]
pub struct DeadLetterTable {
    db: DatabaseConnection,
}

impl DeadLetterTable {
    /// The table in the bus's database `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// What `consumer` gave up on, oldest first, at most `limit`.
    pub async fn list(&self, consumer: &str, limit: u64) -> Result<Vec<DeadLetter>, sea_orm::DbErr> {
        Ok(dead_letter::Entity::find()
            .filter(dead_letter::Column::Consumer.eq(consumer))
            .order_by_asc(dead_letter::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|letter| DeadLetter {
                message_id: letter.message_id.to_string(),
                routing_key: letter.routing_key,
                reason: letter.reason,
                payload: letter.payload,
            })
            .collect())
    }

    /// Asks the running bus (or the next start) to deliver again every
    /// letter `consumer` gave up on; answers how many.
    pub async fn request_replay(&self, consumer: &str) -> Result<u64, sea_orm::DbErr> {
        let updated = dead_letter::Entity::update_many()
            .col_expr(dead_letter::Column::ReplayRequestedAt, Expr::value(chrono::Utc::now()))
            .filter(dead_letter::Column::Consumer.eq(consumer))
            .filter(dead_letter::Column::ReplayRequestedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(updated.rows_affected)
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<Vec<Published>, BusError> {
        let _in_flight = self.in_flight.token();
        let subscribers = self.subscribers.read().await;
        // Each subscriber takes its part of the batch together, in order:
        // one transaction per consumer for the batch, not per message; and
        // the subscribers (each its own database) all at once, so the
        // slowest sets the pace, not their sum.
        let deliveries = subscribers.iter().map(|subscriber| async move {
            let wanted: Vec<&OutgoingMessage> = batch.iter().filter(|message| subscriber.wants(message)).collect();
            for part in wanted.chunks(DELIVERED_TOGETHER) {
                if self.stopping.is_cancelled() {
                    return Err(BusError::ShuttingDown);
                }
                self.deliver_all(subscriber, part).await?;
            }
            Ok(())
        });
        futures::future::try_join_all(deliveries).await?;
        Ok(batch
            .iter()
            .map(|message| {
                if subscribers.iter().any(|subscriber| subscriber.wants(message)) {
                    Published::Held
                } else {
                    Published::Unroutable
                }
            })
            .collect())
    }

    async fn subscribe(&self, subscription: Subscription, handler: Arc<dyn MessageHandler>) -> anyhow::Result<()> {
        let mut subscribers = self.subscribers.write().await;
        anyhow::ensure!(
            subscribers.iter().all(|s| s.subscription.consumer != subscription.consumer),
            "consumer {} is already subscribed",
            subscription.consumer
        );
        subscribers.push(MemorySubscriber { subscription, handler, turn: tokio::sync::Mutex::default() });
        Ok(())
    }

    async fn is_ready(&self) -> bool {
        !self.stopping.is_cancelled()
    }

    async fn shutdown(&self) {
        self.stopping.cancel();
        self.in_flight.close();
        if tokio::time::timeout(super::rabbit::SHUTDOWN_GRACE, self.in_flight.wait()).await.is_err() {
            tracing::warn!("deliveries still in hand at the deadline; they are delivered again at the next start");
        }
    }
}
