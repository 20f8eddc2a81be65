//! A photo a citizen sent with a report, as stored: its metadata stripped,
//! the bytes kept in the file store under `object_key`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photo")]
pub struct Model {
    /// Photo id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report it belongs to.
    #[sea_orm(indexed)]
    pub report_id: Uuid,
    /// image/jpeg or image/png, read from the bytes themselves.
    pub content_type: String,
    /// Size of what is stored, in bytes.
    pub size_bytes: i64,
    /// SHA-256 of what is stored (hex).
    pub sha256: String,
    /// Where the bytes are in the file store.
    pub object_key: String,
    /// When it was added.
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
