//! An OIDC sign-in under way: what the callback needs to finish it, kept
//! server-side for ten minutes.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_flow")]
pub struct Model {
    /// SHA-256 of the `state` sent to the provider (hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_digest: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier for the code exchange.
    pub pkce_verifier: String,
    /// When the flow began.
    pub created_at: DateTimeUtc,
    /// When it can no longer be finished.
    #[sea_orm(indexed)]
    pub expires_at: DateTimeUtc,
}

/// Never prints the nonce or the verifier.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcFlow").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
