//! Turning one raw delivery into a decision, the same way on every bus:
//! decode, skip events this build does not know, run the handler inside a span
//! that continues the producer's trace, then ask the retry policy.

use async_trait::async_trait;
use prost::Message as _;
use tracing::Instrument as _;

use super::retry::{Decision, RetryPolicy, decide};
use crate::proto::Envelope;
use crate::telemetry;

/// Why a handler did not apply a message.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The body is not an envelope this build can read; retrying will not help.
    #[error("undecodable message: {0}")]
    Undecodable(String),
    /// The message can never be applied (it contradicts what this service knows).
    #[error("{0}")]
    Permanent(String),
    /// Something that may pass (database busy, connection lost): retry later.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for HandlerError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Transient(error.into())
    }
}

/// A service's reaction to the events it subscribes to.
#[async_trait]
pub trait MessageHandler: Send + Sync + 'static {
    /// Applies one event. Must be idempotent per message id (see `dedupe`).
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError>;
}

/// One delivery as the bus received it.
#[derive(Debug)]
pub(crate) struct RawDelivery<'a> {
    pub consumer: &'a str,
    pub routing_key: &'a str,
    pub payload: &'a [u8],
    pub traceparent: Option<&'a str>,
    pub attempt: u32,
}

pub(crate) async fn process(handler: &dyn MessageHandler, policy: &RetryPolicy, delivery: RawDelivery<'_>) -> Decision {
    let span = tracing::info_span!(
        "consume",
        consumer = delivery.consumer,
        routing_key = delivery.routing_key,
        attempt = delivery.attempt,
        message_id = tracing::field::Empty,
        report_id = tracing::field::Empty,
    );
    telemetry::adopt_remote_parent(&span, delivery.traceparent);
    let outcome = async {
        let envelope =
            Envelope::decode(delivery.payload).map_err(|error| HandlerError::Undecodable(error.to_string()))?;
        let current = tracing::Span::current();
        current.record("message_id", envelope.message_id.as_str());
        current.record("report_id", envelope.report_id.as_str());
        if envelope.event.is_none() {
            // A newer producer's event: not ours to understand, and not an error.
            tracing::debug!("skipping an event this build does not know");
            return Ok(());
        }
        handler.handle(envelope).await
    }
    .instrument(span.clone())
    .await;
    let decision = decide(policy, delivery.attempt, &outcome);
    span.in_scope(|| match &decision {
        Decision::Ack => {}
        Decision::Retry { next_attempt, delay } => {
            tracing::warn!(next_attempt, ?delay, error = ?outcome.err(), "handler failed; will retry")
        }
        Decision::DeadLetter { reason } => tracing::error!(%reason, "dead-lettering message"),
    });
    decision
}
