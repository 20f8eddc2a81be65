//! The facts of every report, kept as the ledger grows: when an entry is
//! appended, its report is folded again (see `facts`) from all its entries,
//! in the same transaction, so the facts never run ahead of or behind the
//! ledger and never depend on the order the bus delivered the events in.
//! The rows are derived: [`rebuild`] makes them again from the entries alone.

use std::collections::HashMap;

use aduan_platform::proto::{Envelope, Message as _};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{audit_case, audit_report, ledger_entry};
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

/// Folds the report of an entry just appended again, from all its entries
/// in the ledger (a handful), in the order they happened.
pub async fn project<C: ConnectionTrait>(conn: &C, entry: &Envelope) -> Result<(), DbErr> {
    if entry.report_id.is_empty() || entry.event.is_none() {
        return Ok(());
    }
    let mut envelopes = entries_of(conn, std::slice::from_ref(&entry.report_id)).await?;
    let mut own = envelopes.remove(&entry.report_id).unwrap_or_default();
    save(conn, vec![fold_report(&entry.report_id, &mut own)]).await
}

/// The entries of `reports`, by report.
async fn entries_of<C: ConnectionTrait>(conn: &C, reports: &[String]) -> Result<HashMap<String, Vec<Envelope>>, DbErr> {
    let rows = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ReportId.is_in(reports.iter().cloned()))
        .all(conn)
        .await?;
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
    Ok(folded_reports)
}
