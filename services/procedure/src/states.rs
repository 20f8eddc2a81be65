//! The states of a report, the actions that move it, and who may take them:
//! PROCEDURE.md's state diagram as a table. Clocks (deadlines, pauses,
//! windows) are the calendar's business; forwarding to units is a tree beside
//! the status, so neither appears here as a state.

use serde::{Deserialize, Serialize};

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Filed, waiting to be verified and assigned.
    Submitted,
    /// The verifier asked the citizen to clarify; the clock is paused.
    Deferred,
    /// Not taken up (not a public service, too vague, spam). Final.
    Archived,
    /// A duplicate, merged into an earlier report whose followers it joins. Final.
    Merged,
    /// An institution holds it and must answer.
    Assigned,
    /// The institution said "not our authority"; routing places it again.
    Returned,
    /// The institution has answered and works on it.
    InFollowUp,
    /// The institution asked the citizen for information; the clock is paused.
    AwaitingCitizen,
    /// The institution resolved it; the citizen may accept, dispute or appeal.
    Resolved,
    /// The citizen disputed the resolution; back with the same institution.
    Reopened,
    /// The citizen appealed to the parent level, which must take it up.
    Appealed,
    /// Done: accepted, or the citizen stayed silent.
    Closed,
    /// Closed but unsatisfied: handed to the ombudsman with the whole case. Final.
    ReferredToOmbudsman,
}

impl Status {
    /// Every status, for exhaustive tests and listings.
    pub const ALL: [Status; 13] = [
        Status::Submitted,
        Status::Deferred,
        Status::Archived,
        Status::Merged,
        Status::Assigned,
        Status::Returned,
        Status::InFollowUp,
        Status::AwaitingCitizen,
        Status::Resolved,
        Status::Reopened,
        Status::Appealed,
        Status::Closed,
        Status::ReferredToOmbudsman,
    ];

    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Deferred => "deferred",
            Status::Archived => "archived",
            Status::Merged => "merged",
            Status::Assigned => "assigned",
            Status::Returned => "returned",
            Status::InFollowUp => "in_follow_up",
            Status::AwaitingCitizen => "awaiting_citizen",
            Status::Resolved => "resolved",
            Status::Reopened => "reopened",
            Status::Appealed => "appealed",
            Status::Closed => "closed",
            Status::ReferredToOmbudsman => "referred_to_ombudsman",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Whether an institution has work to do on it now (its clock may run).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Assigned | Status::InFollowUp | Status::Reopened)
    }

    /// Whether nothing can happen to it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Archived | Status::Merged | Status::ReferredToOmbudsman)
    }

    /// Whether its clock is stopped because someone waits for the citizen.
    pub fn clock_paused(self) -> bool {
        matches!(self, Status::Deferred | Status::AwaitingCitizen)
    }
}

/// Who acts (PROCEDURE.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Files, follows, replies, accepts, disputes, appeals.
    Citizen,
    /// Verifies, defers, archives, merges, assigns, reassigns.
    Verifier,
    /// An institution's admin: forwards to units, returns, follows up.
    Coordinator,
    /// A unit's liaison: follows up, asks the citizen, resolves.
    Officer,
    /// Approves an officer's resolution where the institution requires it:
    /// the resolution is then the supervisor's act.
    Supervisor,
    /// Reads and reviews; refers to the ombudsman.
    Auditor,
    /// Keeps the registry; takes no step on reports.
    Administrator,
    /// A service acting on its own: automatic routing, clocks.
    System,
}

/// What can be done to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Give it to an institution: verification, automatic routing, a re-route,
    /// the parent level taking up an appeal, or the national verifier reassigning.
    Assign,
    /// Ask the citizen to clarify before verification.
    Defer,
    /// The citizen clarifies a deferred report.
    Clarify,
    /// Do not take it up.
    Archive,
    /// Merge it into an earlier report as a duplicate.
    MergeAsDuplicate,
    /// Send it down to a unit (the status stays; the disposition tree grows).
    ForwardToUnit,
    /// Say it is not this institution's authority.
    ReturnNotAuthority,
    /// Answer the citizen.
    PostFollowUp,
    /// Ask the citizen for information.
    AskCitizen,
    /// The citizen answers a question, or replies in the exchange.
    CitizenReplies,
    /// Resolve it.
    Resolve,
    /// The citizen accepts the resolution.
    Accept,
    /// The citizen disputes the resolution.
    Dispute,
    /// The citizen appeals to the parent level.
    Appeal,
    /// The citizen stayed silent for the whole window after the resolution.
    CloseForSilence,
    /// A clock ran out: the next step of the escalation chain is told (the status stays).
    Escalate,
    /// Hand a closed, unsatisfying case to the ombudsman.
    ReferToOmbudsman,
    /// The national verifier upholds a resolution appealed against an
    /// institution with no parent; the case closes (and may go to the ombudsman).
    UpholdAppeal,
    /// The citizen did not answer the institution's question in time; the
    /// case goes on without the answer.
    ResumeWithoutAnswer,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Action; 19] = [
        Action::Assign,
        Action::Defer,
        Action::Clarify,
        Action::Archive,
        Action::MergeAsDuplicate,
        Action::ForwardToUnit,
        Action::ReturnNotAuthority,
        Action::PostFollowUp,
        Action::AskCitizen,
        Action::CitizenReplies,
        Action::Resolve,
        Action::Accept,
        Action::Dispute,
        Action::Appeal,
        Action::CloseForSilence,
        Action::Escalate,
        Action::ReferToOmbudsman,
        Action::UpholdAppeal,
        Action::ResumeWithoutAnswer,
    ];
}

/// Why a step is not allowed. Never a panic: callers turn it into a client error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    /// The action does not apply in the current status.
    #[error("cannot {action:?} a report that is {}", from.as_str())]
    IllegalTransition {
        /// The current status.
        from: Status,
        /// The attempted action.
        action: Action,
    },
    /// The role may not take the action.
    #[error("a {role:?} may not {action:?}")]
    NotPermitted {
        /// Who tried.
        role: Role,
        /// What they tried.
        action: Action,
    },
}

/// Who may take `action` (PROCEDURE.md, "Roles").
pub fn may(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        Assign => matches!(role, Role::System | Role::Verifier),
        Defer | Archive | MergeAsDuplicate => role == Role::Verifier,
        Clarify | CitizenReplies | Accept | Dispute | Appeal => role == Role::Citizen,
        ForwardToUnit | ReturnNotAuthority => role == Role::Coordinator,
        PostFollowUp => matches!(role, Role::Officer | Role::Coordinator),
        Resolve => matches!(role, Role::Officer | Role::Coordinator | Role::Supervisor),
        AskCitizen => matches!(role, Role::Officer | Role::Coordinator | Role::Verifier),
        CloseForSilence | Escalate | ResumeWithoutAnswer => role == Role::System,
        ReferToOmbudsman => matches!(role, Role::Citizen | Role::Auditor),
        UpholdAppeal => role == Role::Verifier,
    }
}

/// The status after `role` takes `action` on a report in `from`.
pub fn transition(from: Status, action: Action, role: Role) -> Result<Status, ProcedureError> {
    if !may(role, action) {
        return Err(ProcedureError::NotPermitted { role, action });
    }
    use Status::*;
    let to = match (from, action) {
        // Verification, routing, re-routing, appeals taken up, reassignment.
        (Submitted | Returned | Appealed, Action::Assign) => Assigned,
        (Assigned | InFollowUp | Reopened, Action::Assign) if role == Role::Verifier => Assigned,
        (Assigned, Action::Assign) => Assigned,
        (Submitted, Action::Defer) => Deferred,
        (Deferred, Action::Clarify) => Submitted,
        (Submitted | Deferred, Action::Archive) => Archived,
        (Submitted | Deferred, Action::MergeAsDuplicate) => Merged,
        (Assigned | InFollowUp | Reopened, Action::ForwardToUnit) => from,
        // Only before the institution has answered: after that it owns the case.
        (Assigned, Action::ReturnNotAuthority) => Returned,
        (Assigned | InFollowUp | Reopened, Action::PostFollowUp) => InFollowUp,
        (Assigned | InFollowUp | Reopened, Action::AskCitizen) => AwaitingCitizen,
        (AwaitingCitizen, Action::CitizenReplies) => InFollowUp,
        (InFollowUp, Action::CitizenReplies) => InFollowUp,
        (Assigned | InFollowUp | Reopened, Action::Resolve) => Resolved,
        (Resolved, Action::Accept) => Closed,
        (Resolved, Action::Dispute) => Reopened,
        (Resolved | Reopened, Action::Appeal) => Appealed,
        (Resolved, Action::CloseForSilence) => Closed,
        (Submitted | Assigned | InFollowUp | Reopened | Appealed, Action::Escalate) => from,
        (Closed, Action::ReferToOmbudsman) => ReferredToOmbudsman,
        (Appealed, Action::UpholdAppeal) => Closed,
        (AwaitingCitizen, Action::ResumeWithoutAnswer) => InFollowUp,
        _ => return Err(ProcedureError::IllegalTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 8] = [
        Role::Citizen,
        Role::Verifier,
        Role::Coordinator,
        Role::Officer,
        Role::Supervisor,
        Role::Auditor,
        Role::Administrator,
        Role::System,
    ];

    fn walk(steps: &[(Action, Role)]) -> Status {
        steps.iter().fold(Status::Submitted, |status, &(action, role)| {
            transition(status, action, role).unwrap_or_else(|error| panic!("{error}"))
        })
    }

    #[test]
    fn the_main_path_reaches_closed() {
        let status = walk(&[
            (Action::Assign, Role::System),
            (Action::ForwardToUnit, Role::Coordinator),
            (Action::PostFollowUp, Role::Officer),
            (Action::Resolve, Role::Officer),
            (Action::Accept, Role::Citizen),
        ]);
        assert_eq!(status, Status::Closed);
    }

    #[test]
    fn every_path_of_the_state_diagram() {
        use Action::*;
        use Role::*;
        let paths: Vec<(Vec<(Action, Role)>, Status)> = vec![
            (vec![(Defer, Verifier)], Status::Deferred),
            (vec![(Defer, Verifier), (Clarify, Citizen), (Assign, Verifier)], Status::Assigned),
            (vec![(Archive, Verifier)], Status::Archived),
            (vec![(Defer, Verifier), (Archive, Verifier)], Status::Archived),
            (vec![(MergeAsDuplicate, Verifier)], Status::Merged),
            (vec![(Assign, System), (ReturnNotAuthority, Coordinator)], Status::Returned),
            (vec![(Assign, System), (ReturnNotAuthority, Coordinator), (Assign, System)], Status::Assigned),
            (vec![(Assign, System), (AskCitizen, Officer)], Status::AwaitingCitizen),
            (vec![(Assign, System), (AskCitizen, Officer), (CitizenReplies, Citizen)], Status::InFollowUp),
            (vec![(Assign, System), (Resolve, Officer), (Dispute, Citizen)], Status::Reopened),
            (
                vec![(Assign, System), (Resolve, Officer), (Dispute, Citizen), (Resolve, Officer), (Accept, Citizen)],
                Status::Closed,
            ),
            (vec![(Assign, System), (Resolve, Officer), (Appeal, Citizen)], Status::Appealed),
            (vec![(Assign, System), (Resolve, Officer), (Appeal, Citizen), (Assign, System)], Status::Assigned),
            (vec![(Assign, System), (Resolve, Officer), (Dispute, Citizen), (Appeal, Citizen)], Status::Appealed),
            (vec![(Assign, System), (Resolve, Officer), (CloseForSilence, System)], Status::Closed),
            (vec![(Assign, System), (Escalate, System), (Assign, Verifier)], Status::Assigned),
            (vec![(Assign, System), (PostFollowUp, Officer), (Escalate, System)], Status::InFollowUp),
            (vec![(Assign, System), (PostFollowUp, Officer), (Assign, Verifier)], Status::Assigned),
            (
                vec![(Assign, System), (Resolve, Officer), (Accept, Citizen), (ReferToOmbudsman, Citizen)],
                Status::ReferredToOmbudsman,
            ),
            (
                vec![
                    (Assign, System),
                    (Resolve, Officer),
                    (Appeal, Citizen),
                    (UpholdAppeal, Verifier),
                    (ReferToOmbudsman, Citizen),
                ],
                Status::ReferredToOmbudsman,
            ),
            (vec![(Assign, System), (Resolve, Officer), (Appeal, Citizen), (Assign, Verifier)], Status::Assigned),
            (vec![(Assign, System), (AskCitizen, Officer), (ResumeWithoutAnswer, System)], Status::InFollowUp),
        ];
        for (steps, expected) in paths {
            assert_eq!(walk(&steps), expected, "{steps:?}");
        }
    }

    #[test]
    fn every_combination_answers_without_panicking_and_final_states_stay_final() {
        for from in Status::ALL {
            for action in Action::ALL {
                for role in ROLES {
                    let result = transition(from, action, role);
                    if !may(role, action) {
                        assert_eq!(result, Err(ProcedureError::NotPermitted { role, action }));
                    }
                    if from.is_final() {
                        assert!(result.is_err(), "{from:?} {action:?} {role:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn roles_are_kept_to_their_own_actions() {
        assert!(matches!(
            transition(Status::Resolved, Action::Accept, Role::Officer),
            Err(ProcedureError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(Status::Assigned, Action::Resolve, Role::Citizen),
            Err(ProcedureError::NotPermitted { .. })
        ));
        assert!(matches!(
            transition(Status::Assigned, Action::ReturnNotAuthority, Role::Officer),
            Err(ProcedureError::NotPermitted { .. })
        ));
        for action in Action::ALL {
            assert!(!may(Role::Administrator, action), "an administrator keeps the registry, not reports");
        }
        assert_eq!(
            transition(Status::Submitted, Action::Resolve, Role::Officer),
            Err(ProcedureError::IllegalTransition { from: Status::Submitted, action: Action::Resolve })
        );
        assert_eq!(
            transition(Status::InFollowUp, Action::ReturnNotAuthority, Role::Coordinator),
            Err(ProcedureError::IllegalTransition { from: Status::InFollowUp, action: Action::ReturnNotAuthority }),
            "an institution that has answered owns the case"
        );
    }

    #[test]
    fn clocks_pause_only_while_waiting_for_the_citizen() {
        let paused: Vec<Status> = Status::ALL.into_iter().filter(|status| status.clock_paused()).collect();
        assert_eq!(paused, vec![Status::Deferred, Status::AwaitingCitizen]);
    }

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("lost"), None);
    }
}
