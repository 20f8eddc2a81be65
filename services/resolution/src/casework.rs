//! An institution's work on a case: follow-ups, questions, the resolution,
//! a return as "not our authority", and a supervisor's review of a proposed
//! resolution where the institution requires one. Each is one procedure
//! step, one entry, one event, in one transaction, checked against the
//! caller's grants once the case is locked (so a case reassigned meanwhile
//! is judged by where it is now).

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::proto::{self, Actor, envelope::Event};
use aduan_procedure::{Action, Role, Status};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QuerySelect, Set,
};
use uuid::Uuid;

use crate::authorization::{self, permit};
use crate::deadlines::ClockKeeper;
use crate::entities::{case, case_entry};
use crate::history;

/// Who acts on a case, and in which role: the caller's pseudonymous subject
/// and the role their grant allowed the step in.
#[derive(Debug, Clone)]
pub struct Acting {
    /// Pseudonymous account id.
    pub subject: String,
    /// The staff role the step is taken in.
    pub role: StaffRole,
}

impl Acting {
    /// `caller`, acting as `role`.
    pub fn new(caller: &Caller, role: StaffRole) -> Self {
        Self { subject: caller.subject.clone(), role }
    }

    /// The role the procedure knows it by.
    pub fn procedure_role(&self) -> Role {
        match self.role {
            StaffRole::Coordinator => Role::Coordinator,
            StaffRole::Supervisor => Role::Supervisor,
            StaffRole::Verifier => Role::Verifier,
            StaffRole::Auditor => Role::Auditor,
            StaffRole::Administrator => Role::Administrator,
            StaffRole::Officer => Role::Officer,
        }
    }

    /// As an event's actor.
    pub fn actor(&self) -> Actor {
        let role = match self.role {
            StaffRole::Coordinator => proto::Role::Coordinator,
            StaffRole::Supervisor => proto::Role::Supervisor,
            StaffRole::Verifier => proto::Role::Verifier,
            StaffRole::Auditor => proto::Role::Auditor,
            StaffRole::Administrator => proto::Role::Administrator,
            StaffRole::Officer => proto::Role::Officer,
        };
        Actor { role: role as i32, pseudonym: self.subject.clone() }
    }
}

/// The four things an institution writes on a case.
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
    /// The procedure's action for it.
    pub(crate) fn action(self) -> Action {
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
    /// What the permission table calls it.
    pub(crate) fn permission(self) -> authorization::Action {
        match self {
            Work::Return => authorization::Action::Return,
            Work::FollowUp | Work::Resolve | Work::AskCitizen => authorization::Action::Work,
        }
    }
}

/// A refused step as the client sees it: 403 for the role, 409 for the state.
pub fn procedure_error(error: aduan_procedure::ProcedureError) -> ApiError {
    match error {
        aduan_procedure::ProcedureError::NotPermitted { .. } => ApiError::forbidden("not_permitted", error.to_string()),
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

/// What became of a piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the citizen will see it.
    Done,
    /// A resolution that waits for a supervisor's approval.
    Proposed,
}

/// Applies `work` with `text` to the case as `caller`, or says why it cannot be done.
pub async fn do_work(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    caller: &Caller,
    work: Work,
    text: String,
) -> Result<(case::Model, Outcome), ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let role = permit(caller, work.permission(), &existing.institution_id, &clocks.registry.current())?;
    let acting = Acting::new(caller, role);
    let next = aduan_procedure::transition(current, work.action(), acting.procedure_role()).map_err(procedure_error)?;
    let needs_approval = work == Work::Resolve
        && clocks.procedures.for_institution(&existing.institution_id).supervisor_approval
        && role != StaffRole::Supervisor;
    if needs_approval {
        let proposed = propose(&txn, existing, &acting, text).await?;
        txn.commit().await?;
        return Ok((proposed, Outcome::Proposed));
    }
    let updated = apply(&txn, clocks, existing, next, &acting, work, &text).await?;
    txn.commit().await?;
    Ok((updated, Outcome::Done))
}

/// Writes the step's entry, moves the case, keeps its clocks, announces it.
async fn apply(
    txn: &DatabaseTransaction,
    clocks: &ClockKeeper,
    existing: case::Model,
    next: Status,
    acting: &Acting,
    work: Work,
    text: &str,
) -> Result<case::Model, ApiError> {
    let case_id = existing.id;
    let entry = case_entry::NewEntry {
        case_id,
        institution_id: &existing.institution_id,
        kind: work.entry_kind(),
        author: &acting.subject,
        role: acting.role.as_str(),
        text,
    }
    .write(txn)
    .await?;
    let (now, entry_id) = (entry.created_at, entry.id);
    let report_id = existing.report_id;
    let institution_id = existing.institution_id.clone();
    let mut active = existing.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now);
    active.pending_resolution = Set(None);
    let updated = active.update(txn).await?;
    clocks.after(txn, &updated, work.action()).await?;
    let (case_id, entry_id, text) = (case_id.to_string(), entry_id.to_string(), text.to_owned());
    let event = match work {
        Work::FollowUp => {
            Event::FollowUpPosted(proto::FollowUpPosted { case_id, institution_id, message: text, entry_id })
        }
        Work::Resolve => Event::Resolved(proto::Resolved { case_id, institution_id, summary: text, entry_id }),
        Work::Return => Event::Returned(proto::ReturnedNotAuthority { case_id, institution_id, reason: text }),
        Work::AskCitizen => Event::QuestionAsked(proto::QuestionAsked { case_id, institution_id, question: text }),
    };
    history::emit(txn, new_envelope(report_id, acting.actor(), event)).await?;
    Ok(updated)
}

/// Keeps an officer's resolution for a supervisor: an internal entry the
/// citizen never sees; the case and its clocks go on as they were.
async fn propose(
    txn: &DatabaseTransaction,
    existing: case::Model,
    acting: &Acting,
    text: String,
) -> Result<case::Model, ApiError> {
    if existing.pending_resolution.is_some() {
        return Err(ApiError::conflict(
            "resolution_pending",
            "a proposed resolution already waits for a supervisor; it must be approved or sent back first",
        ));
    }
    let entry = case_entry::NewEntry {
        case_id: existing.id,
        institution_id: &existing.institution_id,
        kind: "proposed_resolution",
        author: &acting.subject,
        role: acting.role.as_str(),
        text: &text,
    }
    .write(txn)
    .await?;
    let event = Event::ResolutionProposed(proto::ResolutionProposed {
        case_id: existing.id.to_string(),
        institution_id: existing.institution_id.clone(),
        entry_id: entry.id.to_string(),
    });
    let report_id = existing.report_id;
    let mut active = existing.into_active_model();
    active.pending_resolution = Set(Some(entry.id));
    active.updated_at = Set(entry.created_at);
    let proposed = active.update(txn).await?;
    history::emit(txn, new_envelope(report_id, acting.actor(), event)).await?;
    Ok(proposed)
}

/// A supervisor's review of the proposed resolution: approved, it is the
/// resolution the citizen sees, made by the supervisor; sent back, the
/// officer works on, with the supervisor's note.
pub async fn review(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    caller: &Caller,
    approve: bool,
    note: String,
) -> Result<case::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let role = permit(caller, authorization::Action::Approve, &existing.institution_id, &clocks.registry.current())?;
    let acting = Acting::new(caller, role);
    let Some(entry_id) = existing.pending_resolution else {
        return Err(ApiError::conflict("nothing_to_approve", "no resolution waits for approval on this case"));
    };
    let proposed = case_entry::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("a proposed resolution's entry is missing"))?;
    let reviewed = if approve {
        let next =
            aduan_procedure::transition(current, Action::Resolve, acting.procedure_role()).map_err(procedure_error)?;
        apply(&txn, clocks, existing, next, &acting, Work::Resolve, &proposed.text).await?
    } else {
        let text = if note.is_empty() { "Sent back for another look.".to_owned() } else { note };
        let entry = case_entry::NewEntry {
            case_id,
            institution_id: &existing.institution_id,
            kind: "resolution_sent_back",
            author: &acting.subject,
            role: acting.role.as_str(),
            text: &text,
        }
        .write(&txn)
        .await?;
        let event = Event::ResolutionRejected(proto::ResolutionRejected {
            case_id: case_id.to_string(),
            institution_id: existing.institution_id.clone(),
            entry_id: entry.id.to_string(),
        });
        let report_id = existing.report_id;
        let mut active = existing.into_active_model();
        active.pending_resolution = Set(None);
        active.updated_at = Set(entry.created_at);
        let updated = active.update(&txn).await?;
        history::emit(&txn, new_envelope(report_id, acting.actor(), event)).await?;
        updated
    };
    txn.commit().await?;
    Ok(reviewed)
}
