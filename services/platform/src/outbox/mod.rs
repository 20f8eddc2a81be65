//! The transactional outbox: a producer writes its state change and the event
//! announcing it in one transaction; the relay publishes pending rows and marks
//! them only after the bus confirmed them. A crash between the two publishes
//! the row again, and consumers dedupe on the message id.

mod relay;

use std::sync::Arc;

use prost::Message as _;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
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
        /// When the bus confirmed it; `None` while pending.
        #[sea_orm(indexed)]
        pub published_at: Option<DateTimeUtc>,
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
/// transaction that makes the state change the event announces.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, envelope: &Envelope) -> Result<(), DbErr> {
    let message_id = uuid::Uuid::parse_str(&envelope.message_id)
        .map_err(|error| DbErr::Custom(format!("envelope message id is not a UUID: {error}")))?;
    outbox_message::ActiveModel {
        message_id: Set(message_id),
        routing_key: Set(envelope.routing_key()),
        payload: Set(envelope.encode_to_vec()),
        traceparent: Set(telemetry::current_traceparent()),
        created_at: Set(chrono::Utc::now()),
        published_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}
