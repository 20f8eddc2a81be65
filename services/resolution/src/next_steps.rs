//! What a caller may do on a case now: the permission table and the
//! procedure's transitions, asked together as the steps themselves ask them,
//! so that a page offers only what will be accepted.

use aduan_platform::auth::Caller;
use aduan_procedure::{Action as ProcedureAction, Status};
use aduan_registry::Registry;
use serde::Serialize;

use crate::authorization::{Action, permit};
use crate::casework::{Acting, Work};
use crate::entities::{case, case_branch};

/// A step a caller may take on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Write a follow-up to the citizen.
    FollowUp,
    /// Ask the citizen a question.
    AskCitizen,
    /// Resolve the case (or propose a resolution, where a supervisor approves).
    Resolve,
    /// Return it as not the institution's authority.
    Return,
    /// Forward it to a unit.
    Forward,
    /// Ask another institution to support it.
    AskSupport,
    /// Approve or send back the proposed resolution.
    ReviewResolution,
    /// Write a supporting institution's part.
    Contribute,
    /// Answer a branch forwarded to the caller's unit.
    AnswerBranch,
}

/// Who else takes part in a case.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    /// Its branches, open or answered.
    pub branches: &'a [case_branch::Model],
    /// The institutions asked to support it.
    pub supporters: &'a [String],
}

/// The steps `caller` may take on `case` now, in the order a page shows them.
pub fn next_steps(caller: &Caller, case: &case::Model, parties: Parties<'_>, registry: &Registry) -> Vec<Step> {
    let Some(status) = Status::parse(&case.status) else { return Vec::new() };
    let institution = case.institution_id.as_str();
    let mut steps = Vec::new();
    let works = [
        (Work::FollowUp, Step::FollowUp),
        (Work::AskCitizen, Step::AskCitizen),
        (Work::Resolve, Step::Resolve),
        (Work::Return, Step::Return),
    ];
    for (work, step) in works {
        let Ok(role) = permit(caller, work.permission(), institution, registry) else { continue };
        let role = Acting::new(caller, role).procedure_role();
        let pending = work == Work::Resolve && case.pending_resolution.is_some();
        if !pending && aduan_procedure::transition(status, work.action(), role).is_ok() {
            steps.push(step);
        }
    }
    if let Ok(role) = permit(caller, Action::Forward, institution, registry) {
        let role = Acting::new(caller, role).procedure_role();
        if aduan_procedure::transition(status, ProcedureAction::ForwardToUnit, role).is_ok() {
            steps.push(Step::Forward);
        }
    }
    if status.is_open() && permit(caller, Action::AskSupport, institution, registry).is_ok() {
        steps.push(Step::AskSupport);
    }
    if case.pending_resolution.is_some() && permit(caller, Action::Approve, institution, registry).is_ok() {
        steps.push(Step::ReviewResolution);
    }
    let supports =
        parties.supporters.iter().any(|supporter| permit(caller, Action::Contribute, supporter, registry).is_ok());
    if status.is_open() && supports {
        steps.push(Step::Contribute);
    }
    let answers = parties
        .branches
        .iter()
        .filter(|branch| branch.status == "open")
        .any(|branch| permit(caller, Action::AnswerBranch, &branch.unit_id, registry).is_ok());
    if answers {
        steps.push(Step::AnswerBranch);
    }
    steps
}
