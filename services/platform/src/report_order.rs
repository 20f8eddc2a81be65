//! The order of a report's facts across services. Every service keeps, per
//! report, a Lamport clock: an event it produces about the report gets a
//! sequence greater than any it has given or seen, and every event it
//! consumes is remembered. A fact that follows from another therefore always
//! carries the greater sequence, whichever host's clock is ahead and
//! whatever order the bus delivers in, and consumers compare sequences, never
//! timestamps, to tell which of two facts is the later.
//!
//! What was seen is written as rows of its own ([`SEEN_TABLE`]), one per
//! event and never updated, rather than by raising the clock's row: two
//! transactions handling events of the same report (a filing and its
//! assignment, in two batches at once) then never wait for each other's
//! commit, where raising one row made every batch behind queue for it.
//! The clock's row is written when the service produces an event about the
//! report, and when [`fold_seen`] folds the seen rows into it now and then.
//!
//! A consumer records the sequences of a whole batch before it applies any
//! of it, so an event it produces while applying the batch's first event is
//! numbered above the batch's later ones too: still above every fact it
//! follows from, as the order needs, while which of two unrelated facts
//! counts as the later may depend on how deliveries were batched.

use sea_orm::sea_query::{Alias, ColumnDef, Index, Query, Table};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};

use crate::database::{one_column_rows, placeholders};
use uuid::Uuid;

/// The table of sequences seen: `report_id`, `sequence`, no key.
pub const SEEN_TABLE: &str = "report_seen";

/// The greatest sequence of each report this service has given, or seen
/// and folded (what was seen since is in [`SEEN_TABLE`]).
pub mod report_clock {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "report_clock")]
    pub struct Model {
        /// The report.
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: Uuid,
        /// The greatest sequence given, or seen and folded.
        pub sequence: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn as_stored(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

/// The sequence for a new event about `report_id`: one more than any given
/// or seen. The clock's row is locked until the transaction ends, so two
/// events the service produces about one report never share a sequence.
pub async fn next<C: ConnectionTrait>(conn: &C, report_id: Uuid) -> Result<u64, DbErr> {
    let tops = next_all(conn, 1, &[report_id]).await?;
    tops.get(&report_id).copied().ok_or(DbErr::RecordNotInserted)
}

/// Sequences for `count` new events about each of `reports` (distinct), in
/// one statement: answers, per report, the greatest of them, `top`; its
/// events take `top - count + 1 ..= top`, all above any given or seen. The
/// clocks' rows are locked until the transaction ends, as by [`next`].
pub async fn next_all<C: ConnectionTrait>(
    conn: &C,
    count: u64,
    reports: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, u64>, DbErr> {
    if reports.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    debug_assert_eq!(
        reports.iter().collect::<std::collections::HashSet<_>>().len(),
        reports.len(),
        "a report named twice would be given its sequences twice"
    );
    let backend = conn.get_database_backend();
    // The greatest seen plus `count`, unless the clock is ahead of what was
    // seen: then the clock plus `count`. (`WHERE true` lets SQLite tell the
    // upsert's ON CONFLICT from a join's ON.)
    let sql = format!(
        "WITH wanted (report_id) AS (VALUES {values}) \
         INSERT INTO report_clock (report_id, sequence) \
         SELECT wanted.report_id, \
           COALESCE((SELECT MAX(seen.sequence) FROM {SEEN_TABLE} seen WHERE seen.report_id = wanted.report_id), 0) \
           + {count} \
         FROM wanted WHERE true ORDER BY wanted.report_id \
         ON CONFLICT (report_id) DO UPDATE SET sequence = CASE \
           WHEN report_clock.sequence + {count} >= excluded.sequence THEN report_clock.sequence + {count} \
           ELSE excluded.sequence END \
         RETURNING report_id, sequence",
        values = one_column_rows(reports.len()),
        count = as_stored(count),
    );
    let values: Vec<Value> = reports.iter().map(|report_id| (*report_id).into()).collect();
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, placeholders(backend, &sql), values)).await?;
    rows.iter()
        .map(|row| {
            let report_id: Uuid = row.try_get("", "report_id")?;
            let sequence: i64 = row.try_get("", "sequence")?;
            Ok((report_id, u64::try_from(sequence).unwrap_or_default()))
        })
        .collect()
}

/// Records that an event of `report_id` with `sequence` was seen.
pub async fn observe<C: ConnectionTrait>(conn: &C, report_id: Uuid, sequence: u64) -> Result<(), DbErr> {
    observe_all(conn, &[(report_id, sequence)]).await
}

/// Records that events of these reports, with these sequences, were seen:
/// one statement, whatever their number.
pub async fn observe_all<C: ConnectionTrait>(conn: &C, seen: &[(Uuid, u64)]) -> Result<(), DbErr> {
    if seen.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert.into_table(Alias::new(SEEN_TABLE)).columns([Alias::new("report_id"), Alias::new("sequence")]);
    for (report_id, sequence) in seen {
        insert.values_panic([(*report_id).into(), as_stored(*sequence).into()]);
    }
    conn.execute(&insert).await?;
    Ok(())
}

/// Folds the seen rows into the clocks, a thousand at a time, and deletes
/// them; answers how many rows went. Run now and then (with the dedupe
/// purge): a service that never produces events about a report would
/// otherwise keep a row for every event of it. A row seen while folding is
/// kept unless the clock already covers it.
pub async fn fold_seen(db: &sea_orm::DatabaseConnection) -> Result<u64, DbErr> {
    const ROWS_AT_ONCE: i64 = 1000;
    let backend = db.get_database_backend();
    let mut folded = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let txn = crate::database::begin_write(db).await?;
        // This round's reports: after the last round's, up to the report of
        // the thousandth row (or to the end). Plain ranges, so the index on
        // (report_id, sequence) serves every statement of the round.
        let lower = Value::from(after.unwrap_or(Uuid::nil()));
        let upper_row = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    &format!(
                        "SELECT report_id FROM {SEEN_TABLE} WHERE report_id > $1 ORDER BY report_id LIMIT 1 OFFSET $2"
                    ),
                ),
                [lower.clone(), ROWS_AT_ONCE.into()],
            ))
            .await?;
        let upper: Option<Uuid> = upper_row.map(|row| row.try_get("", "report_id")).transpose()?;
        let in_range = "report_id > $1 AND report_id <= $2";
        let range = [lower, Value::from(upper.unwrap_or(Uuid::max()))];
        // Clocks raised in the order of their reports, as any other fold would.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "INSERT INTO report_clock (report_id, sequence) \
                     SELECT report_id, MAX(sequence) FROM {SEEN_TABLE} WHERE {in_range} \
                     GROUP BY report_id ORDER BY report_id \
                     ON CONFLICT (report_id) DO UPDATE SET sequence = excluded.sequence \
                     WHERE excluded.sequence > report_clock.sequence"
                ),
            ),
            range.clone(),
        ))
        .await?;
        let deleted = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    &format!(
                        "DELETE FROM {SEEN_TABLE} WHERE {in_range} AND sequence <= \
                         (SELECT clock.sequence FROM report_clock clock WHERE clock.report_id = {SEEN_TABLE}.report_id)"
                    ),
                ),
                range,
            ))
            .await?;
        txn.commit().await?;
        folded += deleted.rows_affected();
        match upper {
            Some(upper) => after = Some(upper),
            None => return Ok(folded),
        }
    }
}

/// Creates the table of sequences seen and its index (a migration's step).
pub async fn create_seen_table(manager: &sea_orm_migration::SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Alias::new(SEEN_TABLE))
                .if_not_exists()
                .col(ColumnDef::new(Alias::new("report_id")).uuid().not_null())
                .col(ColumnDef::new(Alias::new("sequence")).big_integer().not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .if_not_exists()
                .name("report_seen_report_sequence")
                .table(Alias::new(SEEN_TABLE))
                .col(Alias::new("report_id"))
                .col(Alias::new("sequence"))
                .to_owned(),
        )
        .await
}

/// Whether a fact with `sequence` is later than the one with `stored`, which
/// set what is stored now; a fact from a producer that gave none (0) is never
/// later than a sequenced one.
pub fn is_later(sequence: u64, stored: i64) -> bool {
    as_stored(sequence) > stored
}

/// `sequence` as a column stores it.
pub fn stored(sequence: u64) -> i64 {
    as_stored(sequence)
}
