//! Tables every service has (outbox, dedupe record) and the in-process bus's
//! dead letters. Each service's own migrator calls [`create_delivery_tables`]
//! in its first migration, so the tables live in the service's own database.

use sea_orm::{EntityTrait, Iterable, Schema};
use sea_orm_migration::prelude::*;

use crate::bus::memory::dead_letter;
use crate::dedupe::processed_message;
use crate::outbox::outbox_message;
use crate::report_order::report_clock;

/// Creates a table (and its indexes) from its entity, on any backend.
///
/// Tables are created from the entity as it is now, so on a fresh database
/// the first migration already makes every column; migrations that add
/// columns later therefore use [`add_missing_columns`], which adds only what
/// an older database lacks.
pub async fn create_table_for<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    manager.create_table(schema.create_table_from_entity(entity).if_not_exists().to_owned()).await?;
    create_indexes_for(manager, entity).await
}

/// Creates the indexes `entity` declares that are not there yet.
pub async fn create_indexes_for<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    for mut index in schema.create_index_from_entity(entity) {
        manager.create_index(index.if_not_exists().to_owned()).await?;
    }
    Ok(())
}

/// Adds every column of `entity` its table lacks (one statement each, as
/// SQLite requires), as the entity defines it, then its missing indexes.
pub async fn add_missing_columns<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    let table = entity.table_name().to_owned();
    for column in E::Column::iter() {
        let name = sea_orm::IdenStatic::as_str(&column).to_owned();
        if manager.has_column(&table, &name).await? {
            continue;
        }
        let mut definition = schema.get_column_def::<E>(column);
        manager.alter_table(Table::alter().table(Alias::new(&table)).add_column(&mut definition).to_owned()).await?;
    }
    create_indexes_for(manager, entity).await
}

/// The outbox and the record of handled messages.
pub async fn create_delivery_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    create_table_for(manager, outbox_message::Entity).await?;
    create_table_for(manager, processed_message::Entity).await
}

/// Every service's second delivery migration: outbox rows that are claimed
/// for a lease and parked when refused for good, the per-report clock that
/// orders facts, and the index that purges old dedupe records.
#[derive(Debug)]
pub struct DeliveryOrderingAndParking;

impl MigrationName for DeliveryOrderingAndParking {
    fn name(&self) -> &str {
        "m20261129_000001_delivery_ordering_and_parking"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DeliveryOrderingAndParking {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, outbox_message::Entity).await?;
        add_missing_columns(manager, processed_message::Entity).await?;
        create_table_for(manager, report_clock::Entity).await
    }
}

/// Every service's third delivery migration, for load: the events seen of
/// each report as rows of their own (see [`crate::report_order`]), and an
/// index of the outbox rows still to publish, so the relay's claim reads
/// those and not the hour of published rows kept beside them.
#[derive(Debug)]
pub struct DeliveryAtScale;

impl MigrationName for DeliveryAtScale {
    fn name(&self) -> &str {
        "m20261130_000001_delivery_at_scale"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DeliveryAtScale {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::report_order::create_seen_table(manager).await?;
        // Partial indexes read the same on PostgreSQL and SQLite.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS outbox_message_pending ON outbox_message (message_id) \
                 WHERE published_at IS NULL AND parked_at IS NULL",
            )
            .await?;
        Ok(())
    }
}

/// Every service's fourth delivery migration: fewer indexes for the outbox
/// to keep up. Every event's row was entered in four indexes when written
/// and three more when marked published, and index upkeep was about a
/// fifth of PostgreSQL's work under load. Pending rows are found by `outbox_message_pending`;
/// parked ones, rare, by a partial index that holds them alone; published
/// ones are purged by their id (UUIDv7: the time they were written leads
/// it), so `published_at` and `parked_at` need no index of their own.
/// On PostgreSQL the partial index is built within the start's migration,
/// holding the outbox's writers for the moments it takes to read the hour
/// of rows the outbox keeps.
#[derive(Debug)]
pub struct LighterOutbox;

impl MigrationName for LighterOutbox {
    fn name(&self) -> &str {
        "m20261201_000001_lighter_outbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LighterOutbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        // The same statements on PostgreSQL and SQLite.
        conn.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS outbox_message_parked ON outbox_message (message_id) \
             WHERE parked_at IS NOT NULL",
        )
        .await?;
        conn.execute_unprepared(r#"DROP INDEX IF EXISTS "idx-outbox_message-published_at""#).await?;
        conn.execute_unprepared(r#"DROP INDEX IF EXISTS "idx-outbox_message-parked_at""#).await?;
        Ok(())
    }
}

/// The in-process bus's own database (`aduan dev` only).
#[derive(Debug)]
pub struct BusMigrator;

#[async_trait::async_trait]
impl MigratorTrait for BusMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateDeadLetters), Box::new(DeadLetterReplays)]
    }
}

/// Dead letters an operator asked to replay.
#[derive(Debug)]
struct DeadLetterReplays;

impl MigrationName for DeadLetterReplays {
    fn name(&self) -> &str {
        "m20261129_000002_dead_letter_replays"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DeadLetterReplays {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_missing_columns(manager, dead_letter::Entity).await
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
