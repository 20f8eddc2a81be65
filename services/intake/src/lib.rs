//! Intake: takes reports from citizens, keeps the reporter's identity sealed,
//! gives a tracking code, and shows the citizen the report as it moves.

pub mod api;
pub mod entities;
pub mod filer;
mod filing;
pub mod following;
pub mod migration;
pub mod notifying;
pub mod open311;
pub mod photos;
mod publication;
pub mod retention;
pub mod sealing;
mod tracking;

use std::sync::Arc;

use aduan_platform::auth::{ApiKeys, Authenticator};
use aduan_platform::bus::{MessageHandler, Subscription};
use aduan_platform::clock::Today;
use aduan_platform::consumer::TransactionalConsumer;
use aduan_platform::outbox::OutboxSignal;
use aduan_platform::topology;
use aduan_registry_store::{LiveRegistry, WithRegistryCopy};
use sea_orm::DatabaseConnection;

pub use filing::{FileReportRequest, Language, Location, Privacy, ReportKind, ReporterRequest};
pub use migration::Migrator;
pub use sealing::IdentityKeys;
pub use tracking::{citizen_pseudonym, hash_secret};

/// The service's name on the bus and in traces.
pub const SERVICE: &str = "intake";

/// What intake's handlers share.
#[derive(Debug, Clone)]
pub struct IntakeState {
    /// Intake's own database.
    pub db: DatabaseConnection,
    /// Categories and regions a report may name; calendars.
    pub registry: Arc<LiveRegistry>,
    /// The procedures in force (the dispute and appeal window).
    pub procedures: Arc<aduan_procedure::ProcedureBook>,
    /// Wakes the outbox relay after a commit.
    pub outbox: OutboxSignal,
    /// Today, as the clocks see it (the dispute window counts to it).
    pub today: Today,
    /// The keys that seal reporters' identities.
    pub identities: Arc<IdentityKeys>,
    /// Checks the API keys of Open311 partners with accounts.
    pub api_keys: ApiKeys,
    /// Verifies staff's access tokens (who may see a report's photos).
    pub authenticator: Arc<Authenticator>,
    /// Where photos are kept.
    pub files: photos::FileStore,
    /// Writes the filings that arrive together in one transaction.
    pub filer: filer::Filer,
}

/// Intake's consumer: what it listens to, and the handler.
pub fn consumer(state: &IntakeState) -> (Subscription, Arc<dyn MessageHandler>) {
    let applier = WithRegistryCopy::new(following::FollowReports);
    let handler = TransactionalConsumer::new(SERVICE, state.db.clone(), state.outbox.clone(), applier);
    (topology::intake(), Arc::new(handler))
}
