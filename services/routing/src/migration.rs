//! Routing's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, add_missing_columns, create_delivery_tables,
    create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::routed_report;

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
        let db = manager.get_connection();
        crate::similar::drop_text_indexes(db).await?;
        crate::similar::backfill(db).await
    }
}

/// The verification queue in its order (longest waiting first) over the
/// waiting reports alone: at ten million reports, with a few thousand
/// waiting, every page of the queue read and sorted all of them.
#[derive(Debug)]
struct QueueInWaitingOrder;

impl MigrationName for QueueInWaitingOrder {
    fn name(&self) -> &str {
        "m20261201_000002_routing_queue_in_waiting_order"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for QueueInWaitingOrder {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The status as it is today, written out: a migration does not
        // change with the code after it. The queue names it as a literal
        // too (`routed_report::waiting`), so the planner can match them.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS routed_report_waiting ON routed_report (routed_at, report_id) \
                 WHERE status = 'submitted'",
            )
            .await?;
        Ok(())
    }
}
