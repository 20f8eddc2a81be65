//! A consumer whose effect, outgoing events and dedupe record commit together:
//! the one way services handle events, so none of them can forget a step.

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use tracing::Instrument as _;

use crate::bus::{HandlerError, Incoming, MessageHandler};
use crate::dedupe;
use crate::outbox::OutboxSignal;
use crate::proto::Envelope;

/// What a service does with one event, inside the consumer's transaction.
/// Outgoing events go to the outbox through the same `txn`.
#[async_trait]
pub trait ApplyEvent: Send + Sync + 'static {
    /// Applies `envelope` (whose `event` is set) inside `txn`.
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError>;

    /// Applies several events, in order, inside one `txn`. One by one unless
    /// a service can do the batch in fewer statements.
    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        for incoming in batch {
            self.apply(txn, &incoming.envelope).instrument(incoming.span.clone()).await?;
        }
        Ok(())
    }
}

/// The events of `batch` that `pick` takes (it answers what it needs of an
/// event) and that are the first of their report in the batch, with their
/// places in it: events a service may handle together, before the rest,
/// without any of a report's events changing order.
pub fn firsts_of_reports<'a, T>(
    batch: &[&'a Incoming],
    pick: impl Fn(&'a crate::proto::envelope::Event) -> Option<T>,
) -> Vec<(usize, uuid::Uuid, T, &'a tracing::Span)> {
    let mut reports = std::collections::HashSet::new();
    let mut firsts = Vec::new();
    for (index, incoming) in batch.iter().enumerate() {
        let Ok(report_id) = crate::envelope::report_id(&incoming.envelope) else { continue };
        if !reports.insert(report_id) {
            continue;
        }
        if let Some(picked) = incoming.envelope.event.as_ref().and_then(&pick) {
            firsts.push((index, report_id, picked, &incoming.span));
        }
    }
    firsts
}

/// Runs an [`ApplyEvent`] exactly once per message id.
#[derive(Debug)]
pub struct TransactionalConsumer<A> {
    name: String,
    db: DatabaseConnection,
    outbox: OutboxSignal,
    applier: A,
}

impl<A: ApplyEvent> TransactionalConsumer<A> {
    /// A consumer named `name` (its dedupe records are kept under that name).
    pub fn new(name: impl Into<String>, db: DatabaseConnection, outbox: OutboxSignal, applier: A) -> Self {
        Self { name: name.into(), db, outbox, applier }
    }
}

impl<A: ApplyEvent> TransactionalConsumer<A> {
    /// Claims the batch's messages and records their sequences in one
    /// statement each, then applies those not handled before, in order.
    async fn apply_all(&self, txn: &DatabaseTransaction, batch: &[Incoming]) -> Result<(), HandlerError> {
        let ids = batch
            .iter()
            .map(|incoming| uuid::Uuid::parse_str(&incoming.envelope.message_id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| HandlerError::Permanent(format!("message id is not a UUID: {error}")))?;
        let mut fresh = dedupe::claim_all(txn, &self.name, &ids).await?;
        // A message delivered twice in one batch is applied once: its first time.
        let fresh: Vec<&Incoming> =
            batch.iter().zip(&ids).filter(|(_, id)| fresh.remove(id)).map(|(incoming, _)| incoming).collect();
        let seen: Vec<(uuid::Uuid, u64)> = fresh
            .iter()
            .filter_map(|incoming| {
                let report_id = uuid::Uuid::parse_str(&incoming.envelope.report_id).ok()?;
                Some((report_id, incoming.envelope.sequence))
            })
            .collect();
        crate::report_order::observe_all(txn, &seen).await?;
        self.applier.apply_batch(txn, &fresh).await
    }
}

impl<A: ApplyEvent> TransactionalConsumer<A> {
    /// Tells the metrics what became of `envelopes`, and how far behind
    /// their events the oldest of them was handled.
    fn measured(&self, envelopes: &[Envelope], handled: &Result<(), HandlerError>, started: std::time::Instant) {
        let outcome = match handled {
            Ok(()) => "handled",
            Err(HandlerError::Unavailable(_)) => "unavailable",
            Err(HandlerError::Permanent(_)) => "refused",
            Err(_) => "failed",
        };
        // Lag is how far behind the events their handling was: measured on
        // success only, so a retry back from its delay queue does not count twice.
        let oldest = envelopes.iter().map(crate::envelope::occurred_at).min().filter(|_| handled.is_ok());
        let lag = oldest.and_then(|at| (chrono::Utc::now() - at).to_std().ok());
        crate::metrics::consumed(&self.name, outcome, envelopes.len(), started.elapsed(), lag);
    }
}

#[async_trait]
impl<A: ApplyEvent> MessageHandler for TransactionalConsumer<A> {
    async fn handle(&self, envelope: Envelope) -> Result<(), HandlerError> {
        let started = std::time::Instant::now();
        // One message is a batch of one: the same claim, record and apply.
        let one = [Incoming { envelope, span: tracing::Span::current() }];
        let handled = async {
            let txn = crate::database::begin_write(&self.db).await?;
            self.apply_all(&txn, &one).await?;
            txn.commit().await?;
            Ok::<(), HandlerError>(())
        }
        .await;
        let [incoming] = one;
        self.measured(std::slice::from_ref(&incoming.envelope), &handled, started);
        handled?;
        self.outbox.wake();
        Ok(())
    }

    /// All in one transaction (one commit for the batch); if any message
    /// fails, the batch is rolled back and each is handled on its own, so one
    /// bad message neither holds back nor takes down the others.
    async fn handle_batch(&self, batch: Vec<Incoming>) -> Vec<Result<(), HandlerError>> {
        if batch.len() > 1 {
            let together = async {
                let txn = crate::database::begin_write(&self.db).await?;
                self.apply_all(&txn, &batch).await?;
                txn.commit().await?;
                Ok::<(), HandlerError>(())
            };
            let started = std::time::Instant::now();
            let handled = together.await;
            // A batch that fails is handled again one by one, and measured then;
            // one whose database is down is not, so it is measured here.
            if !matches!(
                handled,
                Err(HandlerError::Permanent(_) | HandlerError::Transient(_) | HandlerError::Undecodable(_))
            ) {
                let envelopes: Vec<Envelope> = batch.iter().map(|incoming| incoming.envelope.clone()).collect();
                self.measured(&envelopes, &handled, started);
            }
            match handled {
                Ok(()) => {
                    self.outbox.wake();
                    return batch.iter().map(|_| Ok(())).collect();
                }
                // The database is down: one by one would only wait for it
                // once per message.
                Err(HandlerError::Unavailable(error)) => {
                    let error = format!("{error:#}");
                    return batch.iter().map(|_| Err(HandlerError::Unavailable(anyhow::anyhow!("{error}")))).collect();
                }
                Err(error) => {
                    tracing::debug!(%error, size = batch.len(), "batch failed; handling its messages one by one")
                }
            }
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for incoming in batch {
            outcomes.push(self.handle(incoming.envelope).instrument(incoming.span).await);
        }
        outcomes
    }
}
