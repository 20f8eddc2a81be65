//! An institution's work on a case: follow-ups, the resolution, a return as
//! "not our authority". Each is one procedure step, one entry, one event, in
//! one transaction.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::proto::{self, Actor, envelope::Event};
use aduan_procedure::{Action, Role, Status};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QuerySelect, Set,
};
use uuid::Uuid;

use crate::deadlines::ClockKeeper;
use crate::entities::{case, case_entry};

/// Who acts on a case, as the API identified them.
#[derive(Debug, Clone)]
pub struct Officer {
    /// Pseudonymous account id.
    pub id: String,
    /// officer or coordinator.
    pub role: Role,
}

impl Officer {
    /// The officer as an event's actor.
    pub fn actor(&self) -> Actor {
        let role = match self.role {
            Role::Coordinator => proto::Role::Coordinator,
            _ => proto::Role::Officer,
        };
        Actor { role: role as i32, pseudonym: self.id.clone() }
    }
}

/// The three things an institution writes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// An answer or progress note to the citizen.
    FollowUp,
    /// The resolution.
    Resolve,
    /// Not our authority: back to routing.
    Return,
    /// A question to the citizen; the clock pauses until the answer.
    AskCitizen,
}

impl Work {
    fn action(self) -> Action {
        match self {
            Work::FollowUp => Action::PostFollowUp,
            Work::Resolve => Action::Resolve,
            Work::Return => Action::ReturnNotAuthority,
            Work::AskCitizen => Action::AskCitizen,
        }
    }
    fn entry_kind(self) -> &'static str {
        match self {
            Work::FollowUp => "follow_up",
            Work::Resolve => "resolution",
            Work::Return => "return",
            Work::AskCitizen => "question",
        }
    }
}

/// A refused step as the client sees it: 403 for the role, 409 for the state.
pub fn procedure_error(error: aduan_procedure::ProcedureError) -> ApiError {
    match error {
        aduan_procedure::ProcedureError::NotPermitted { .. } => {
            ApiError::new(axum::http::StatusCode::FORBIDDEN, "not_permitted", error.to_string())
        }
        aduan_procedure::ProcedureError::IllegalTransition { .. } => {
            ApiError::conflict("illegal_transition", error.to_string())
        }
    }
}

/// The case under a row lock inside `txn`, with its status.
pub async fn lock_case(txn: &DatabaseTransaction, case_id: Uuid) -> Result<(case::Model, Status), ApiError> {
    let existing = case::Entity::find_by_id(case_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    let status = Status::parse(&existing.status).ok_or_else(|| ApiError::internal("unknown stored status"))?;
    Ok((existing, status))
}

/// Applies `work` with `text` to the case, or says why it cannot be done.
pub async fn do_work(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    officer: &Officer,
    work: Work,
    text: String,
) -> Result<case::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let next = aduan_procedure::transition(current, work.action(), officer.role).map_err(procedure_error)?;
    let entry = case_entry::NewEntry {
        case_id,
        institution_id: &existing.institution_id,
        kind: work.entry_kind(),
        author: &officer.id,
        text: &text,
    }
    .write(&txn)
    .await?;
    let (now, entry_id) = (entry.created_at, entry.id);
    let report_id = existing.report_id;
    let institution_id = existing.institution_id.clone();
    let mut active = existing.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    clocks.after(&txn, &updated, work.action()).await?;
    let (case_id, entry_id) = (case_id.to_string(), entry_id.to_string());
    let event = match work {
        Work::FollowUp => {
            Event::FollowUpPosted(proto::FollowUpPosted { case_id, institution_id, message: text, entry_id })
        }
        Work::Resolve => Event::Resolved(proto::Resolved { case_id, institution_id, summary: text, entry_id }),
        Work::Return => Event::Returned(proto::ReturnedNotAuthority { case_id, institution_id, reason: text }),
        Work::AskCitizen => Event::QuestionAsked(proto::QuestionAsked { case_id, institution_id, question: text }),
    };
    crate::history::emit(&txn, new_envelope(report_id, officer.actor(), event)).await?;
    txn.commit().await?;
    Ok(updated)
}
