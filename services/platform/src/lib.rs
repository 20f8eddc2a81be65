//! What every aduan service stands on: the database, the bus, the outbox that
//! feeds it, the dedupe record of handled messages, telemetry, configuration
//! and the HTTP plumbing (errors, health, shutdown).

pub mod auth;
pub mod bus;
pub mod clock;
pub mod config;
pub mod consumer;
pub mod database;
pub mod dedupe;
pub mod envelope;
pub mod http;
pub mod metrics;
pub mod migrations;
pub mod outbox;
pub mod page;
pub mod report_order;
pub mod shutdown;
pub mod telemetry;
pub mod topology;

pub use aduan_proto as proto;
