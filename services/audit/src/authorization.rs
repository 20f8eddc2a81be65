//! Who may do what in audit: one table. Checkpoints and proofs are public
//! (hashes only, as in certificate transparency); the entries, which say what
//! happened to which report, are for national auditors.

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
}

/// Every permission audit gives; each needs a national grant.
pub const RULES: &[(Action, StaffRole)] = &[
    (Action::ReadEntries, StaffRole::Auditor),
    (Action::SignCheckpoint, StaffRole::Auditor),
    (Action::SignCheckpoint, StaffRole::Administrator),
];

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
