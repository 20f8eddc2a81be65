//! What was written on a case: the institution's follow-ups, resolution or
//! return, the citizen's replies, units' answers, supporters' contributions,
//! and the verifier's reassignments and privacy raises.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_entry")]
pub struct Model {
    /// Entry id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    #[sea_orm(indexed)]
    pub case_id: Uuid,
    /// The institution that wrote it.
    pub institution_id: String,
    /// What it is: follow_up, resolution, return, citizen_reply, unit_answer, support, ...
    pub kind: String,
    /// Who wrote it: a member of staff's pseudonymous id, or who they were
    /// ("citizen", "verifier") where the writer has no account here.
    pub author: String,
    /// The role they wrote in (officer, coordinator, supervisor, verifier,
    /// citizen); absent on entries written before roles were recorded.
    pub author_role: Option<String>,
    /// The text.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// When.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An entry to write on a case.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// The case.
    pub case_id: Uuid,
    /// The institution it is written for or by.
    pub institution_id: &'a str,
    /// What it is.
    pub kind: &'a str,
    /// Who wrote it: an officer's pseudonymous id, or a role.
    pub author: &'a str,
    /// The role they wrote in.
    pub role: &'a str,
    /// The text.
    pub text: &'a str,
}

impl NewEntry<'_> {
    /// Writes it, dated now, with a fresh UUIDv7.
    pub async fn write<C: ConnectionTrait>(self, conn: &C) -> Result<Model, DbErr> {
        ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            case_id: sea_orm::Set(self.case_id),
            institution_id: sea_orm::Set(self.institution_id.to_owned()),
            kind: sea_orm::Set(self.kind.to_owned()),
            author: sea_orm::Set(self.author.to_owned()),
            author_role: sea_orm::Set(Some(self.role.to_owned())),
            text: sea_orm::Set(self.text.to_owned()),
            created_at: sea_orm::Set(chrono::Utc::now()),
        }
        .insert(conn)
        .await
    }
}
