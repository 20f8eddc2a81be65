//! Web's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::create_table_for;
use sea_orm_migration::prelude::*;

use crate::entities::web_session;

/// Applies web's migrations to its own database.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateWebSessions)]
    }
}

#[derive(Debug)]
struct CreateWebSessions;

impl MigrationName for CreateWebSessions {
    fn name(&self) -> &str {
        "m20261129_600001_web_sessions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateWebSessions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table_for(manager, web_session::Entity).await
    }
}
