//! A one-time password-reset link an administrator issued.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset")]
pub struct Model {
    /// SHA-256 of the reset token (hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_digest: String,
    /// Whose password it resets.
    #[sea_orm(indexed)]
    pub user_id: String,
    /// Who issued it (a pseudonymous id).
    pub issued_by: String,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// When it stops working.
    pub expires_at: DateTimeUtc,
    /// When it was used; it works once.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
