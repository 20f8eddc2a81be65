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
/// its cost and whatever the database's own settings ask, and the statement
/// timeout set beside it still holds.
#[tokio::test]
async fn a_postgres_connection_compiles_no_query_and_keeps_its_statement_timeout() {
    let test = TestDatabase::postgres().await;
    // The database asks for compiling, as a server's default may.
    test.db
        .execute_unprepared("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = on', current_database()); END $$")
        .await
        .expect("altered");
    let plain = sea_orm::Database::connect(test.url.as_str()).await.expect("connected");
    let asked = setting(&plain, "jit").await;
    plain.close().await.expect("closed");
    let service = aduan_platform::database::connect(&test.url, Default::default()).await.expect("connected");
    let jit = setting(&service, "jit").await;
    let statement_timeout = setting(&service, "statement_timeout").await;
    service.close().await.expect("closed");
    test.drop_it().await;
    assert_eq!(asked, "on", "a connection without the services' options takes the database's setting");
    assert_eq!(jit, "off");
    assert_ne!(statement_timeout, "0", "the statement timeout is set too");
}
