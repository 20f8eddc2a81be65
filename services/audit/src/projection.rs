//! The facts of every report, kept as the ledger grows. Appending an entry
//! does nothing more (the ledger's writer is the pipeline's hot path); the
//! facts catch up in batches behind it: [`catch_up`] takes the entries
//! appended since the last time, folds each of their reports again from all
//! its entries (see `facts`: in the order its events happened, so the bus's
//! delivery order does not matter), and moves the mark, in one transaction.
//! A background round does it every half second, and every reading of the
//! figures does it first, so what is read is the ledger as it stands. The
//! rows are derived: [`rebuild`] makes them again from the entries alone.

use std::collections::HashMap;

use aduan_platform::proto::{Envelope, Message as _};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    Iterable, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

use crate::entities::{audit_case, audit_facts_progress, audit_report, ledger_entry};
use crate::facts::{Folded, fold_report};

/// Entries read at a time while rebuilding.
const ENTRIES_AT_A_TIME: u64 = 20_000;

/// Rows written by one statement (within SQLite's and PostgreSQL's limits on parameters).
const ROWS_AT_A_TIME: usize = 500;

async fn save<C: ConnectionTrait>(conn: &C, folded: Vec<Folded>) -> Result<(), DbErr> {
    let mut reports = Vec::with_capacity(folded.len());
    let mut cases = Vec::new();
    for Folded { report, cases: its_cases } in folded {
        reports.push(report.into_active_model());
        cases.extend(its_cases.into_iter().map(IntoActiveModel::into_active_model));
    }
    for chunk in reports.chunks(ROWS_AT_A_TIME) {
        audit_report::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(audit_report::Column::ReportId)
                    .update_columns(
                        audit_report::Column::iter().filter(|c| !matches!(c, audit_report::Column::ReportId)),
                    )
                    .to_owned(),
            )
            .exec(conn)
            .await?;
    }
    let keys = [audit_case::Column::ReportId, audit_case::Column::InstitutionId];
    for chunk in cases.chunks(ROWS_AT_A_TIME) {
        audit_case::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns(keys)
                    .update_columns(
                        audit_case::Column::iter()
                            .filter(|c| !matches!(c, audit_case::Column::ReportId | audit_case::Column::InstitutionId)),
                    )
                    .to_owned(),
            )
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Entries taken at a time by [`catch_up`].
const CATCH_UP_BATCH: u64 = 5_000;

/// Reports whose entries one statement reads (one parameter each).
const REPORTS_AT_A_TIME: usize = 500;

/// The name of the lock that makes catching up take turns across replicas.
const CATCH_UP_LOCK: &str = "audit facts catch-up";

async fn folded_to<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    Ok(audit_facts_progress::Entity::find_by_id(1).one(conn).await?.map_or(0, |progress| progress.folded_to))
}

async fn set_folded_to<C: ConnectionTrait>(conn: &C, folded_to: i64) -> Result<(), DbErr> {
    let row = audit_facts_progress::ActiveModel { id: Set(1), folded_to: Set(folded_to) };
    audit_facts_progress::Entity::insert(row)
        .on_conflict(
            OnConflict::column(audit_facts_progress::Column::Id)
                .update_column(audit_facts_progress::Column::FoldedTo)
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Folds the reports of the entries appended since the last time, a batch
/// at a time, until the facts have caught up with the ledger; answers how
/// many entries it took in.
pub async fn catch_up(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let mut taken = 0;
    loop {
        let txn = aduan_platform::database::begin_write(db).await?;
        aduan_platform::database::serialize_with(&txn, CATCH_UP_LOCK).await?;
        let from = folded_to(&txn).await?;
        let new: Vec<(i64, Option<String>)> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::LeafIndex)
            .column(ledger_entry::Column::ReportId)
            .filter(ledger_entry::Column::LeafIndex.gte(from))
            .order_by_asc(ledger_entry::Column::LeafIndex)
            .limit(CATCH_UP_BATCH)
            .into_tuple()
            .all(&txn)
            .await?;
        let Some(&(last, _)) = new.last() else {
            txn.commit().await?;
            return Ok(taken);
        };
        let mut reports: Vec<String> = new.iter().filter_map(|(_, report)| report.clone()).collect();
        reports.sort_unstable();
        reports.dedup();
        let mut folded = Vec::with_capacity(reports.len());
        for chunk in reports.chunks(REPORTS_AT_A_TIME) {
            for (report, mut envelopes) in entries_of(&txn, chunk).await? {
                folded.push(fold_report(&report, &mut envelopes));
            }
        }
        save(&txn, folded).await?;
        set_folded_to(&txn, last + 1).await?;
        txn.commit().await?;
        taken += new.len() as u64;
    }
}

/// Catches the facts up every half second until `stop`.
pub async fn keep_caught_up(db: DatabaseConnection, stop: tokio_util::sync::CancellationToken) {
    let mut rounds = tokio::time::interval(std::time::Duration::from_millis(500));
    rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = rounds.tick() => {}
        }
        if let Err(error) = catch_up(&db).await {
            tracing::warn!(%error, "the figures' facts could not catch up with the ledger; trying again");
        }
    }
}

/// The entries of `reports` (distinct: a report named twice would have its
/// entries twice), by report.
async fn entries_of<C: ConnectionTrait>(conn: &C, reports: &[String]) -> Result<HashMap<String, Vec<Envelope>>, DbErr> {
    if reports.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted = ledger_entry::Entity::find();
    let rows = match conn.get_database_backend() {
        // PostgreSQL plans `report_id IN (…)` from the ledger's statistics,
        // and a ledger that has none yet (a deployment's first minute, a
        // restore, just after `pg_upgrade`) is guessed to match 0.5 % of its
        // entries per id: a batch of hundreds of reports then reads the
        // whole ledger, every half second, until autovacuum analyzes it
        // (measured: 77 ms a batch over 200,000 entries, against 8 ms by the
        // index). Looked up one report at a time in a lateral join (kept a
        // subquery by `OFFSET 0`), each id is one index probe whatever the
        // statistics say; with statistics it is as fast as the list.
        DbBackend::Postgres => {
            let sql = format!(
                "SELECT entry.* FROM (VALUES {}) AS wanted (report_id) \
                 CROSS JOIN LATERAL (SELECT * FROM ledger_entry \
                   WHERE ledger_entry.report_id = wanted.report_id OFFSET 0) AS entry",
                aduan_platform::database::one_column_rows(reports.len())
            );
            let values = reports.iter().map(|report| Value::from(report.as_str()));
            wanted.from_raw_sql(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).all(conn).await?
        }
        // SQLite looks each id of a list up in the index, statistics or not.
        _ => wanted.filter(ledger_entry::Column::ReportId.is_in(reports.iter().cloned())).all(conn).await?,
    };
    let mut by_report: HashMap<String, Vec<Envelope>> = HashMap::new();
    for row in rows {
        if let Some(report) = row.report_id.clone() {
            by_report.entry(report).or_default().push(decode(&row.body)?);
        }
    }
    Ok(by_report)
}

/// Decodes an entry's bytes back into its envelope.
pub fn decode(body: &[u8]) -> Result<Envelope, DbErr> {
    Envelope::decode(body).map_err(|error| DbErr::Custom(format!("a ledger entry does not decode: {error}")))
}

/// Makes every report's facts again from the ledger's entries, read in
/// the order of their reports (a range of the report index at a time, so
/// memory holds one batch); returns how many reports it folded. What was
/// there is replaced.
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    audit_case::Entity::delete_many().exec(conn).await?;
    audit_report::Entity::delete_many().exec(conn).await?;
    // What is appended meanwhile is caught up with afterwards.
    let size = crate::appending::size(conn).await?;
    let mut after = String::new();
    let mut folded_reports = 0u64;
    loop {
        let rows = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::ReportId.gt(after.clone()))
            .order_by_asc(ledger_entry::Column::ReportId)
            .limit(ENTRIES_AT_A_TIME)
            .all(conn)
            .await?;
        let full = rows.len() as u64 == ENTRIES_AT_A_TIME;
        let Some(last) = rows.last().and_then(|row| row.report_id.clone()) else { break };
        let mut by_report: Vec<(String, Vec<Envelope>)> = Vec::new();
        for row in rows {
            let Some(report) = row.report_id else { continue };
            // A full batch may end inside its last report: that one is read whole next time.
            if full && report == last {
                break;
            }
            match by_report.last_mut() {
                Some((current, envelopes)) if *current == report => envelopes.push(decode(&row.body)?),
                _ => by_report.push((report, vec![decode(&row.body)?])),
            }
        }
        let Some((done, _)) = by_report.last() else {
            return Err(DbErr::Custom(format!(
                "report {last} has more than {ENTRIES_AT_A_TIME} ledger entries: too many to fold"
            )));
        };
        after.clone_from(done);
        let folded: Vec<Folded> =
            by_report.into_iter().map(|(report, mut envelopes)| fold_report(&report, &mut envelopes)).collect();
        folded_reports += folded.len() as u64;
        save(conn, folded).await?;
        if !full {
            break;
        }
    }
    set_folded_to(conn, i64::try_from(size).unwrap_or(i64::MAX)).await?;
    Ok(folded_reports)
}
