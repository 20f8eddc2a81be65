//! The one bus interface every service talks to, with two implementations:
//! RabbitMQ for the distributed mode and an in-process bus for `aduan dev`.
//!
//! Both keep the same promises: `publish` returns only once every message is
//! held durably (a broker confirm, or every subscriber's commit), and a
//! subscriber's handler is retried with back-off, then dead-lettered with a
//! reason, while the subscriber goes on with the next message.

mod acknowledgements;
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

/// A message a consumer gave up on, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The envelope's message id, as published.
    pub message_id: String,
    /// Its routing key.
    pub routing_key: String,
    /// Why it was given up on.
    pub reason: String,
    /// The body, as published.
    pub payload: Vec<u8>,
}

/// A consumer and the events it listens to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The consumer's name, unique on the bus; its queue is named after it.
    pub consumer: String,
    /// Routing-key patterns (`*` one word, `#` any number of words).
    pub bindings: Vec<String>,
}

/// What became of one message of a published batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Held durably: confirmed by the broker, or committed by every
    /// in-process subscriber.
    Held,
    /// No queue is bound to its routing key: nobody consumes it.
    Unroutable,
    /// The broker refused it for now (a nack: a full queue, a broker
    /// under pressure); it may take it later.
    Refused(String),
}

/// Why the bus could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker cannot be reached now; the caller keeps the messages and tries again.
    #[error("the broker is unavailable: {0}")]
    Unavailable(String),
    /// The process is shutting down; nothing more is taken.
    #[error("the bus is shutting down")]
    ShuttingDown,
}

/// The bus as every service sees it.
#[async_trait]
pub trait Bus: Send + Sync + std::fmt::Debug + 'static {
    /// Publishes `batch` and answers, once the bus has settled each message,
    /// what became of each, in order. On error, any part of the batch may
    /// have been delivered: callers publish again and consumers dedupe.
    async fn publish(&self, batch: &[OutgoingMessage]) -> Result<Vec<Published>, BusError>;

    /// Starts delivering matching messages to `handler` until [`Bus::shutdown`].
    async fn subscribe(&self, subscription: Subscription, handler: Arc<dyn MessageHandler>) -> anyhow::Result<()>;

    /// Whether the bus can take messages now, for `/readyz`.
    async fn is_ready(&self) -> bool;

    /// Stops taking new deliveries and waits for the ones in flight to finish.
    async fn shutdown(&self);
}
