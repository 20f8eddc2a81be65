//! Notes staff write on a case for one another: never shown to the citizen,
//! never announced, never published.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_note")]
pub struct Model {
    /// UUIDv7: notes list in the order they were written.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    #[sea_orm(indexed)]
    pub case_id: Uuid,
    /// Who wrote it (the staff member's pseudonymous subject).
    pub author: String,
    /// The role they wrote it in.
    pub role: String,
    /// The note.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// When.
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
