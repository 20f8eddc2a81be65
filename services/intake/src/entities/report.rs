//! A report as intake keeps it: what the citizen filed and where it stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report")]
pub struct Model {
    /// Report id (UUIDv7), shared with every service through events.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What the citizen follows the report by.
    #[sea_orm(unique)]
    pub tracking_code: String,
    /// SHA-256 of the secret given to the citizen at filing.
    pub secret_hash: String,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// Category id from the registry.
    pub category: String,
    /// Region code from the registry.
    pub region: String,
    /// Short title.
    pub title: String,
    /// The citizen's account.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// public, anonymous or confidential.
    pub privacy: String,
    /// api, web or open311.
    pub channel: String,
    /// Status name from the procedure.
    pub status: String,
    /// When the event that set `status` happened; older events do not overwrite it.
    pub status_changed_at: DateTimeUtc,
    /// The institution holding it, once assigned.
    pub institution_id: Option<String>,
    /// That institution's name, for the citizen.
    pub institution_name: Option<String>,
    /// When it was filed.
    pub filed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
