//! Audit's schema, on PostgreSQL and SQLite alike, with the database itself
//! refusing to change or remove what was appended.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, create_delivery_tables, create_table_for,
};
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

use crate::entities::{
    audit_case, audit_facts_progress, audit_report, case_review, ledger_checkpoint, ledger_entry, ledger_node,
    review_sample,
};

/// Applies audit's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        // The registry's versions too: every service opens the registry the
        // same way, though audit only appends what it is told.
        vec![
            Box::new(CreateLedger),
            Box::new(aduan_registry_store::CreateRegistryVersions),
            Box::new(DeliveryOrderingAndParking),
            Box::new(CreateFacts),
            Box::new(CreateReviews),
            Box::new(DeliveryAtScale),
            Box::new(LighterOutbox),
        ]
    }
}

#[derive(Debug)]
struct CreateLedger;

impl MigrationName for CreateLedger {
    fn name(&self) -> &str {
        "m20261129_700001_audit_ledger"
    }
}

/// The tables whose rows, once written, never change.
const APPEND_ONLY: [&str; 3] = ["ledger_entry", "ledger_node", "ledger_checkpoint"];

#[async_trait::async_trait]
impl MigrationTrait for CreateLedger {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_delivery_tables(manager).await?;
        create_table_for(manager, ledger_entry::Entity).await?;
        create_table_for(manager, ledger_node::Entity).await?;
        create_table_for(manager, ledger_checkpoint::Entity).await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION aduan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'the audit ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$",
                )
                .await?;
                for table in APPEND_ONLY {
                    db.execute_unprepared(&format!(
                        "CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION aduan_append_only()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in APPEND_ONLY {
                    for operation in ["UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {operation} ON {table} \
                             BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: {operation} on {table} refused'); END",
                            op = operation.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct CreateFacts;

impl MigrationName for CreateFacts {
    fn name(&self) -> &str {
        "m20261130_700002_audit_facts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateFacts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_for(manager, audit_report::Entity).await?;
        create_table_for(manager, audit_case::Entity).await?;
        create_table_for(manager, audit_facts_progress::Entity).await?;
        // The figures read a period's cases, an institution's cases, and a
        // period's reports.
        for (name, table, columns) in [
            ("audit_case_by_assignment", "audit_case", "assigned_at"),
            ("audit_case_by_institution", "audit_case", "institution_id, assigned_at"),
            ("audit_report_by_filing", "audit_report", "filed_at"),
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS audit_case_open ON audit_case (institution_id) \
                 WHERE returned_at IS NULL AND closed_at IS NULL",
            )
            .await?;
        // A ledger begun before the facts were kept gets them from its entries.
        let reports = crate::projection::rebuild(manager.get_connection()).await?;
        if reports > 0 {
            tracing::info!(reports, "the figures' facts made from the ledger's entries");
        }
        Ok(())
    }
}

#[derive(Debug)]
struct CreateReviews;

impl MigrationName for CreateReviews {
    fn name(&self) -> &str {
        "m20261130_700003_audit_reviews"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateReviews {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_for(manager, review_sample::Entity).await?;
        create_table_for(manager, case_review::Entity).await
    }
}
