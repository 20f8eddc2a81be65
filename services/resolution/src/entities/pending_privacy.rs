//! A privacy raise that came before its report's case opened (the report
//! still waited for a verifier, or the raise overtook the assignment on the
//! bus): the case opens with it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_privacy")]
pub struct Model {
    /// The report.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: Uuid,
    /// The highest privacy raised so far: anonymous or confidential.
    pub privacy: String,
    /// The verifier's reason for it.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
