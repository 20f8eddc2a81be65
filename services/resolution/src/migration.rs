//! Resolution's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryOrderingAndParking, add_missing_columns, create_delivery_tables, create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::entities::{
    case, case_branch, case_clocks, case_entry, case_supporter, escalation, pending_privacy, report_history,
};

/// Applies resolution's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateResolutionTables),
            Box::new(aduan_registry_store::CreateRegistryVersions),
            Box::new(DeliveryOrderingAndParking),
            Box::new(HistoryEscalationsAndRatings),
            Box::new(EntryAuthorRoles),
        ]
    }
}

/// Each report's whole history, the escalations staff read, privacy raised
/// before a case opened, and the citizen's rating.
#[derive(Debug)]
struct HistoryEscalationsAndRatings;

impl MigrationName for HistoryEscalationsAndRatings {
    fn name(&self) -> &str {
        "m20261129_400001_resolution_history_escalations_ratings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for HistoryEscalationsAndRatings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, case::Entity).await?;
        create_table_for(manager, pending_privacy::Entity).await?;
        create_table_for(manager, escalation::Entity).await?;
        create_table_for(manager, report_history::Entity).await
    }
}

/// The role each case entry was written in.
#[derive(Debug)]
struct EntryAuthorRoles;

impl MigrationName for EntryAuthorRoles {
    fn name(&self) -> &str {
        "m20261129_500001_resolution_entry_author_roles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EntryAuthorRoles {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, case_entry::Entity).await
    }
}

#[derive(Debug, DeriveMigrationName)]
struct CreateResolutionTables;

#[async_trait::async_trait]
impl MigrationTrait for CreateResolutionTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_delivery_tables(manager).await?;
        create_table_for(manager, case::Entity).await?;
        create_table_for(manager, case_entry::Entity).await?;
        create_table_for(manager, case_clocks::Entity).await?;
        create_table_for(manager, case_branch::Entity).await?;
        create_table_for(manager, case_supporter::Entity).await
    }
}
