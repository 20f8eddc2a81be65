//! Accounts' schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, create_delivery_tables, create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::entities::{api_token, oidc_flow, password_reset, session, sign_in_throttle, signing_key, user};

/// Applies accounts' migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateAccountsTables),
            Box::new(aduan_registry_store::CreateRegistryVersions),
            Box::new(DeliveryOrderingAndParking),
            Box::new(DeliveryAtScale),
            Box::new(LighterOutbox),
        ]
    }
}

/// Every table of accounts, and the outbox.
#[derive(Debug)]
struct CreateAccountsTables;

// Named by hand: a derived name comes from the file, and would collide with
// any other migration written in a file of the same name.
impl MigrationName for CreateAccountsTables {
    fn name(&self) -> &str {
        "m20261129_100001_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAccountsTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_delivery_tables(manager).await?;
        create_table_for(manager, user::Entity).await?;
        create_table_for(manager, session::Entity).await?;
        create_table_for(manager, api_token::Entity).await?;
        create_table_for(manager, signing_key::Entity).await?;
        create_table_for(manager, password_reset::Entity).await?;
        create_table_for(manager, sign_in_throttle::Entity).await?;
        create_table_for(manager, oidc_flow::Entity).await
    }
}
