//! Tables every service has (outbox, dedupe record) and the in-process bus's
//! dead letters. Each service's own migrator calls [`create_delivery_tables`]
//! in its first migration, so the tables live in the service's own database.

use sea_orm::{EntityTrait, Schema};
use sea_orm_migration::prelude::*;

use crate::bus::memory::dead_letter;
use crate::dedupe::processed_message;
use crate::outbox::outbox_message;

/// Creates a table (and its indexes) from its entity, on any backend.
pub async fn create_table_for<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    manager.create_table(schema.create_table_from_entity(entity).if_not_exists().to_owned()).await?;
    for mut index in schema.create_index_from_entity(entity) {
        manager.create_index(index.if_not_exists().to_owned()).await?;
    }
    Ok(())
}

/// The outbox and the record of handled messages.
pub async fn create_delivery_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    create_table_for(manager, outbox_message::Entity).await?;
    create_table_for(manager, processed_message::Entity).await
}

/// The in-process bus's own database (`aduan dev` only).
#[derive(Debug)]
pub struct BusMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BusMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateDeadLetters)]
    }
}

#[derive(Debug, DeriveMigrationName)]
struct CreateDeadLetters;

#[async_trait::async_trait]
impl MigrationTrait for CreateDeadLetters {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_for(manager, dead_letter::Entity).await
    }
}

/// Brings a service's database up to date. On PostgreSQL the migrations run
/// in one transaction under an advisory lock, so replicas starting together
/// migrate once and a failed migration leaves nothing half done.
pub async fn apply<M: MigratorTrait>(db: &sea_orm::DatabaseConnection, service: &str) -> Result<(), DbErr> {
    use sea_orm::{DbBackend, TransactionTrait};
    if db.get_database_backend() != DbBackend::Postgres {
        return M::up(db, None).await;
    }
    let txn = db.begin().await?;
    crate::database::serialize_with(&txn, &format!("migrate {service}")).await?;
    M::up(&txn, None).await?;
    txn.commit().await
}
