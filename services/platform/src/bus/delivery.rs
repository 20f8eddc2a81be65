//! Turning raw deliveries into decisions, the same way on every bus: decode,
//! skip events this build does not know, run the handler inside a span that
//! continues the producer's trace, then ask the retry policy.

use async_trait::async_trait;
use futures::FutureExt as _;
use prost::Message as _;
use tracing::{Instrument as _, Span};

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
    /// The database (or another dependency) cannot be reached: not the
    /// message's fault, so it is held and tried again without counting.
    #[error("unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Something that may pass (a deadlock, a timeout): retry later.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
    /// An event this build does not know (a newer producer's, during a
    /// rolling upgrade), under its routing key.
    #[error("unknown event {0}")]
    UnknownEvent(String),
}

impl From<sea_orm::DbErr> for HandlerError {
    fn from(error: sea_orm::DbErr) -> Self {
        match crate::database::classify(&error) {
            crate::database::Failure::Unavailable => Self::Unavailable(error.into()),
            crate::database::Failure::Constraint => Self::Permanent(format!("constraint violated: {error}")),
            crate::database::Failure::Other => Self::Transient(error.into()),
        }
    }
}

/// A decoded event and the span that continues its producer's trace; work
/// done for the event runs inside the span, so what it publishes stays in the trace.
#[derive(Debug)]
pub struct Incoming {
    /// The event.
    pub envelope: Envelope,
    /// Its span.
    pub span: Span,
}

/// A service's reaction to the events it subscribes to.
#[async_trait]
pub trait MessageHandler: Send + Sync + 'static {
    /// Applies one event. Must be idempotent per message id (see `dedupe`).
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError>;

    /// Applies several events that arrived together, returning one outcome
    /// each, in order. The default handles them one by one; a handler may do
    /// them in one transaction.
    async fn handle_batch(&self, batch: Vec<Incoming>) -> Vec<Result<(), HandlerError>> {
        let mut outcomes = Vec::with_capacity(batch.len());
        for incoming in batch {
            outcomes.push(self.handle(incoming.envelope).instrument(incoming.span).await);
        }
        outcomes
    }
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

fn span_for(delivery: &RawDelivery<'_>) -> Span {
    let span = tracing::info_span!(
        "consume",
        consumer = delivery.consumer,
        routing_key = delivery.routing_key,
        attempt = delivery.attempt,
        message_id = tracing::field::Empty,
        report_id = tracing::field::Empty,
    );
    telemetry::adopt_remote_parent(&span, delivery.traceparent);
    span
}

fn log_decision(span: &Span, decision: &Decision, error: Option<&HandlerError>) {
    span.in_scope(|| match decision {
        Decision::Ack => {}
        Decision::Retry { next_attempt, delay } => {
            tracing::warn!(next_attempt, ?delay, error = ?error, "handler failed; will retry")
        }
        Decision::DeadLetter { reason } => tracing::error!(%reason, "dead-lettering message"),
        Decision::Pause => tracing::warn!(error = ?error, "a dependency is unavailable; holding the message"),
    });
}

/// Decides the fate of each delivery of a batch, in order.
pub(crate) async fn process_batch(
    handler: &dyn MessageHandler,
    policy: &RetryPolicy,
    deliveries: &[RawDelivery<'_>],
) -> Vec<Decision> {
    // Every entry is overwritten below: undecodable, skipped, or the handler's outcome.
    let mut decisions = vec![Decision::Ack; deliveries.len()];
    let mut work = Vec::new();
    let mut work_index = Vec::new();
    for (index, delivery) in deliveries.iter().enumerate() {
        let span = span_for(delivery);
        match Envelope::decode(delivery.payload) {
            Err(error) => {
                let outcome = Err(HandlerError::Undecodable(error.to_string()));
                let decision = decide(policy, delivery.attempt, &outcome);
                log_decision(&span, &decision, outcome.as_ref().err());
                decisions[index] = decision;
            }
            Ok(envelope) => {
                span.record("message_id", envelope.message_id.as_str());
                span.record("report_id", envelope.report_id.as_str());
                if envelope.event.is_none() {
                    // A newer producer's event: a newer replica may handle it.
                    let outcome = Err(HandlerError::UnknownEvent(delivery.routing_key.to_owned()));
                    let decision = decide(policy, delivery.attempt, &outcome);
                    log_decision(&span, &decision, outcome.as_ref().err());
                    decisions[index] = decision;
                } else {
                    work_index.push((index, span.clone()));
                    work.push(Incoming { envelope, span });
                }
            }
        }
    }
    if !work.is_empty() {
        // A handler that panics gets its batch retried (then dead-lettered
        // with the reason), like any failure: a batch left in hand would hold
        // up the acknowledgement of every delivery after it. One that returns
        // too few outcomes gets the rest retried, never dropped.
        let outcomes =
            std::panic::AssertUnwindSafe(handler.handle_batch(work)).catch_unwind().await.unwrap_or_else(|_| {
                tracing::error!(consumer = deliveries[0].consumer, "the handler panicked; its batch will be retried");
                Vec::new()
            });
        let outcomes = outcomes.into_iter().chain(std::iter::repeat_with(|| {
            Err(HandlerError::Transient(anyhow::anyhow!("the handler returned no outcome for this message")))
        }));
        for ((index, span), outcome) in work_index.into_iter().zip(outcomes) {
            let decision = decide(policy, deliveries[index].attempt, &outcome);
            log_decision(&span, &decision, outcome.as_ref().err());
            decisions[index] = decision;
        }
    }
    decisions
}

/// Decides the fate of one delivery.
pub(crate) async fn process(handler: &dyn MessageHandler, policy: &RetryPolicy, delivery: RawDelivery<'_>) -> Decision {
    let attempt = delivery.attempt;
    let decisions = process_batch(handler, policy, std::slice::from_ref(&delivery)).await;
    decisions.into_iter().next().unwrap_or(Decision::Retry { next_attempt: attempt, delay: std::time::Duration::ZERO })
}
