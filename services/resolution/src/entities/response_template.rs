//! An institution's response templates: the answers its officers give again
//! and again, to start a resolution from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "response_template")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The institution whose officers use it.
    #[sea_orm(indexed)]
    pub institution_id: String,
    /// What it is for, as officers pick it.
    pub title: String,
    /// The answer.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
