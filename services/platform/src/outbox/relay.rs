//! Publishes pending outbox rows in order, in batches, and marks them once the
//! bus confirmed. On PostgreSQL several replicas relay at once: each takes a
//! batch with `FOR UPDATE SKIP LOCKED`, so no row goes out twice in parallel.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use tokio_util::sync::CancellationToken;

use super::{OutboxSignal, outbox_message};
use crate::bus::{Bus, BusError, OutgoingMessage};

/// How the relay paces itself.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Rows published per round trip to the bus.
    pub batch_size: u64,
    /// How often to look for rows when nobody signalled.
    pub poll_interval: Duration,
    /// How long published rows are kept (for operators) before they are purged.
    pub keep_published: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self { batch_size: 256, poll_interval: Duration::from_millis(500), keep_published: Duration::from_secs(3600) }
    }
}

/// The relay of one service's outbox.
#[derive(Debug, Clone)]
pub struct OutboxRelay {
    db: DatabaseConnection,
    bus: Arc<dyn Bus>,
    signal: OutboxSignal,
    settings: RelaySettings,
}

impl OutboxRelay {
    /// A relay from `db`'s outbox to `bus`, woken by `signal`.
    pub fn new(db: DatabaseConnection, bus: Arc<dyn Bus>, signal: OutboxSignal, settings: RelaySettings) -> Self {
        Self { db, bus, signal, settings }
    }

    /// Relays until `stop` is cancelled; stops between batches, never inside one.
    pub async fn run(self, stop: CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        let mut last_purge = tokio::time::Instant::now();
        loop {
            if stop.is_cancelled() {
                return;
            }
            match self.publish_pending().await {
                Ok(published) => {
                    backoff = Duration::from_millis(100);
                    if published as u64 == self.settings.batch_size {
                        continue;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, ?backoff, "outbox relay could not publish; will retry");
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

    /// Publishes one batch of pending rows; returns how many went out.
    pub async fn publish_pending(&self) -> anyhow::Result<usize> {
        if self.db.get_database_backend() == DbBackend::Postgres {
            let txn = self.db.begin().await?;
            let published = self.publish_batch(&txn, true).await?;
            txn.commit().await?;
            Ok(published)
        } else {
            // SQLite has one writer and one relay per file: locking rows is
            // neither possible nor needed, and holding a write transaction
            // while the bus works would stall the service's own writes.
            self.publish_batch(&self.db, false).await
        }
    }

    async fn publish_batch<C: ConnectionTrait>(&self, conn: &C, lock_rows: bool) -> anyhow::Result<usize> {
        let mut query = outbox_message::Entity::find()
            .filter(outbox_message::Column::PublishedAt.is_null())
            .order_by_asc(outbox_message::Column::MessageId)
            .limit(self.settings.batch_size);
        if lock_rows {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.all(conn).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.message_id).collect();
        let batch: Vec<OutgoingMessage> = rows
            .into_iter()
            .map(|row| OutgoingMessage {
                message_id: row.message_id,
                routing_key: row.routing_key,
                payload: row.payload,
                traceparent: row.traceparent,
            })
            .collect();
        match self.bus.publish(&batch).await {
            Ok(()) => {}
            Err(BusError::ShuttingDown) => return Ok(0),
            Err(error) => return Err(error.into()),
        }
        outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::PublishedAt, Expr::value(chrono::Utc::now()))
            .filter(outbox_message::Column::MessageId.is_in(ids))
            .exec(conn)
            .await?;
        Ok(batch.len())
    }

    async fn purge_published(&self) -> anyhow::Result<()> {
        let horizon = chrono::Utc::now() - self.settings.keep_published;
        outbox_message::Entity::delete_many()
            .filter(outbox_message::Column::PublishedAt.lt(horizon))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
