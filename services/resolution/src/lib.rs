//! Resolution: institutions' case work. Cases open in the inbox of the
//! institution routing chose; officers follow up, resolve, or return them.

pub mod api;
pub mod authorization;
mod casework;
pub mod deadlines;
pub mod entities;
mod forwarding;
pub mod history;
mod inbox;
pub mod migration;
pub mod next_steps;
mod supporting;

use std::sync::Arc;

use aduan_platform::auth::Authenticator;
use aduan_platform::bus::{MessageHandler, Subscription};
use aduan_platform::consumer::TransactionalConsumer;
use aduan_platform::outbox::OutboxSignal;
use aduan_platform::topology;
use aduan_registry_store::WithRegistryCopy;
use sea_orm::DatabaseConnection;

pub use migration::Migrator;

/// The service's name on the bus and in traces.
pub const SERVICE: &str = "resolution";

/// What resolution's handlers share.
#[derive(Debug, Clone)]
pub struct ResolutionState {
    /// Resolution's own database.
    pub db: DatabaseConnection,
    /// Wakes the outbox relay after a commit.
    pub outbox: OutboxSignal,
    /// The cases' working-day clocks.
    pub clocks: deadlines::ClockKeeper,
    /// Checks callers' access tokens.
    pub authenticator: Arc<Authenticator>,
}

impl axum::extract::FromRef<ResolutionState> for Arc<Authenticator> {
    fn from_ref(state: &ResolutionState) -> Self {
        state.authenticator.clone()
    }
}

/// Resolution's consumer: what it listens to, and the handler.
pub fn consumer(state: &ResolutionState) -> (Subscription, Arc<dyn MessageHandler>) {
    let applier = WithRegistryCopy::new(inbox::KeepInboxes { clocks: state.clocks.clone() });
    let handler = TransactionalConsumer::new(SERVICE, state.db.clone(), state.outbox.clone(), applier);
    (topology::resolution(), Arc::new(handler))
}
