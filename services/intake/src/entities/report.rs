//! A report as intake keeps it: what the citizen filed and where it stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
    #[sea_orm(indexed)]
    pub status: String,
    /// When the event that set `status` happened (the dispute window counts from it).
    pub status_changed_at: DateTimeUtc,
    /// The sequence of the fact that set `status`: a fact with a lower one
    /// happened before it, whatever the clocks say, and does not overwrite it.
    #[sea_orm(default_value = 0)]
    pub status_sequence: i64,
    /// The earlier report this one was merged into as a duplicate: its
    /// citizen follows that report's progress through this report's code.
    pub merged_into: Option<Uuid>,
    /// The citizen's rating of the resolution, 1 to 5, when they accepted it.
    pub rating: Option<i32>,
    /// The citizen's answer to "was it fixed?": yes, no or partly.
    pub fixed: Option<String>,
    /// The institution holding it, once assigned.
    pub institution_id: Option<String>,
    /// That institution's name, for the citizen.
    pub institution_name: Option<String>,
    /// When it was filed (the public record and Open311 list by it).
    #[sea_orm(indexed)]
    pub filed_at: DateTimeUtc,
    /// Where it happened, when the citizen marked a point: latitude (WGS 84).
    pub latitude: Option<f64>,
    /// And longitude.
    pub longitude: Option<f64>,
    /// Where it happened, in the citizen's words (a street, a landmark).
    pub address: Option<String>,
    /// The language the citizen is written to in: id or en.
    #[sea_orm(default_value = "id")]
    pub language: String,
    /// Proves a "stop these messages" link is this report's; set when the
    /// citizen left an address to be told at.
    pub notify_token: Option<String>,
    /// When the citizen asked for no more messages.
    pub notifications_stopped_at: Option<DateTimeUtc>,
    /// The title as the public record shows it, where a verifier redacted it.
    pub public_title: Option<String>,
    /// The description as the public record shows it, where a verifier redacted it.
    #[sea_orm(column_type = "Text", nullable)]
    pub public_description: Option<String>,
    /// When a verifier kept it off the public record.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// The running clocks and their deadlines, as resolution last announced
    /// them (JSON: `[{"clock", "due_on"}]`).
    #[sea_orm(column_type = "Text", nullable)]
    pub deadlines: Option<String>,
    /// The sequence of the announcement that set `deadlines`: an older one arriving late changes nothing.
    #[sea_orm(default_value = 0)]
    pub deadlines_sequence: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
