//! A message owed to a citizen about their report (it was assigned, a
//! question came, it was resolved, it closed). It names no address: the
//! sender unseals the reporter's identity when it sends, so the addresses
//! stay sealed at rest, and erased identities get no more messages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    /// The id of the event it tells of: one message per event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    #[sea_orm(indexed)]
    pub report_id: Uuid,
    /// assigned, question, deferred, resolved or closed.
    pub kind: String,
    /// pending, sent, skipped or failed.
    #[sea_orm(indexed)]
    pub status: String,
    /// The e-mail went (or there was none to send).
    pub email_done: bool,
    /// The SMS went (or there was none to send).
    pub sms_done: bool,
    /// Tries so far.
    pub attempts: i32,
    /// When to try next.
    #[sea_orm(indexed)]
    pub next_attempt_at: DateTimeUtc,
    /// Why the last try failed (never an address).
    pub last_error: Option<String>,
    /// When it was owed.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
