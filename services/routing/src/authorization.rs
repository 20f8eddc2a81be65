//! Who may do what in routing: one table of role × action × reach that every
//! handler consults and the tests enumerate. A verifier delegated to an
//! institution's subtree verifies the reports from the regions that subtree
//! serves and assigns them only inside it; a national grant reaches everything.
//! Administrators of a subtree change only its institutions and the rules
//! that send reports into it.

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::http::ApiError;
use aduan_registry::{Registry, RegistryChange};

/// What a caller asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read where a report was routed.
    ReadRoute,
    /// Read the verification queue.
    ReadQueue,
    /// Take a verifier's step on a report (assign, defer, archive, merge, raise privacy).
    Verify,
    /// Read the cases escalated to the national verifier.
    ReadEscalations,
    /// Reassign an escalated case, or decide an appeal that reached the verifier.
    Reassign,
    /// Read the registry's changes.
    ReadRegistryChanges,
    /// Change the registry.
    ChangeRegistry,
}

use Action::*;
use StaffRole::{Administrator, Auditor, Coordinator, Officer, Supervisor, Verifier};

/// Every permission routing gives; each reaches the grant's subtree (the
/// whole country for a national grant).
pub const RULES: &[(Action, StaffRole)] = &[
    (ReadRoute, Verifier),
    (ReadRoute, Auditor),
    (ReadRoute, Coordinator),
    (ReadRoute, Officer),
    (ReadRoute, Supervisor),
    (ReadQueue, Verifier),
    (Verify, Verifier),
    (ReadEscalations, Verifier),
    (Reassign, Verifier),
    (ReadRegistryChanges, Administrator),
    (ReadRegistryChanges, Auditor),
    (ChangeRegistry, Administrator),
];

/// What an action is about, to tell whether a grant reaches it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An institution: reached from it and from above it.
    Institution(&'a str),
    /// A report from a region: reached from the institutions that serve it.
    Region(&'a str),
    /// Nothing in particular: any grant of the role will do.
    Anywhere,
}

fn reaches(scope: Option<&str>, target: Target<'_>, registry: &Registry) -> bool {
    let Some(scope) = scope else { return true };
    match target {
        Target::Institution(id) => id == scope || registry.is_below(id, scope),
        Target::Region(code) => registry.serves_region(scope, code),
        Target::Anywhere => true,
    }
}

/// The role `caller` may take `action` on `target` in, or why not: 403
/// `not_permitted` when no role of theirs allows it anywhere, 403
/// `outside_scope` when one does, but not there.
pub fn permit(caller: &Caller, action: Action, target: Target<'_>, registry: &Registry) -> Result<StaffRole, ApiError> {
    let mut any_role = false;
    for &(_, role) in RULES.iter().filter(|(rule_action, _)| *rule_action == action) {
        for grant in caller.grants_of(role) {
            any_role = true;
            if reaches(grant.institution.as_deref(), target, registry) {
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

/// Whether `caller` may see a queued report from `region` (national
/// verifiers see all; delegated ones those from the regions they serve).
pub fn sees_queued(caller: &Caller, region: &str, registry: &Registry) -> bool {
    permit(caller, ReadQueue, Target::Region(region), registry).is_ok()
}

/// Whether `caller` may read the words of a confidential report held by
/// `institution` (the national verifier, or staff of it or above it).
pub fn sees_confidential(caller: &Caller, institution: &str, registry: &Registry) -> bool {
    aduan_access::sees_confidential(&caller.grants, institution, |id, ancestor| registry.is_below(id, ancestor))
}

/// Whether `caller` may make `change`: a national administrator any; one of
/// a subtree only institutions placed inside it and rules that send reports
/// into it (the regions, categories and calendar are the country's).
pub fn may_change(caller: &Caller, change: &RegistryChange, registry: &Registry) -> Result<(), ApiError> {
    permit(caller, ChangeRegistry, Target::Anywhere, registry)?;
    if caller.holds_nationally(Administrator) {
        return Ok(());
    }
    let inside = |institution: &str| {
        caller
            .grants_of(Administrator)
            .filter_map(|grant| grant.institution.as_deref())
            .any(|scope| institution == scope || registry.is_below(institution, scope))
    };
    let allowed = match change {
        RegistryChange::PutInstitution { institution } => {
            institution.parent.as_deref().is_some_and(inside)
                && registry.institution(&institution.id).is_none_or(|existing| inside(&existing.id))
        }
        RegistryChange::PutRule { rule } => inside(&rule.institution),
        RegistryChange::RemoveRule { category, region } => {
            registry.rule_institution(category, region).is_some_and(inside)
        }
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "outside_scope",
            "an administrator of a subtree changes only its institutions and the rules into it",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_access::{Grant, SubjectKind};

    fn caller(grants: Vec<Grant>) -> Caller {
        Caller { subject: "u-test".into(), kind: SubjectKind::User, grants }
    }

    #[test]
    fn a_delegated_verifier_reaches_the_regions_its_subtree_serves() {
        let registry = Registry::demo();
        let national = caller(vec![Grant::national(Verifier)]);
        let bandung = caller(vec![Grant::in_institution(Verifier, "pemkot-bandung")]);
        assert!(sees_queued(&national, "31.71", &registry));
        assert!(sees_queued(&bandung, "32.73", &registry), "Kota Bandung's own region");
        assert!(!sees_queued(&bandung, "31.71", &registry), "not Jakarta's");
        let officer = caller(vec![Grant::in_institution(Officer, "bandung-dpu")]);
        assert_eq!(permit(&officer, Verify, Target::Anywhere, &registry).expect_err("no").code, "not_permitted");
    }

    #[test]
    fn a_subtree_administrator_changes_only_its_part_of_the_tree() {
        let registry = Registry::demo();
        let admin = caller(vec![Grant::in_institution(Administrator, "pemkot-bandung")]);
        let unit = aduan_registry::Institution {
            id: "bandung-dpu-bridges".into(),
            name: "Bidang Jembatan".into(),
            level: aduan_registry::Level::Unit,
            parent: Some("bandung-dpu".into()),
            remit: vec![],
        };
        assert!(may_change(&admin, &RegistryChange::PutInstitution { institution: unit.clone() }, &registry).is_ok());
        let elsewhere = aduan_registry::Institution { parent: Some("kemendagri".into()), ..unit };
        let refused = may_change(&admin, &RegistryChange::PutInstitution { institution: elsewhere }, &registry);
        assert_eq!(refused.expect_err("outside").code, "outside_scope");
        let holidays = RegistryChange::SetWorkingDays { working_days: vec![chrono::Weekday::Mon] };
        assert_eq!(may_change(&admin, &holidays, &registry).expect_err("national").code, "outside_scope");
        let national = caller(vec![Grant::national(Administrator)]);
        assert!(may_change(&national, &holidays, &registry).is_ok());
    }
}
