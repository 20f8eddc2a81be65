//! The facts of every report, kept as the ledger grows: each appended entry
//! is folded (see `facts`) into its report's rows in the same transaction, so
//! the facts never run ahead of or behind the ledger. The rows are derived:
//! [`rebuild`] makes them again from the entries alone.

use std::collections::HashMap;

use aduan_platform::proto::{Envelope, Message as _};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{audit_case, audit_report, ledger_entry};
use crate::facts::{Folded, fold_one};

/// Entries read at a time while rebuilding, and rows written at a time.
const BATCH: u64 = 5_000;

async fn load<C: ConnectionTrait>(conn: &C, report_id: &str) -> Result<Folded, DbErr> {
    let Some(report) = audit_report::Entity::find_by_id(report_id.to_owned()).one(conn).await? else {
        return Ok(Folded::new(report_id));
    };
    let cases = audit_case::Entity::find()
        .filter(audit_case::Column::ReportId.eq(report_id))
        .order_by_asc(audit_case::Column::AssignedAt)
        .all(conn)
        .await?;
    Ok(Folded { report, cases })
}

async fn save<C: ConnectionTrait>(conn: &C, folded: Vec<Folded>) -> Result<(), DbErr> {
    let mut reports = Vec::with_capacity(folded.len());
    let mut cases = Vec::new();
    for Folded { report, cases: its_cases } in folded {
        reports.push(report.into_active_model());
        cases.extend(its_cases.into_iter().map(IntoActiveModel::into_active_model));
    }
    for chunk in reports.chunks(BATCH as usize / 10) {
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
    for chunk in cases.chunks(BATCH as usize / 10) {
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

/// Folds one appended entry's envelope (already without words) into its
/// report's facts.
pub async fn project<C: ConnectionTrait>(conn: &C, entry: &Envelope) -> Result<(), DbErr> {
    if entry.report_id.is_empty() || entry.event.is_none() {
        return Ok(());
    }
    let mut folded = load(conn, &entry.report_id).await?;
    folded.apply(entry);
    save(conn, vec![folded]).await
}

/// Decodes an entry's bytes back into its envelope.
pub fn decode(body: &[u8]) -> Result<Envelope, DbErr> {
    Envelope::decode(body).map_err(|error| DbErr::Custom(format!("a ledger entry does not decode: {error}")))
}

/// Makes every report's facts again from the ledger's entries, in index
/// order; returns how many entries it read. What was there is replaced.
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    let mut reports = HashMap::new();
    let (mut next, mut read) = (0i64, 0u64);
    loop {
        let page = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::LeafIndex.gte(next))
            .order_by_asc(ledger_entry::Column::LeafIndex)
            .limit(BATCH)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        next = last.leaf_index + 1;
        for entry in &page {
            fold_one(&mut reports, &decode(&entry.body)?);
        }
        read += page.len() as u64;
    }
    audit_case::Entity::delete_many().exec(conn).await?;
    audit_report::Entity::delete_many().exec(conn).await?;
    save(conn, reports.into_values().collect()).await?;
    Ok(read)
}
