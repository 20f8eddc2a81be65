//! The transactional outbox: a producer writes its state change and the event
//! announcing it in one transaction; the relay publishes pending rows and marks
//! them only after the bus confirmed them. A crash between the two publishes
//! the row again, and consumers dedupe on the message id. A row the broker
//! refuses for good is parked with its reason, out of the way of the rows
//! behind it, until an operator replays it.

mod relay;

use std::sync::Arc;

use prost::Message as _;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait as _, Set};
use tokio::sync::Notify;

pub use relay::{OutboxRelay, RelaySettings};

use crate::proto::Envelope;
use crate::telemetry;

/// One event waiting for (or past) publication.
pub mod outbox_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_message")]
    pub struct Model {
        /// The envelope's message id; UUIDv7, so it also orders the rows.
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
        /// `report.<event>`.
        pub routing_key: String,
        /// The protobuf-encoded envelope.
        pub payload: Vec<u8>,
        /// W3C trace context of the transaction that wrote the row.
        pub traceparent: Option<String>,
        /// When the row was written.
        pub created_at: DateTimeUtc,
        /// When the bus confirmed it; `None` while pending. Not indexed:
        /// the relay finds pending rows by the partial index
        /// `outbox_message_pending`, and purges published ones by their id
        /// (see the migration [`crate::migrations::LighterOutbox`]).
        pub published_at: Option<DateTimeUtc>,
        /// Until when a relay holds it (publishing it now); another relay
        /// takes it after that, as one that crashed would have left it.
        pub claimed_until: Option<DateTimeUtc>,
        /// How many times the broker refused it.
        #[sea_orm(default_value = 0)]
        pub attempts: i32,
        /// When it was set aside because the broker refuses it for good;
        /// `None` unless parked. Found by the partial index `outbox_message_parked`.
        pub parked_at: Option<DateTimeUtc>,
        /// Why it was parked, for the operator who replays it.
        #[sea_orm(column_type = "Text", nullable)]
        pub park_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Wakes the relay when a transaction with outgoing events committed, so an
/// event does not wait for the next poll.
#[derive(Debug, Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// Tells the relay there is something to publish.
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await;
    }
}

/// Writes `envelope` to the outbox through `conn`, which should be the
/// transaction that makes the state change the event announces. An event
/// about a report gets the report's next sequence (see [`crate::report_order`]);
/// answers it (0 for an event about no report).
pub async fn enqueue<C: ConnectionTrait>(conn: &C, envelope: Envelope) -> Result<u64, DbErr> {
    let sequenced = enqueue_all(conn, vec![Outgoing::here(envelope)]).await?;
    Ok(sequenced.first().map_or(0, |envelope| envelope.sequence))
}

/// An event to write to the outbox, with the trace it continues.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The event.
    pub envelope: Envelope,
    /// The W3C `traceparent` of the work that caused it.
    pub traceparent: Option<String>,
}

impl Outgoing {
    /// `envelope`, caused by the work of the current span.
    pub fn here(envelope: Envelope) -> Self {
        Self { envelope, traceparent: telemetry::current_traceparent() }
    }

    /// `envelope`, caused by the work of `span` (one message of a batch
    /// handled together).
    pub fn in_span(envelope: Envelope, span: &tracing::Span) -> Self {
        Self { envelope, traceparent: span.in_scope(telemetry::current_traceparent) }
    }
}

/// Writes `events` to the outbox as [`enqueue`] writes one, in a few
/// statements whatever their number: the events of one report take its next
/// sequences in their order here. Answers their envelopes with their sequences.
pub async fn enqueue_all<C: ConnectionTrait>(conn: &C, events: Vec<Outgoing>) -> Result<Vec<Envelope>, DbErr> {
    use std::collections::{BTreeMap, HashMap};
    let (mut envelopes, traceparents): (Vec<Envelope>, Vec<Option<String>>) =
        events.into_iter().map(|outgoing| (outgoing.envelope, outgoing.traceparent)).unzip();
    // How many events each report has here, and its reports by that number:
    // one statement gives a number of sequences to each report of a group.
    let mut counts: HashMap<uuid::Uuid, u64> = HashMap::new();
    for envelope in &envelopes {
        if let Ok(report_id) = uuid::Uuid::parse_str(&envelope.report_id) {
            *counts.entry(report_id).or_default() += 1;
        }
    }
    let mut by_count: BTreeMap<u64, Vec<uuid::Uuid>> = BTreeMap::new();
    for (report_id, count) in &counts {
        by_count.entry(*count).or_default().push(*report_id);
    }
    // The first sequence each report's events here start from.
    let mut next: HashMap<uuid::Uuid, u64> = HashMap::new();
    // Each group's clocks locked in the order of their reports, as every
    // transaction locks them.
    for (count, reports) in &mut by_count {
        reports.sort_unstable();
        for (report_id, top) in crate::report_order::next_all(conn, *count, reports).await? {
            next.insert(report_id, top + 1 - count);
        }
    }
    let mut rows = Vec::with_capacity(envelopes.len());
    for (envelope, traceparent) in envelopes.iter_mut().zip(traceparents) {
        let message_id = uuid::Uuid::parse_str(&envelope.message_id)
            .map_err(|error| DbErr::Custom(format!("envelope message id is not a UUID: {error}")))?;
        // The relay publishes in id order and purges by id range: both
        // take the id's leading time for when the row was written.
        if message_id.get_version() != Some(uuid::Version::SortRand) {
            return Err(DbErr::Custom(format!("envelope message id {message_id} is not a UUIDv7")));
        }
        if let Ok(report_id) = uuid::Uuid::parse_str(&envelope.report_id) {
            let sequence = next.get_mut(&report_id).ok_or(DbErr::RecordNotInserted)?;
            envelope.sequence = *sequence;
            *sequence += 1;
        }
        rows.push(outbox_message::ActiveModel {
            message_id: Set(message_id),
            routing_key: Set(envelope.routing_key()),
            payload: Set(envelope.encode_to_vec()),
            traceparent: Set(traceparent),
            created_at: Set(chrono::Utc::now()),
            published_at: Set(None),
            claimed_until: Set(None),
            attempts: Set(0),
            parked_at: Set(None),
            park_reason: Set(None),
        });
    }
    // Ten parameters a row: well within a statement's limit.
    for chunk in rows.chunks(1000) {
        outbox_message::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(envelopes)
}

/// A row set aside because the broker refused it for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedRow {
    /// The event's message id.
    pub message_id: uuid::Uuid,
    /// Its routing key.
    pub routing_key: String,
    /// Why it was parked.
    pub reason: String,
    /// When.
    pub parked_at: chrono::DateTime<chrono::Utc>,
}

/// The parked rows of an outbox, oldest first, at most `limit`.
pub async fn parked<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<ParkedRow>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::ParkedAt.is_not_null())
        .order_by_asc(outbox_message::Column::MessageId)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(ParkedRow {
                message_id: row.message_id,
                routing_key: row.routing_key,
                reason: row.park_reason.unwrap_or_default(),
                parked_at: row.parked_at?,
            })
        })
        .collect())
}

/// How many rows of an outbox are parked.
pub async fn count_parked<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    outbox_message::Entity::find().filter(outbox_message::Column::ParkedAt.is_not_null()).count(conn).await
}

/// Puts every parked row back in line for the relay (after the topology was
/// fixed, say); answers how many.
pub async fn replay_parked<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let result = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::ParkedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .col_expr(outbox_message::Column::ParkReason, Expr::value(Option::<String>::None))
        .col_expr(outbox_message::Column::Attempts, Expr::value(0))
        .col_expr(outbox_message::Column::ClaimedUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .filter(outbox_message::Column::ParkedAt.is_not_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
