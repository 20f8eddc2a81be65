//! A signed-in session: the long-lived credential a browser's web session
//! (or a CLI) keeps, exchanged for short-lived access tokens.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_session")]
pub struct Model {
    /// `s-…`, carried in access tokens as `sid`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the session token (hex); the token itself is never stored.
    #[sea_orm(unique)]
    pub token_digest: String,
    /// Whose session.
    #[sea_orm(indexed)]
    pub user_id: String,
    /// `password` or `oidc`.
    pub method: String,
    /// Opened without the second factor policy requires: its access tokens
    /// carry no grants, so the user can do nothing but enrol one.
    pub enrolment_only: bool,
    /// When it was opened.
    pub created_at: DateTimeUtc,
    /// When it was last used; it ends when unused for the idle timeout.
    pub last_used_at: DateTimeUtc,
    /// When it ends however much it is used.
    #[sea_orm(indexed)]
    pub expires_at: DateTimeUtc,
    /// When it was ended (sign-out, password change, disabling).
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
