//! The clocks of a case, as the procedure crate keeps them, and when the
//! scheduler must look at them again.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_clocks")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// `aduan_procedure::CaseClocks` as JSON.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The moment something may first be due: the start of that day where
    /// the case is; `None` when nothing will be.
    #[sea_orm(indexed)]
    pub next_check_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
