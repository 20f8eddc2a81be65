//! A case forwarded down to a unit (disposisi): one branch of the case's tree,
//! with its own clock.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_branch")]
pub struct Model {
    /// Branch id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    #[sea_orm(indexed)]
    pub case_id: Uuid,
    /// The branch it hangs from, when a unit forwarded its own branch further
    /// down; `None` for a branch the institution forwarded.
    pub parent_branch_id: Option<Uuid>,
    /// The unit it was forwarded to.
    #[sea_orm(indexed)]
    pub unit_id: String,
    /// What the coordinator asked of the unit.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// open, answered, or withdrawn (the case was reassigned to another institution).
    pub status: String,
    /// When it was forwarded.
    pub forwarded_at: DateTimeUtc,
    /// The last day for the unit's answer, where the case is.
    pub due_on: Date,
    /// The moment the unit is late: the start of the day after `due_on`, where the case is.
    #[sea_orm(indexed)]
    pub late_at: DateTimeUtc,
    /// Whether the coordinator was told that the unit is late.
    pub escalated: bool,
    /// When the unit answered.
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
