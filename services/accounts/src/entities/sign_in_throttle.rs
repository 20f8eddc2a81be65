//! Failed sign-ins per username, whether or not the user exists (so a
//! lockout tells nobody which usernames are real).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttle")]
pub struct Model {
    /// SHA-256 of the lowercased username (hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Failures since the last success or lockout.
    pub failures: i32,
    /// Lockouts since the last success: each doubles the next.
    pub lockouts: i32,
    /// Until when sign-in is refused.
    pub locked_until: Option<DateTimeUtc>,
    /// When it last changed.
    #[sea_orm(indexed)]
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
