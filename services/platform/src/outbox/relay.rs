//! Publishes pending outbox rows in order, in batches, and marks them once the
//! bus settled them. A relay claims a batch for a while (a lease) in one short
//! statement and publishes outside any transaction, so no database
//! transaction waits on the broker; on PostgreSQL several replicas relay at
//! once, each claiming other rows (`FOR UPDATE SKIP LOCKED`), and a relay that
//! dies leaves its rows to be claimed again when the lease runs out.
//!
//! Each row's fate is its own: a row the broker refuses is tried again later
//! and, if it keeps refusing, parked with its reason, and an event no queue
//! is bound to is either expected (announced, not consumed: done) or a
//! mistake in the topology (parked); neither holds back the rows behind it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use super::{OutboxSignal, outbox_message};
use crate::bus::{Bus, BusError, OutgoingMessage, Published};
use crate::metrics::{self, RelayMetrics};

/// How the relay paces itself.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Rows published per round trip to the bus.
    pub batch_size: u64,
    /// How often to look for rows when nobody signalled.
    pub poll_interval: Duration,
    /// How long published rows are kept (for operators) before they are purged.
    pub keep_published: Duration,
    /// How long a relay holds the rows it claimed. A publish that takes more
    /// than half of it is abandoned and its rows released, so a claim never
    /// outlives the relay's work; a relay that died leaves its rows for this long.
    pub lease: Duration,
    /// How many refusals park a row.
    pub max_refusals: i32,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(500),
            keep_published: Duration::from_secs(3600),
            lease: Duration::from_secs(30),
            max_refusals: 20,
        }
    }
}

/// The relay of one service's outbox.
#[derive(Debug, Clone)]
pub struct OutboxRelay {
    db: DatabaseConnection,
    bus: Arc<dyn Bus>,
    signal: OutboxSignal,
    settings: RelaySettings,
    /// Whose outbox, in the metrics.
    name: String,
    /// How long its rounds' steps take.
    timings: RelayMetrics,
}

/// How often a relay tells the metrics its outbox's backlog.
const MEASURE_EVERY: Duration = Duration::from_secs(15);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundOutcome {
    /// Rows claimed.
    pub claimed: usize,
    /// Rows the bus settled (held, or expected to be unroutable).
    pub published: usize,
    /// Rows parked this round.
    pub parked: usize,
}

fn chrono_of(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

impl OutboxRelay {
    /// A relay from `db`'s outbox to `bus`, woken by `signal`.
    pub fn new(db: DatabaseConnection, bus: Arc<dyn Bus>, signal: OutboxSignal, settings: RelaySettings) -> Self {
        let name = "outbox";
        Self { db, bus, signal, settings, name: name.into(), timings: RelayMetrics::new(name) }
    }

    /// The relay of `service`'s outbox, as the metrics name it.
    #[must_use]
    pub fn named(mut self, service: &str) -> Self {
        service.clone_into(&mut self.name);
        self.timings = RelayMetrics::new(service);
        self
    }

    /// Tells the metrics how many rows wait, how old the oldest is, and how many are parked.
    async fn measure(&self) -> Result<(), sea_orm::DbErr> {
        use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};
        let waiting = || {
            outbox_message::Entity::find()
                .filter(outbox_message::Column::PublishedAt.is_null())
                .filter(outbox_message::Column::ParkedAt.is_null())
        };
        let backlog = waiting().count(&self.db).await?;
        let oldest: Option<DateTime<Utc>> = waiting()
            .select_only()
            .column(outbox_message::Column::CreatedAt)
            .order_by_asc(outbox_message::Column::CreatedAt)
            .into_tuple()
            .one(&self.db)
            .await?;
        let parked = outbox_message::Entity::find()
            .filter(outbox_message::Column::ParkedAt.is_not_null())
            .count(&self.db)
            .await?;
        let age = oldest.and_then(|at| (Utc::now() - at).to_std().ok());
        metrics::outbox(&self.name, backlog, age, parked);
        Ok(())
    }

    /// Relays until `stop` is cancelled; stops between batches, never inside one.
    pub async fn run(self, stop: CancellationToken) {
        if self.db.get_database_backend() == DbBackend::Sqlite {
            // One relay per SQLite file: a claim found at start is this
            // relay's own from before a crash, and nobody is working on it.
            let released = outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(outbox_message::Column::ClaimedUntil.is_not_null())
                .exec(&self.db)
                .await;
            if let Err(error) = released {
                tracing::warn!(%error, "could not release the claims of a previous run");
            }
        }
        let mut backoff = Duration::from_millis(100);
        let mut last_purge = tokio::time::Instant::now();
        let mut last_measure: Option<tokio::time::Instant> = None;
        loop {
            if stop.is_cancelled() {
                return;
            }
            if last_measure.is_none_or(|at| at.elapsed() > MEASURE_EVERY) {
                last_measure = Some(tokio::time::Instant::now());
                if let Err(error) = self.measure().await {
                    tracing::debug!(%error, "could not measure the outbox");
                }
            }
            match self.publish_pending().await {
                Ok(round) => {
                    backoff = Duration::from_millis(100);
                    if round.claimed as u64 == self.settings.batch_size {
                        continue;
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        ?backoff,
                        "outbox relay could not publish; will retry"
                    );
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            }
            if last_purge.elapsed() > Duration::from_secs(60) {
                last_purge = tokio::time::Instant::now();
                if let Err(error) = self.purge_published().await {
                    tracing::warn!(%error, "could not purge published outbox rows");
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.signal.woken() => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }

    /// Claims, publishes and settles one batch of pending rows.
    pub async fn publish_pending(&self) -> anyhow::Result<RoundOutcome> {
        let step = Instant::now();
        let mut rows = self.claim().await?;
        if rows.is_empty() {
            return Ok(RoundOutcome::default());
        }
        self.timings.claimed(step.elapsed());
        rows.sort_by_key(|row| row.message_id);
        let batch: Vec<OutgoingMessage> = rows
            .iter()
            .map(|row| OutgoingMessage {
                message_id: row.message_id,
                routing_key: row.routing_key.clone(),
                payload: row.payload.clone(),
                traceparent: row.traceparent.clone(),
            })
            .collect();
        let step = Instant::now();
        let published = tokio::time::timeout(self.settings.lease / 2, self.bus.publish(&batch)).await;
        let published = published.unwrap_or_else(|_| {
            Err(BusError::Unavailable(format!("publishing took longer than {:?}", self.settings.lease / 2)))
        });
        let outcomes = match published {
            Ok(outcomes) => {
                self.timings.confirmed(step.elapsed());
                outcomes
            }
            Err(error) => {
                // Let the next round (or another replica) take them at once.
                self.release(&rows).await;
                return match error {
                    BusError::ShuttingDown => Ok(RoundOutcome { claimed: rows.len(), ..RoundOutcome::default() }),
                    error => Err(error.into()),
                };
            }
        };
        let step = Instant::now();
        let round = self.settle(&rows, outcomes).await?;
        self.timings.settled(step.elapsed(), round.published);
        Ok(round)
    }

    /// Claims the oldest pending rows for a lease.
    async fn claim(&self) -> Result<Vec<outbox_message::Model>, sea_orm::DbErr> {
        use outbox_message::Column;
        let now = Utc::now();
        let mut pending = Query::select();
        pending
            .column(Column::MessageId)
            .from(outbox_message::Entity)
            .and_where(Expr::col(Column::PublishedAt).is_null())
            .and_where(Expr::col(Column::ParkedAt).is_null())
            .and_where(Expr::col(Column::ClaimedUntil).is_null().or(Expr::col(Column::ClaimedUntil).lt(now)))
            .order_by(Column::MessageId, sea_orm::Order::Asc)
            .limit(self.settings.batch_size);
        if self.db.get_database_backend() == DbBackend::Postgres {
            pending.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        outbox_message::Entity::update_many()
            .col_expr(Column::ClaimedUntil, Expr::value(now + chrono_of(self.settings.lease)))
            .filter(Column::MessageId.in_subquery(pending))
            .exec_with_returning(&self.db)
            .await
    }

    async fn release(&self, rows: &[outbox_message::Model]) {
        let ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.message_id).collect();
        let released = outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(outbox_message::Column::MessageId.is_in(ids))
            .exec(&self.db)
            .await;
        if let Err(error) = released {
            tracing::warn!(%error, "could not release claimed outbox rows; they wait for their lease to end");
        }
    }

    async fn settle(&self, rows: &[outbox_message::Model], outcomes: Vec<Published>) -> anyhow::Result<RoundOutcome> {
        let now = Utc::now();
        let mut round = RoundOutcome { claimed: rows.len(), ..RoundOutcome::default() };
        let mut done = Vec::new();
        for (row, outcome) in rows.iter().zip(outcomes) {
            match outcome {
                Published::Held => done.push(row.message_id),
                Published::Unroutable if crate::topology::nobody_consumes(&row.routing_key) => {
                    done.push(row.message_id);
                }
                Published::Unroutable => {
                    let reason = format!(
                        "no queue is bound to {}, though the topology says it is consumed: declare the consumer, then replay",
                        row.routing_key
                    );
                    self.park(row, &reason, now).await?;
                    round.parked += 1;
                }
                Published::Refused(why) => {
                    let attempts = row.attempts.saturating_add(1);
                    if attempts >= self.settings.max_refusals {
                        self.park(row, &format!("refused {attempts} times, last: {why}"), now).await?;
                        round.parked += 1;
                    } else {
                        // Later, not now: the rows behind it go on meanwhile.
                        let wait = Duration::from_secs(1u64 << attempts.clamp(0, 8));
                        tracing::warn!(message_id = %row.message_id, attempts, %why, ?wait, "the broker refused an event; will try again");
                        outbox_message::Entity::update_many()
                            .col_expr(outbox_message::Column::Attempts, Expr::value(attempts))
                            .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(now + chrono_of(wait)))
                            .filter(outbox_message::Column::MessageId.eq(row.message_id))
                            .exec(&self.db)
                            .await?;
                    }
                }
            }
        }
        round.published = done.len();
        if !done.is_empty() {
            outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::PublishedAt, Expr::value(now))
                .filter(outbox_message::Column::MessageId.is_in(done))
                .exec(&self.db)
                .await?;
        }
        Ok(round)
    }

    async fn park(&self, row: &outbox_message::Model, reason: &str, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
        tracing::error!(message_id = %row.message_id, routing_key = %row.routing_key, %reason, "parking an outbox row");
        outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::ParkedAt, Expr::value(now))
            .col_expr(outbox_message::Column::ParkReason, Expr::value(reason))
            .filter(outbox_message::Column::MessageId.eq(row.message_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes the rows published more than `keep_published` ago; answers
    /// how many.
    ///
    /// Ids are UUIDv7, led by the time they were made, and a row is written
    /// before it is published: the primary key's range of rows written
    /// before the horizon holds every row to delete, so `published_at`
    /// needs no index of its own to keep up.
    pub async fn purge_published(&self) -> Result<u64, sea_orm::DbErr> {
        let horizon = Utc::now() - chrono_of(self.settings.keep_published);
        let millis = u64::try_from(horizon.timestamp_millis()).unwrap_or(0);
        // The smallest id made at the horizon: every id below it is older.
        let first_at_horizon = uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10]).into_uuid();
        let purged = outbox_message::Entity::delete_many()
            .filter(outbox_message::Column::MessageId.lt(first_at_horizon))
            .filter(outbox_message::Column::PublishedAt.lt(horizon))
            .exec(&self.db)
            .await?;
        Ok(purged.rows_affected)
    }
}
