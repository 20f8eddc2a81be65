//! The order of a report's facts across services. Every service keeps, per
//! report, the greatest sequence it has seen (a Lamport clock): an event it
//! produces about the report gets the next one, and every event it consumes
//! raises it. A fact that follows from another therefore always carries the
//! greater sequence, whichever host's clock is ahead and whatever order the
//! bus delivers in, and consumers compare sequences, never timestamps, to
//! tell which of two facts is the later.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

/// The greatest sequence of each report this service has seen.
pub mod report_clock {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "report_clock")]
    pub struct Model {
        /// The report.
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: Uuid,
        /// The greatest sequence seen or given.
        pub sequence: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn as_stored(sequence: u64) -> i64 {
    i64::try_from(sequence).unwrap_or(i64::MAX)
}

/// The sequence for a new event about `report_id`: one more than any seen.
pub async fn next<C: ConnectionTrait>(conn: &C, report_id: Uuid) -> Result<u64, DbErr> {
    use report_clock::Column;
    let first = report_clock::ActiveModel { report_id: Set(report_id), sequence: Set(1) };
    let row = report_clock::Entity::insert(first)
        .on_conflict(
            OnConflict::column(Column::ReportId)
                .value(Column::Sequence, Expr::col((report_clock::Entity, Column::Sequence)).add(1))
                .to_owned(),
        )
        .exec_with_returning(conn)
        .await?;
    Ok(u64::try_from(row.sequence).unwrap_or_default())
}

/// Records that an event of `report_id` with `sequence` was seen.
pub async fn observe<C: ConnectionTrait>(conn: &C, report_id: Uuid, sequence: u64) -> Result<(), DbErr> {
    use report_clock::Column;
    let seen = report_clock::ActiveModel { report_id: Set(report_id), sequence: Set(as_stored(sequence)) };
    report_clock::Entity::insert(seen)
        .on_conflict(
            OnConflict::column(Column::ReportId)
                .update_column(Column::Sequence)
                .action_and_where(
                    Expr::col((Alias::new("excluded"), Column::Sequence))
                        .gt(Expr::col((report_clock::Entity, Column::Sequence))),
                )
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
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
