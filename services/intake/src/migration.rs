//! Intake's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, add_missing_columns, create_delivery_tables,
    create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::entities::{notification, photo, report, report_update, reporter, reporter_identity};

/// Applies intake's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateIntakeTables),
            Box::new(aduan_registry_store::CreateRegistryVersions),
            Box::new(DeliveryOrderingAndParking),
            Box::new(OrderMergesRatingsAndSealing),
            Box::new(ReportLocation),
            Box::new(Photos),
            Box::new(Notifications),
            Box::new(PublicText),
            Box::new(Deadlines),
            Box::new(UpdatesRecorded),
            Box::new(DeliveryAtScale),
            Box::new(LighterOutbox),
        ]
    }
}

/// Facts in sequence order, duplicates that follow their original, the
/// citizen's rating, and sealed identities.
#[derive(Debug)]
struct OrderMergesRatingsAndSealing;

impl MigrationName for OrderMergesRatingsAndSealing {
    fn name(&self) -> &str {
        "m20261129_200001_intake_order_merges_ratings_sealing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for OrderMergesRatingsAndSealing {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report::Entity).await?;
        add_missing_columns(manager, report_update::Entity).await?;
        create_table_for(manager, reporter_identity::Entity).await
    }
}

/// Where a report happened: a map point and an address (Open311, the filing page).
#[derive(Debug)]
struct ReportLocation;

impl MigrationName for ReportLocation {
    fn name(&self) -> &str {
        "m20261130_000001_intake_report_location"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReportLocation {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report::Entity).await
    }
}

/// Citizens' photos, their bytes in the file store.
#[derive(Debug)]
struct Photos;

impl MigrationName for Photos {
    fn name(&self) -> &str {
        "m20261130_000002_intake_photos"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Photos {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_for(manager, photo::Entity).await
    }
}

/// Messages to citizens, the language they are written in, and the way to stop them.
#[derive(Debug)]
struct Notifications;

impl MigrationName for Notifications {
    fn name(&self) -> &str {
        "m20261130_000003_intake_notifications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Notifications {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report::Entity).await?;
        create_table_for(manager, notification::Entity).await
    }
}

/// What a verifier lets the public record show: a redacted text, or nothing.
#[derive(Debug)]
struct PublicText;

impl MigrationName for PublicText {
    fn name(&self) -> &str {
        "m20261130_000004_intake_public_text"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PublicText {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report::Entity).await
    }
}

/// The deadlines of the case's clocks, for the citizen.
#[derive(Debug)]
struct Deadlines;

impl MigrationName for Deadlines {
    fn name(&self) -> &str {
        "m20261130_000005_intake_deadlines"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Deadlines {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report::Entity).await
    }
}

#[derive(Debug)]
struct UpdatesRecorded;

impl MigrationName for UpdatesRecorded {
    fn name(&self) -> &str {
        "m20261130_000006_intake_updates_recorded"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for UpdatesRecorded {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, report_update::Entity).await
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
