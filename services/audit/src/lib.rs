//! The audit ledger: every event of the system appended, once, to an
//! RFC 9162 Merkle tree that the database refuses to change, with the words
//! people wrote replaced by commitments; signed checkpoints on a schedule;
//! proofs for anyone; the verifier that recomputes it all; and the figures
//! that judge institutions, computed from the ledger's entries alone.

pub mod api;
pub mod appending;
pub mod authorization;
pub mod checkpoints;
pub mod commitments;
pub mod csv;
pub mod entities;
pub mod facts;
pub mod figures;
pub mod figures_api;
pub mod migration;
pub mod open_data;
pub mod projection;
pub mod reviews;
pub mod reviews_api;
pub mod tree_store;
pub mod verify;

use std::sync::Arc;

use aduan_ledger::CheckpointSigner;
use aduan_platform::auth::Authenticator;
use aduan_platform::bus::{MessageHandler, Subscription};
use aduan_platform::consumer::TransactionalConsumer;
use aduan_platform::outbox::OutboxSignal;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

pub use migration::Migrator;

/// The name in logs, traces and database names.
pub const SERVICE: &str = "audit";

/// How often a checkpoint is signed while the ledger grows.
pub const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// What audit's handlers share.
#[derive(Debug, Clone)]
pub struct AuditState {
    /// Audit's own database.
    pub db: DatabaseConnection,
    /// The key that signs checkpoints.
    pub signer: Arc<CheckpointSigner>,
    /// Checks access tokens.
    pub authenticator: Arc<Authenticator>,
    /// The registry: the figures' names, levels and calendars.
    pub registry: Arc<aduan_registry_store::LiveRegistry>,
    /// Now, for the backlog and the current quarter.
    pub today: aduan_platform::clock::Today,
    /// Wakes the outbox's relay when a review is announced.
    pub outbox: OutboxSignal,
    /// The public's open data, kept for a minute.
    pub open_data: open_data::OpenDataCache,
}

impl FromRef<AuditState> for Arc<Authenticator> {
    fn from_ref(state: &AuditState) -> Self {
        state.authenticator.clone()
    }
}

/// Audit's consumer: every event, appended; registry changes also kept as
/// every service keeps them, so its copy of the registry is current.
pub fn consumer(state: &AuditState, outbox: OutboxSignal) -> (Subscription, Arc<dyn MessageHandler>) {
    let appender = aduan_registry_store::WithRegistryCopy::new(appending::LedgerAppender);
    let handler = TransactionalConsumer::new(SERVICE, state.db.clone(), outbox, appender);
    (aduan_platform::topology::audit(), Arc::new(handler))
}
