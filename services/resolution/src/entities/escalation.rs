//! An escalation that reached an institution's staff: a case of theirs (or
//! of an institution below them) let a clock run out. Their list of overdue
//! cases is read from here.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation")]
pub struct Model {
    /// Row id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    #[sea_orm(indexed)]
    pub case_id: Uuid,
    /// The institution (or unit) that let the clock run out.
    pub institution_id: String,
    /// The institution whose staff are told: the holding institution (its
    /// coordinator) or the one above it.
    #[sea_orm(indexed)]
    pub told_institution_id: String,
    /// coordinator or parent_level.
    pub step: String,
    /// first_follow_up, resolution or unit_branch.
    pub clock: String,
    /// The clock's last working day.
    pub due_on: Option<Date>,
    /// When it was escalated.
    pub escalated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
