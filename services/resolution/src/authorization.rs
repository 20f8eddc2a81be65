//! Who may do what in resolution: one table of role × action × reach that
//! every handler consults and the tests enumerate. A grant reaches its own
//! institution's subtree (or the whole country, when it has none); the
//! target of an action is the institution it is about: the case's holding
//! institution, a unit's branch, a supporting institution, an inbox's owner.

use aduan_access::{Grant, StaffRole};
use aduan_platform::auth::Caller;
use aduan_platform::http::ApiError;
use aduan_registry::Registry;

/// What a caller asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read an institution's inbox.
    ReadInbox,
    /// Read a case held by an institution.
    ReadCase,
    /// Follow up, ask the citizen, resolve (or propose a resolution).
    Work,
    /// Return a case as not the institution's authority.
    Return,
    /// Forward a case (or a unit's branch) further down.
    Forward,
    /// Ask another institution to support a case.
    AskSupport,
    /// Answer a branch forwarded to a unit.
    AnswerBranch,
    /// Write a supporting institution's part on a case.
    Contribute,
    /// Approve or send back a proposed resolution.
    Approve,
    /// Read the cases an institution supports.
    ReadSupporting,
    /// Read an institution's overdue list.
    ReadOverdue,
    /// Read what was forwarded to a unit.
    ReadBranches,
    /// Read the resolutions waiting for approval.
    ReadApprovals,
    /// Export a case referred to the ombudsman.
    Export,
    /// Write an internal note on a case.
    WriteNote,
    /// Add and remove the institution's response templates.
    ManageTemplates,
}

/// How far a rule lets a grant reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The grant's institution and everything below it (national grants: everything).
    Subtree,
    /// Only a national grant.
    National,
}

use Action::*;
use StaffRole::{Auditor, Coordinator, Officer, Supervisor, Verifier};

/// Every permission resolution gives, in order of preference: when a caller
/// holds several roles that allow an action, the first listed is the one
/// they act in (an officer who is also a coordinator follows up as officer).
pub const RULES: &[(Action, StaffRole, Reach)] = &[
    (ReadInbox, Coordinator, Reach::Subtree),
    (ReadInbox, Officer, Reach::Subtree),
    (ReadInbox, Supervisor, Reach::Subtree),
    (ReadInbox, Auditor, Reach::Subtree),
    (ReadInbox, Verifier, Reach::Subtree),
    (ReadCase, Coordinator, Reach::Subtree),
    (ReadCase, Officer, Reach::Subtree),
    (ReadCase, Supervisor, Reach::Subtree),
    (ReadCase, Auditor, Reach::Subtree),
    (ReadCase, Verifier, Reach::Subtree),
    (Work, Officer, Reach::Subtree),
    (Work, Coordinator, Reach::Subtree),
    (Return, Coordinator, Reach::Subtree),
    (Forward, Coordinator, Reach::Subtree),
    (AskSupport, Coordinator, Reach::Subtree),
    (AnswerBranch, Officer, Reach::Subtree),
    (AnswerBranch, Coordinator, Reach::Subtree),
    (Contribute, Officer, Reach::Subtree),
    (Contribute, Coordinator, Reach::Subtree),
    (Approve, Supervisor, Reach::Subtree),
    (ReadSupporting, Coordinator, Reach::Subtree),
    (ReadSupporting, Officer, Reach::Subtree),
    (ReadSupporting, Supervisor, Reach::Subtree),
    (ReadSupporting, Auditor, Reach::Subtree),
    (ReadOverdue, Coordinator, Reach::Subtree),
    (ReadOverdue, Officer, Reach::Subtree),
    (ReadOverdue, Supervisor, Reach::Subtree),
    (ReadOverdue, Auditor, Reach::Subtree),
    (ReadBranches, Officer, Reach::Subtree),
    (ReadBranches, Coordinator, Reach::Subtree),
    (ReadBranches, Supervisor, Reach::Subtree),
    (ReadBranches, Auditor, Reach::Subtree),
    (ReadApprovals, Supervisor, Reach::Subtree),
    (Export, Coordinator, Reach::Subtree),
    (Export, Auditor, Reach::Subtree),
    (Export, Verifier, Reach::National),
    (WriteNote, Officer, Reach::Subtree),
    (WriteNote, Coordinator, Reach::Subtree),
    (WriteNote, Supervisor, Reach::Subtree),
    (ManageTemplates, Coordinator, Reach::Subtree),
    (ManageTemplates, Supervisor, Reach::Subtree),
];

fn reaches(grant: &Grant, reach: Reach, institution: &str, registry: &Registry) -> bool {
    match reach {
        Reach::National => grant.institution.is_none(),
        Reach::Subtree => grant.covers(institution, |a, b| registry.is_below(a, b)),
    }
}

/// The role `caller` may take `action` on `institution` in, or why not:
/// 403 `not_permitted` when no role of theirs allows it anywhere,
/// 403 `outside_scope` when one does, but not for that institution.
pub fn permit(caller: &Caller, action: Action, institution: &str, registry: &Registry) -> Result<StaffRole, ApiError> {
    permit_any(caller, action, &[institution], registry)
}

/// As [`permit`], for an action any of several institutions may allow (a
/// case read by its holder, a unit with a branch in it, or a supporter).
pub fn permit_any(
    caller: &Caller,
    action: Action,
    institutions: &[&str],
    registry: &Registry,
) -> Result<StaffRole, ApiError> {
    let rules = RULES.iter().filter(|(rule_action, _, _)| *rule_action == action);
    let mut any_role = false;
    for &(_, role, reach) in rules {
        for grant in caller.grants_of(role) {
            any_role = true;
            if institutions.iter().any(|institution| reaches(grant, reach, institution, registry)) {
                return Ok(role);
            }
        }
    }
    Err(if any_role {
        ApiError::forbidden("outside_scope", "this is outside the institutions your roles cover")
    } else {
        ApiError::forbidden("not_permitted", "none of your roles may do this")
    })
}

/// Whether `caller` may read a confidential case held by `institution`
/// (the one rule of `aduan_access::sees_confidential`).
pub fn sees_confidential(caller: &Caller, institution: &str, registry: &Registry) -> bool {
    aduan_access::sees_confidential(&caller.grants, institution, |id, ancestor| registry.is_below(id, ancestor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_access::SubjectKind;

    fn caller(grants: Vec<Grant>) -> Caller {
        Caller { subject: "u-test".into(), kind: SubjectKind::User, grants }
    }

    #[test]
    fn every_action_has_a_rule_and_every_role_of_a_rule_can_be_held() {
        let actions = [
            ReadInbox,
            ReadCase,
            Work,
            Return,
            Forward,
            AskSupport,
            AnswerBranch,
            Contribute,
            Approve,
            ReadSupporting,
            ReadOverdue,
            ReadBranches,
            ReadApprovals,
            Export,
            WriteNote,
            ManageTemplates,
        ];
        for action in actions {
            assert!(RULES.iter().any(|(rule, _, _)| *rule == action), "{action:?} has no rule");
        }
        for (action, role, reach) in RULES {
            if *reach == Reach::National {
                assert!(role.may_be_national(), "{action:?}: {role:?} is never held nationally");
            }
        }
    }

    #[test]
    fn a_grant_reaches_down_not_up_nor_across() {
        let registry = Registry::demo();
        let officer = caller(vec![Grant::in_institution(Officer, "bandung-dpu")]);
        assert_eq!(permit(&officer, Work, "bandung-dpu", &registry).expect("own"), Officer);
        assert!(permit(&officer, Work, "bandung-dpu-roads", &registry).is_ok(), "a unit below");
        assert_eq!(permit(&officer, Work, "pemkot-bandung", &registry).expect_err("above").code, "outside_scope");
        assert_eq!(
            permit(&officer, Return, "bandung-dpu", &registry).expect_err("a coordinator's").code,
            "not_permitted"
        );
        let verifier = caller(vec![Grant::national(Verifier)]);
        assert!(permit(&verifier, Export, "bandung-dpu", &registry).is_ok());
        let delegated = caller(vec![Grant::in_institution(Verifier, "pemkot-bandung")]);
        assert_eq!(
            permit(&delegated, Export, "bandung-dpu", &registry).expect_err("national only").code,
            "outside_scope"
        );
    }

    #[test]
    fn confidential_text_is_for_the_verifier_and_the_holding_institution_only() {
        let registry = Registry::demo();
        let sees = |grant| sees_confidential(&caller(vec![grant]), "bandung-dpu", &registry);
        assert!(sees(Grant::national(Verifier)));
        assert!(sees(Grant::in_institution(Officer, "bandung-dpu")));
        assert!(sees(Grant::in_institution(Officer, "bandung-dpu-roads")), "a unit of the institution");
        assert!(!sees(Grant::in_institution(Coordinator, "pemkot-bandung")), "not the level above");
        assert!(!sees(Grant::national(Auditor)));
        assert!(!sees(Grant::in_institution(Officer, "jabar-dbmpr")), "not a supporter");
    }
}
