//! Intake's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{create_delivery_tables, create_table_for};
use sea_orm_migration::prelude::*;

use crate::entities::{report, report_update, reporter};

/// Applies intake's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateIntakeTables), Box::new(aduan_registry_store::CreateRegistryVersions)]
    }
}

#[derive(Debug, DeriveMigrationName)]
struct CreateIntakeTables;

#[async_trait::async_trait]
impl MigrationTrait for CreateIntakeTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_delivery_tables(manager).await?;
        create_table_for(manager, report::Entity).await?;
        create_table_for(manager, reporter::Entity).await?;
        create_table_for(manager, report_update::Entity).await
    }
}
