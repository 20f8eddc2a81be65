//! A case: a report in an institution's inbox.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_case")]
pub struct Model {
    /// Case id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report; one case per report, which moves when the report is re-routed.
    #[sea_orm(unique)]
    pub report_id: Uuid,
    /// The institution whose inbox holds it.
    pub institution_id: String,
    /// That institution's name.
    pub institution_name: String,
    /// Status name from the procedure.
    pub status: String,
    /// The tracking code, so an officer and a citizen can speak of one report.
    pub tracking_code: String,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// The resolution tier: the one the verifier set at verification, or
    /// the one the category implied when the case opened.
    pub tier: String,
    /// public, anonymous or confidential.
    pub privacy: String,
    /// Title.
    pub title: String,
    /// The citizen's account.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The entry of a resolution an officer proposed that waits for a
    /// supervisor's approval (where the institution requires one).
    pub pending_resolution: Option<Uuid>,
    /// The citizen's rating of the answer, 1 to 5, when they accepted it.
    pub rating: Option<i32>,
    /// The citizen's "was it fixed?": yes, no or partly.
    pub fixed: Option<String>,
    /// When it entered the current institution's inbox.
    pub opened_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// The nearest deadline of its running clocks (none while every clock
    /// is paused or stopped), which the inbox sorts by.
    pub next_due_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Open cases, their statuses written as literals (the procedure's names,
/// not input): only so can PostgreSQL match them to the partial indexes of
/// open cases in every plan, a prepared statement's generic one included.
/// The indexes' own list, which a test keeps equal to `Status::is_open`.
pub fn open_cases() -> sea_orm::Condition {
    let open = crate::migration::OPEN_STATUSES;
    sea_orm::Condition::all().add(Expr::cust(format!("\"inbox_case\".\"status\" IN ({open})")))
}
