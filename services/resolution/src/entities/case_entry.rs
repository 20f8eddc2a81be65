//! What an institution wrote on a case: follow-ups, the resolution, a return.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_entry")]
pub struct Model {
    /// Entry id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    #[sea_orm(indexed)]
    pub case_id: Uuid,
    /// The institution that wrote it.
    pub institution_id: String,
    /// follow_up, resolution or return.
    pub kind: String,
    /// The officer's pseudonymous id.
    pub author: String,
    /// The text.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// When.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
