//! `AccountChanged` events, written to the outbox in the transaction that
//! makes the change. They name people only by pseudonymous ids: never a
//! username, a name or an address.

use aduan_access::{Grant, StaffRole};
use aduan_platform::envelope::{new_registry_envelope, system_actor};
use aduan_platform::outbox;
use aduan_platform::proto::{AccountChanged, Actor, Role, envelope::Event};
use sea_orm::{ConnectionTrait, DbErr};

use crate::SERVICE;
use crate::grants::grant_label;

/// What changed, as the event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A user was created.
    Created,
    /// A user was disabled.
    Disabled,
    /// A user was enabled again.
    Enabled,
    /// A user's grants were set.
    GrantsChanged,
    /// A password was changed, or set with a reset link.
    PasswordChanged,
    /// An administrator issued a reset link.
    PasswordResetIssued,
    /// A second factor was confirmed.
    TotpEnrolled,
    /// A second factor was removed.
    TotpRemoved,
    /// Every session of a user was ended.
    SignedOutEverywhere,
    /// Failed sign-ins locked an account.
    Locked,
    /// An API token was issued.
    ApiTokenIssued,
    /// An API token was revoked.
    ApiTokenRevoked,
    /// A new signing key became current.
    SigningKeyRotated,
}

impl Change {
    /// Its name in the event.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Disabled => "disabled",
            Change::Enabled => "enabled",
            Change::GrantsChanged => "grants_changed",
            Change::PasswordChanged => "password_changed",
            Change::PasswordResetIssued => "password_reset_issued",
            Change::TotpEnrolled => "totp_enrolled",
            Change::TotpRemoved => "totp_removed",
            Change::SignedOutEverywhere => "signed_out_everywhere",
            Change::Locked => "locked",
            Change::ApiTokenIssued => "api_token_issued",
            Change::ApiTokenRevoked => "api_token_revoked",
            Change::SigningKeyRotated => "signing_key_rotated",
        }
    }
}

/// Accounts acting on its own (lockouts, scheduled rotation, set-up commands).
pub fn system() -> Actor {
    system_actor(SERVICE)
}

/// An administrator (or an administrator's machine) acting on someone else's account.
pub fn administrator(subject: &str) -> Actor {
    Actor { role: Role::Administrator as i32, pseudonym: subject.to_owned() }
}

/// A user acting on their own account, named by the first role they hold.
pub fn the_user(subject: &str, grants: &[Grant]) -> Actor {
    let role = grants.iter().map(|grant| grant.role).min().map_or(Role::Unspecified, |role| match role {
        StaffRole::Verifier => Role::Verifier,
        StaffRole::Coordinator => Role::Coordinator,
        StaffRole::Officer => Role::Officer,
        StaffRole::Auditor => Role::Auditor,
        StaffRole::Administrator => Role::Administrator,
        // The events have no supervisor role yet.
        StaffRole::Supervisor => Role::Unspecified,
    });
    Actor { role: role as i32, pseudonym: subject.to_owned() }
}

/// Writes that `subject` had `change`, by `actor`, to the outbox through
/// `conn` (the transaction making the change); `grants` for the changes that
/// set them.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: Actor,
    subject: &str,
    change: Change,
    grants: &[Grant],
) -> Result<(), DbErr> {
    let event = AccountChanged {
        subject: subject.to_owned(),
        change: change.as_str().to_owned(),
        grants: grants.iter().map(grant_label).collect(),
    };
    outbox::enqueue(conn, new_registry_envelope(actor, Event::AccountChanged(event))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_acts_in_their_first_role() {
        let grants = [Grant::in_institution(StaffRole::Officer, "x"), Grant::national(StaffRole::Verifier)];
        assert_eq!(the_user("u-1", &grants).role, Role::Verifier as i32);
        assert_eq!(the_user("u-1", &[]).role, Role::Unspecified as i32);
        assert_eq!(system().role, Role::System as i32);
    }
}
