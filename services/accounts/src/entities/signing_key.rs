//! The Ed25519 keys access tokens are signed with. The newest key not
//! retired signs; retired keys are published until every token they signed
//! has expired, then dropped.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_key")]
pub struct Model {
    /// The key id in tokens' headers and in the published key set.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// The 32 secret bytes.
    pub secret: Vec<u8>,
    /// When it was made.
    pub created_at: DateTimeUtc,
    /// When another key replaced it; `None` while it signs.
    pub retired_at: Option<DateTimeUtc>,
}

/// Never prints the secret.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
