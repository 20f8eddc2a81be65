//! An institution asked to support a case whose lead is another institution
//! (PROCEDURE.md: one lead institution and supporting ones).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_supporter")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// The supporting institution.
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub institution_id: String,
    /// The lead's coordinator who asked (pseudonymous id).
    pub asked_by: String,
    /// When.
    pub asked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
