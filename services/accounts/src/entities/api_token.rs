//! An API token for a machine (an integration, an Open311 partner): scoped by
//! its grants, expiring, revocable.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    /// The machine's pseudonymous id, `m-…`: the subject of its access tokens.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the token (hex); the token is shown once and never stored.
    #[sea_orm(unique)]
    pub token_digest: String,
    /// What it is for, in the issuer's words.
    pub name: String,
    /// The institution it belongs to, whose administrators manage it; `None`: national.
    #[sea_orm(indexed)]
    pub institution: Option<String>,
    /// Its grants, a JSON array of `aduan_access::Grant` (may be empty).
    #[sea_orm(column_type = "Text")]
    pub grants: String,
    /// The administrator who issued it (a pseudonymous id).
    pub issued_by: String,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// When it stops working.
    pub expires_at: DateTimeUtc,
    /// When it was revoked.
    pub revoked_at: Option<DateTimeUtc>,
    /// When it was last exchanged for an access token.
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
