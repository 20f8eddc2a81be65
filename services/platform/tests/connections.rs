//! What every PostgreSQL connection of a service is set up with.

mod support;

use sea_orm::{ConnectionTrait, Statement};
use support::TestDatabase;

async fn setting(db: &sea_orm::DatabaseConnection, name: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), format!("SHOW {name}")))
        .await
        .expect("asked")
        .expect("a row");
    row.try_get_by_index(0).expect("a setting")
}

/// A query is never compiled just in time, whatever the planner guesses of
/// its cost, and the statement timeout set beside it still holds.
#[tokio::test]
async fn a_postgres_connection_compiles_no_query_and_keeps_its_statement_timeout() {
    let test = TestDatabase::postgres().await;
    let jit = setting(&test.db, "jit").await;
    let statement_timeout = setting(&test.db, "statement_timeout").await;
    test.drop_it().await;
    assert_eq!(jit, "off");
    assert_ne!(statement_timeout, "0", "the statement timeout is set too");
}
