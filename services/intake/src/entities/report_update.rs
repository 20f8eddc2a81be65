//! What the citizen sees happen to their report, one row per event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_update")]
pub struct Model {
    /// The id of the event it comes from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    #[sea_orm(indexed)]
    pub report_id: Uuid,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// The sequence of the fact it comes from: the timeline's order.
    #[sea_orm(default_value = 0)]
    pub sequence: i64,
    /// filed, assigned, received, returned, follow_up, question, resolved,
    /// closed, deferred, archived, merged, privacy, escalated, ...
    pub kind: String,
    /// Who answered, when an institution did.
    pub institution_name: Option<String>,
    /// The text shown to the citizen.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// When intake stored it: from then on the citizen sees it (absent on
    /// rows stored before this was kept).
    pub recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
