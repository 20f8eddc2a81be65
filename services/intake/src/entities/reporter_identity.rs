//! A reporter's identity, sealed (see `sealing`): what is stored here reveals
//! nothing without the key file, and is erased after the report is done and
//! the retention has passed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reporter_identity")]
pub struct Model {
    /// The report this identity filed.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: Uuid,
    /// The key that wrapped the data key.
    pub key_id: String,
    /// The data key, wrapped.
    pub wrapped_key: Vec<u8>,
    /// The identity, encrypted by the data key.
    pub sealed: Vec<u8>,
    /// When it was sealed.
    pub sealed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
