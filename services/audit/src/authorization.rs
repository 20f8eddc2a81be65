//! Who may do what in audit: one table. Checkpoints and proofs are public
//! (hashes only, as in certificate transparency); the entries, which say what
//! happened to which report, and the country's figures are for national
//! auditors; an institution's figures also for those answering for it.

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::http::ApiError;

/// What a caller asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the ledger's entries.
    ReadEntries,
    /// Sign a checkpoint now rather than at the next tick.
    SignCheckpoint,
    /// Read the country's figures and the ranking of institutions.
    ReadFigures,
}

/// Every permission audit gives; each needs a national grant.
pub const RULES: &[(Action, StaffRole)] = &[
    (Action::ReadEntries, StaffRole::Auditor),
    (Action::SignCheckpoint, StaffRole::Auditor),
    (Action::SignCheckpoint, StaffRole::Administrator),
    (Action::ReadFigures, StaffRole::Auditor),
];

/// Who may read one institution's figures: auditors, and the coordinators
/// and supervisors answering for it, each within their grant's subtree.
pub const INSTITUTION_FIGURES: &[StaffRole] = &[StaffRole::Auditor, StaffRole::Coordinator, StaffRole::Supervisor];

/// `Ok` if a grant of `caller` covering `institution` (`is_below(a, b)`: `a`
/// is in `b`'s subtree) lets them read its figures; else 403.
pub fn permit_institution_figures(
    caller: &Caller,
    institution: &str,
    is_below: impl Fn(&str, &str) -> bool,
) -> Result<(), ApiError> {
    let mut held = false;
    for grant in caller.grants.iter().filter(|grant| INSTITUTION_FIGURES.contains(&grant.role)) {
        if grant.covers(institution, &is_below) {
            return Ok(());
        }
        held = true;
    }
    Err(if held {
        ApiError::forbidden("outside_scope", "your grants do not cover this institution")
    } else {
        ApiError::forbidden("not_permitted", "none of your roles may do this")
    })
}

/// `Ok` if a national grant of `caller` allows `action`; else 403
/// `not_permitted` (no such role) or `outside_scope` (only a subtree's).
pub fn permit(caller: &Caller, action: Action) -> Result<StaffRole, ApiError> {
    let roles = RULES.iter().filter(|(allowed, _)| *allowed == action).map(|(_, role)| *role);
    let mut held_somewhere = false;
    for role in roles {
        if caller.holds_nationally(role) {
            return Ok(role);
        }
        held_somewhere |= caller.holds(role);
    }
    Err(if held_somewhere {
        ApiError::forbidden("outside_scope", "the whole ledger is for national grants")
    } else {
        ApiError::forbidden("not_permitted", "none of your roles may do this")
    })
}
