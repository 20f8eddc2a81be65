//! Routing's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, add_missing_columns, create_delivery_tables,
    create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::routed_report;

/// The status of the reports waiting for a verifier, as SQL, as it is
/// today: a migration does not change with the code after it. A test keeps
/// it the procedure's `submitted`.
pub const WAITING: &str = "'submitted'";

/// Applies routing's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateRoutingTables),
            Box::new(aduan_registry_store::CreateRegistryVersions),
            Box::new(DeliveryOrderingAndParking),
            Box::new(CaseOrderAndAppeals),
            Box::new(SimilarReports),
            Box::new(DeliveryAtScale),
            Box::new(LighterOutbox),
            Box::new(LikenessSketches),
            Box::new(SketchesOfTheWindow),
            Box::new(QueueInWaitingOrder),
        ]
    }
}

/// The order of case facts on the national verifier's list, and why a case is on it.
#[derive(Debug)]
struct CaseOrderAndAppeals;

impl MigrationName for CaseOrderAndAppeals {
    fn name(&self) -> &str {
        "m20261129_300001_routing_case_order_and_appeals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CaseOrderAndAppeals {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, routed_report::Entity).await
    }
}

#[derive(Debug, DeriveMigrationName)]
struct CreateRoutingTables;

#[async_trait::async_trait]
impl MigrationTrait for CreateRoutingTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_delivery_tables(manager).await?;
        create_table_for(manager, routed_report::Entity).await
    }
}

/// The text possible duplicates are found by, and the neighbourhood's index.
/// (It also made a text index and gave every older report its text, until
/// sketches replaced the index: `LikenessSketches` drops one made then.)
#[derive(Debug)]
struct SimilarReports;

impl MigrationName for SimilarReports {
    fn name(&self) -> &str {
        "m20261130_000001_routing_similar_reports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SimilarReports {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, routed_report::Entity).await?;
        crate::similar::create_index(manager.get_connection()).await
    }
}

/// A sketch of each report's trigrams, which suggestions are found by
/// instead of a text index (`crate::similar`).
#[derive(Debug)]
struct LikenessSketches;

impl MigrationName for LikenessSketches {
    fn name(&self) -> &str {
        "m20261201_000001_routing_likeness_sketches"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LikenessSketches {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, routed_report::Entity).await?;
        crate::similar::drop_text_indexes(manager.get_connection()).await
    }
}

/// The sketches of the reports in the window that were routed before
/// there were sketches. A transaction per batch rather than one for all:
/// a month of a country's reports takes a while, and routing goes on.
#[derive(Debug)]
struct SketchesOfTheWindow;

impl MigrationName for SketchesOfTheWindow {
    fn name(&self) -> &str {
        "m20261201_000002_routing_sketches_of_the_window"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SketchesOfTheWindow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::similar::backfill(manager.get_connection()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }
}

/// The verification queue in its order (longest waiting first) over the
/// waiting reports alone: at ten million reports, with a few thousand
/// waiting, every page of the queue read and sorted all of them.
#[derive(Debug)]
struct QueueInWaitingOrder;

impl MigrationName for QueueInWaitingOrder {
    fn name(&self) -> &str {
        "m20261201_000003_routing_queue_in_waiting_order"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for QueueInWaitingOrder {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The queue names the status as the same literal
        // (`routed_report::waiting`), so the planner can match them.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS routed_report_waiting ON routed_report (routed_at, report_id) \
                 WHERE status = {WAITING}"
            ))
            .await?;
        Ok(())
    }
}
