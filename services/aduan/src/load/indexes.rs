//! The secondary indexes of the tables a load fills, set aside while it
//! copies and built again once after it: building an index once is many
//! times faster than keeping it row by row, which is what pg_restore does
//! too. Keys and unique constraints stay, so a load that would break one
//! still fails.

use sqlx::{AssertSqlSafe, Connection as _, PgConnection};

/// The definitions of the indexes set aside.
#[derive(Debug, Default)]
pub struct SetAside(Vec<String>);

/// Drops the indexes of `tables` that no constraint stands on, in one
/// transaction; answers how to build them again.
pub async fn set_aside(connection: &mut PgConnection, tables: &[&str]) -> anyhow::Result<SetAside> {
    let tables: Vec<String> = tables.iter().map(|table| (*table).to_owned()).collect();
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         JOIN pg_class t ON t.oid = i.indrelid \
         WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .bind(tables)
    .fetch_all(&mut *connection)
    .await?;
    let mut transaction = connection.begin().await?;
    for (name, _) in &found {
        // Names as PostgreSQL quotes them (`regclass`), not input.
        sqlx::raw_sql(AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(SetAside(found.into_iter().map(|(_, definition)| definition).collect()))
}

/// Builds again what `set_aside` dropped: every one it can, then says which it could not.
pub async fn rebuild(connection: &mut PgConnection, set_aside: &SetAside) -> anyhow::Result<()> {
    sqlx::raw_sql("SET maintenance_work_mem = '256MB'").execute(&mut *connection).await?;
    let mut failed = Vec::new();
    for definition in &set_aside.0 {
        if let Err(error) = sqlx::raw_sql(AssertSqlSafe(definition.clone())).execute(&mut *connection).await {
            failed.push(format!("{definition}: {error}"));
        }
    }
    anyhow::ensure!(failed.is_empty(), "indexes not built again, to be built by hand:\n{}", failed.join("\n"));
    Ok(())
}
