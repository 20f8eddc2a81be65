//! Resolution's schema, on PostgreSQL and SQLite alike.

use aduan_platform::migrations::{
    DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, add_missing_columns, create_delivery_tables,
    create_table_for,
};
use sea_orm_migration::prelude::*;

use crate::entities::{
    case, case_branch, case_clocks, case_entry, case_note, case_supporter, escalation, pending_privacy, report_history,
    response_template,
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
            Box::new(StaffWorkspace),
            Box::new(DeliveryAtScale),
            Box::new(InboxAtScale),
            Box::new(LighterOutbox),
            Box::new(LeanerInboxCase),
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

/// What the staff workspace needs: each case's nearest deadline (and the
/// index the inbox sorts by), internal notes, and response templates.
#[derive(Debug)]
struct StaffWorkspace;

impl MigrationName for StaffWorkspace {
    fn name(&self) -> &str {
        "m20261130_000001_resolution_staff_workspace"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for StaffWorkspace {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm::{EntityTrait, sea_query::Expr};
        add_missing_columns(manager, case::Entity).await?;
        // The inbox's two orders, each a walk along an index of the
        // institution's cases, and its counts per status, read from an index alone.
        for (name, key) in [
            ("inbox_case_by_deadline", case::Column::NextDueOn),
            ("inbox_case_by_opening", case::Column::OpenedAt),
            ("inbox_case_by_status", case::Column::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(case::Entity)
                        .col(case::Column::InstitutionId)
                        .col(key)
                        .col(case::Column::Id)
                        .to_owned(),
                )
                .await?;
        }
        create_table_for(manager, case_note::Entity).await?;
        create_table_for(manager, response_template::Entity).await?;
        // The scheduler looks at every case's clocks on its next round (those
        // with nothing more to escalate too, which it would not otherwise)
        // and keeps the nearest deadline of cases opened before this column.
        case_clocks::Entity::update_many()
            .col_expr(case_clocks::Column::NextCheckAt, Expr::value(chrono::Utc::now()))
            .exec(manager.get_connection())
            .await?;
        Ok(())
    }
}

/// The statuses of open cases in the inbox (`Status::is_open`), as SQL.
pub const OPEN_STATUSES: &str = "'assigned', 'in_follow_up', 'reopened'";

/// The inbox's orders over open cases alone: an institution that has
/// closed a hundred thousand cases walks past none of them to list the few
/// thousand still open, oldest first or nearest deadline first.
#[derive(Debug)]
struct InboxAtScale;

impl MigrationName for InboxAtScale {
    fn name(&self) -> &str {
        "m20261130_600001_resolution_inbox_at_scale"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for InboxAtScale {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The open statuses as they are today, written out: a migration
        // does not change with the code after it. The inbox names them as
        // literals too, so the planner can match them to the index's.
        let open = OPEN_STATUSES;
        for (name, key) in [("inbox_case_open_by_deadline", "next_due_on"), ("inbox_case_open_by_opening", "opened_at")]
        {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX IF NOT EXISTS {name} ON inbox_case (institution_id, {key}, id) WHERE status IN ({open})"
                ))
                .await?;
        }
        Ok(())
    }
}

/// Two indexes of `inbox_case` that nothing needs: every read by
/// institution walks one of the indexes led by the institution (a page by
/// status too), and the one read of open cases across institutions (the
/// overdue count for the metrics) walks the partial index of open cases by
/// deadline. Each case written or moved to another status was entered in
/// them for nothing.
#[derive(Debug)]
struct LeanerInboxCase;

impl MigrationName for LeanerInboxCase {
    fn name(&self) -> &str {
        "m20261202_000001_resolution_leaner_inbox_case"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LeanerInboxCase {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["idx-inbox_case-institution_id", "idx-inbox_case-status"] {
            manager.drop_index(Index::drop().if_exists().name(index).table(case::Entity).to_owned()).await?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use aduan_procedure::Status;

    #[test]
    fn the_open_cases_indexes_name_the_open_statuses_of_today() {
        let open: Vec<String> = Status::ALL
            .into_iter()
            .filter(|status| status.is_open())
            .map(|status| format!("'{}'", status.as_str()))
            .collect();
        // Should this fail, the inbox lists other statuses than the indexes
        // hold: a new migration must build them again.
        assert_eq!(super::OPEN_STATUSES, open.join(", "));
    }

    async fn case_indexes(db: &sea_orm::DatabaseConnection) -> Vec<String> {
        use sea_orm::{ConnectionTrait as _, Statement};
        let sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox_case' ORDER BY name";
        let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("listed");
        rows.iter().map(|row| row.try_get::<String>("", "name").expect("a name")).collect()
    }

    #[tokio::test]
    async fn cases_of_an_earlier_release_lose_the_indexes_nothing_reads() {
        use sea_orm::{ConnectOptions, Database, sea_query::Index};
        use sea_orm_migration::{MigrationTrait as _, MigratorTrait as _, SchemaManager};

        use crate::entities::case;
        let options = ConnectOptions::new("sqlite::memory:").max_connections(1).to_owned();
        let db = Database::connect(options).await.expect("an in-memory database");
        super::Migrator::up(&db, None).await.expect("migrated");
        let fresh = case_indexes(&db).await;
        assert!(fresh.iter().all(|name| !name.starts_with("idx-inbox_case-")), "{fresh:?}");
        // As an earlier release's entity had sea-orm make them: `idx-<table>-<column>`.
        let manager = SchemaManager::new(&db);
        for column in [case::Column::InstitutionId, case::Column::Status] {
            let name = format!("idx-inbox_case-{}", sea_orm::IdenStatic::as_str(&column));
            let index = Index::create().name(name).table(case::Entity).col(column).to_owned();
            manager.create_index(index).await.expect("an earlier index");
        }
        assert_eq!(case_indexes(&db).await.len(), fresh.len() + 2);
        super::LeanerInboxCase.up(&manager).await.expect("migrated again");
        assert_eq!(case_indexes(&db).await, fresh, "the inbox's own indexes stay");
        assert!(fresh.contains(&"inbox_case_by_status".to_owned()), "{fresh:?}");
    }
}
