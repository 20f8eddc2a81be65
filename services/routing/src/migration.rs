//! Routing's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{create_delivery_tables, create_table_for};
use sea_orm_migration::prelude::*;

use crate::routed_report;

/// Applies routing's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateRoutingTables), Box::new(aduan_registry_store::CreateRegistryVersions)]
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
