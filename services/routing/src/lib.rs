//! Routing: sends each report to the institution that must answer it, by
//! category and region down the tree of institutions, and re-routes what comes
//! back as "not our authority".

pub mod api;
pub mod authorization;
pub mod migration;
mod placing;
pub mod registry_api;
pub mod registry_keeping;
pub mod routed_report;
pub mod similar;
mod verification;
pub mod verification_clock;

use std::sync::Arc;

use aduan_platform::auth::Authenticator;
use aduan_platform::bus::{MessageHandler, Subscription};
use aduan_platform::consumer::TransactionalConsumer;
use aduan_platform::outbox::OutboxSignal;
use aduan_platform::topology;
use aduan_registry_store::LiveRegistry;
use sea_orm::DatabaseConnection;

pub use migration::Migrator;

/// The service's name on the bus and in traces.
pub const SERVICE: &str = "routing";

/// What routing's handlers share.
#[derive(Debug, Clone)]
pub struct RoutingState {
    /// Routing's own database.
    pub db: DatabaseConnection,
    /// Institutions, regions, categories and rules.
    pub registry: Arc<LiveRegistry>,
    /// Wakes the outbox relay after a commit.
    pub outbox: OutboxSignal,
    /// The verification step's clocks.
    pub verification: verification_clock::VerificationClocks,
    /// Checks callers' access tokens.
    pub authenticator: Arc<Authenticator>,
}

impl axum::extract::FromRef<RoutingState> for Arc<Authenticator> {
    fn from_ref(state: &RoutingState) -> Self {
        state.authenticator.clone()
    }
}

/// Routing's consumer: what it listens to, and the handler.
pub fn consumer(state: &RoutingState) -> (Subscription, Arc<dyn MessageHandler>) {
    let applier = placing::PlaceReports { registry: state.registry.clone(), verification: state.verification.clone() };
    let handler = TransactionalConsumer::new(SERVICE, state.db.clone(), state.outbox.clone(), applier);
    (topology::routing(), Arc::new(handler))
}
