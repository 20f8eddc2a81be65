//! The one bus interface every service talks to, with two implementations:
//! RabbitMQ for the distributed mode and an in-process bus for `aduan dev`.
//!
//! Both keep the same promises: `publish` returns only once every message is
//! held durably (a broker confirm, or every subscriber's commit), and a
//! subscriber's handler is retried with back-off, then dead-lettered with a
//! reason, while the subscriber goes on with the next message.

mod delivery;
pub mod memory;
pub mod rabbit;
pub mod retry;
mod topic;

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

pub use delivery::{HandlerError, Incoming, MessageHandler};
pub use retry::{Decision, RetryPolicy};
pub use topic::topic_matches;

/// A message on its way out, as the outbox hands it to the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The envelope's message id (UUIDv7).
    pub message_id: Uuid,
    /// `report.<event>`.
    pub routing_key: String,
    /// The protobuf-encoded envelope.
    pub payload: Vec<u8>,
    /// W3C trace context of the work that produced the message.
    pub traceparent: Option<String>,
}

/// A consumer and the events it listens to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The consumer's name, unique on the bus; its queue is named after it.
    pub consumer: String,
    /// Routing-key patterns (`*` one word, `#` any number of words).
    pub bindings: Vec<String>,
}

/// Why the bus could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker cannot be reached now; the caller keeps the messages and tries again.
    #[error("the broker is unavailable: {0}")]
    Unavailable(String),
    /// The broker refused a message (nack, or no queue to route it to).
    #[error("the broker refused message {message_id}: {reason}")]
    Refused {
        /// The message that was refused.
        message_id: Uuid,
        /// What the broker said.
        reason: String,
    },
    /// The process is shutting down; nothing more is taken.
    #[error("the bus is shutting down")]
    ShuttingDown,
}

/// The bus as every service sees it.
#[async_trait]
pub trait Bus: Send + Sync + std::fmt::Debug + 'static {
    /// Publishes `batch` and returns once every message of it is held durably.
    /// On error, any part of the batch may have been delivered: callers
    /// publish again and consumers dedupe.
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<(), BusError>;

    /// Starts delivering matching messages to `handler` until [`Bus::shutdown`].
    async fn subscribe(&self, subscription: Subscription, handler: Arc<dyn MessageHandler>) -> anyhow::Result<()>;

    /// Whether the bus can take messages now, for `/readyz`.
    async fn is_ready(&self) -> bool;

    /// Stops taking new deliveries and waits for the ones in flight to finish.
    async fn shutdown(&self);
}
