//! Everything that happened to a report, from every service's events, in the
//! report's order: what the citizen filed and wrote, routing's decisions and
//! returns, the institutions' work. The ombudsman's export is read from here.
//! It holds no identity of the reporter: none is ever on the bus.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_history")]
pub struct Model {
    /// The event's message id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    #[sea_orm(indexed)]
    pub report_id: Uuid,
    /// The event's place in the report's order.
    pub sequence: i64,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// The event's name: filed, assigned, deferred, returned, follow_up_posted, ...
    pub event: String,
    /// Who acted: citizen, verifier, coordinator, officer, system, ...
    pub actor_role: String,
    /// Their pseudonymous id (a per-report pseudonym for the citizen).
    pub actor: String,
    /// What happened, with the words written, if any.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
