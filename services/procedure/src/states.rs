//! The states of a report, the actions that move it, and who may take them.
//!
//! This is the procedure's main path (submitted → assigned → in follow-up →
//! resolved → closed, with returns for re-routing). The full state diagram of
//! PROCEDURE.md extends these enums.

use serde::{Deserialize, Serialize};

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Filed, waiting to be verified and assigned.
    Submitted,
    /// An institution holds it and must answer.
    Assigned,
    /// The institution has answered at least once and works on it.
    InFollowUp,
    /// The institution said "not our authority"; it is being re-routed.
    Returned,
    /// The institution resolved it; the citizen may accept.
    Resolved,
    /// Done.
    Closed,
}

impl Status {
    /// Every status, for exhaustive tests and listings.
    pub const ALL: [Status; 6] =
        [Status::Submitted, Status::Assigned, Status::InFollowUp, Status::Returned, Status::Resolved, Status::Closed];

    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Assigned => "assigned",
            Status::InFollowUp => "in_follow_up",
            Status::Returned => "returned",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Whether an institution still has work to do on it.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Assigned | Status::InFollowUp)
    }
}

/// Who acts (PROCEDURE.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Files, follows, replies, accepts.
    Citizen,
    /// Verifies and assigns.
    Verifier,
    /// An institution's admin: forwards, returns.
    Coordinator,
    /// A unit's liaison: follows up, resolves.
    Officer,
    /// Reads and reviews.
    Auditor,
    /// Keeps the registry.
    Administrator,
    /// A service acting on its own: automatic routing, clocks.
    System,
}

/// What can be done to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Give it to an institution (automatic routing, a verifier, or a re-route).
    Assign,
    /// An institution answers the citizen.
    PostFollowUp,
    /// An institution resolves it.
    Resolve,
    /// An institution says it is not its authority.
    ReturnNotAuthority,
    /// The citizen accepts the resolution.
    Accept,
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

/// Who may take `action`.
pub fn may(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        Assign => matches!(role, Role::System | Role::Verifier),
        PostFollowUp | Resolve => matches!(role, Role::Officer | Role::Coordinator),
        ReturnNotAuthority => matches!(role, Role::Coordinator | Role::Officer),
        Accept => role == Role::Citizen,
    }
}

/// The status after `role` takes `action` on a report in `from`.
pub fn transition(from: Status, action: Action, role: Role) -> Result<Status, ProcedureError> {
    if !may(role, action) {
        return Err(ProcedureError::NotPermitted { role, action });
    }
    use Status::*;
    let to = match (from, action) {
        // Re-assigning an assigned report is how a verifier corrects a route.
        (Submitted | Returned | Assigned, Action::Assign) => Assigned,
        (Assigned | InFollowUp, Action::PostFollowUp) => InFollowUp,
        (Assigned | InFollowUp, Action::Resolve) => Resolved,
        (Assigned | InFollowUp, Action::ReturnNotAuthority) => Returned,
        (Resolved, Action::Accept) => Closed,
        _ => return Err(ProcedureError::IllegalTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [Action; 5] =
        [Action::Assign, Action::PostFollowUp, Action::Resolve, Action::ReturnNotAuthority, Action::Accept];
    const ROLES: [Role; 7] = [
        Role::Citizen,
        Role::Verifier,
        Role::Coordinator,
        Role::Officer,
        Role::Auditor,
        Role::Administrator,
        Role::System,
    ];

    #[test]
    fn the_main_path_reaches_closed() {
        let mut status = Status::Submitted;
        for (action, role) in [
            (Action::Assign, Role::System),
            (Action::PostFollowUp, Role::Officer),
            (Action::Resolve, Role::Officer),
            (Action::Accept, Role::Citizen),
        ] {
            status = transition(status, action, role).expect("allowed");
        }
        assert_eq!(status, Status::Closed);
    }

    #[test]
    fn a_return_goes_back_to_routing() {
        let status = transition(Status::Assigned, Action::ReturnNotAuthority, Role::Coordinator).expect("allowed");
        assert_eq!(status, Status::Returned);
        assert_eq!(transition(status, Action::Assign, Role::System), Ok(Status::Assigned));
    }

    #[test]
    fn every_combination_answers_without_panicking_and_closed_is_final() {
        for from in Status::ALL {
            for action in ACTIONS {
                for role in ROLES {
                    let result = transition(from, action, role);
                    if !may(role, action) {
                        assert_eq!(result, Err(ProcedureError::NotPermitted { role, action }));
                    }
                    if from == Status::Closed {
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
        assert_eq!(
            transition(Status::Submitted, Action::Resolve, Role::Officer),
            Err(ProcedureError::IllegalTransition { from: Status::Submitted, action: Action::Resolve })
        );
    }

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("lost"), None);
    }
}
