//! Reporters' identities as earlier releases stored them, in plaintext. At
//! start intake seals each into `reporter_identity` and deletes it here; the
//! table stays empty.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reporter")]
pub struct Model {
    /// The report this identity filed.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: Uuid,
    /// Name, if given.
    pub name: Option<String>,
    /// E-mail, if given.
    pub email: Option<String>,
    /// Phone, if given.
    pub phone: Option<String>,
}

/// Redacts every field, so a stray `{:?}` cannot leak an identity into a log.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").field("report_id", &self.report_id).finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
