//! Who may do what in accounts: one table of role × action × reach that the
//! handlers consult and the tests enumerate. What a caller may touch inside
//! their reach (a user, a grant, an API token) is decided here too, against
//! the registry's tree of institutions.

use aduan_access::{Grant, StaffRole};
use aduan_platform::http::ApiError;
use aduan_registry::Registry;

/// What a caller asks accounts to do on someone else's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List users, read one.
    ReadUsers,
    /// Create users, disable or enable them, rename them, set their grants,
    /// issue their password-reset links.
    ManageUsers,
    /// Issue, list and revoke API tokens.
    ManageApiTokens,
    /// Make a new signing key current.
    RotateSigningKeys,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] =
        [Action::ReadUsers, Action::ManageUsers, Action::ManageApiTokens, Action::RotateSigningKeys];
}

/// How far a grant of the role carries the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Within the grant's scope: everywhere for a national grant, the
    /// institution's subtree otherwise.
    Scope,
    /// Only with a national grant.
    NationalOnly,
}

/// The table: a role that is not listed for an action may not do it.
pub const RULES: &[(StaffRole, Action, Reach)] = &[
    (StaffRole::Administrator, Action::ReadUsers, Reach::Scope),
    (StaffRole::Administrator, Action::ManageUsers, Reach::Scope),
    (StaffRole::Administrator, Action::ManageApiTokens, Reach::Scope),
    (StaffRole::Administrator, Action::RotateSigningKeys, Reach::NationalOnly),
];

/// Where a caller may do an action: the scopes of the grants the table lets
/// carry it (`None`: the whole country).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    scopes: Vec<Option<String>>,
}

/// Where the caller holding `grants` may do `action`, or 403 `not_permitted`.
pub fn authority(grants: &[Grant], action: Action) -> Result<Authority, ApiError> {
    let scopes: Vec<Option<String>> = grants
        .iter()
        .filter(|grant| {
            RULES.iter().any(|(role, rule_action, reach)| {
                *role == grant.role && *rule_action == action && (*reach == Reach::Scope || grant.institution.is_none())
            })
        })
        .map(|grant| grant.institution.clone())
        .collect();
    if scopes.is_empty() {
        return Err(ApiError::forbidden("not_permitted", "your grants do not allow this"));
    }
    Ok(Authority { scopes })
}

impl Authority {
    /// Whether it reaches the whole country.
    pub fn is_national(&self) -> bool {
        self.scopes.iter().any(Option::is_none)
    }

    /// Whether it reaches `institution` (`None`: national, reached only nationally).
    pub fn reaches(&self, institution: Option<&str>, registry: &Registry) -> bool {
        match institution {
            None => self.is_national(),
            Some(institution) => self.scopes.iter().any(|scope| match scope {
                None => true,
                Some(root) => root == institution || registry.is_below(institution, root),
            }),
        }
    }

    /// Whether the caller may hand out `grant`: never wider than they reach,
    /// so only a national administrator makes national grants.
    pub fn may_grant(&self, grant: &Grant, registry: &Registry) -> bool {
        self.reaches(grant.institution.as_deref(), registry)
    }

    /// Whether the caller may manage an account (a user or an API token)
    /// belonging to `institution` and holding `grants`: both inside their reach.
    pub fn may_manage(&self, institution: Option<&str>, grants: &[Grant], registry: &Registry) -> bool {
        self.reaches(institution, registry) && grants.iter().all(|grant| self.may_grant(grant, registry))
    }

    /// Every institution it reaches, for listing (`None`: everything).
    pub fn institutions(&self, registry: &Registry) -> Option<Vec<String>> {
        if self.is_national() {
            return None;
        }
        Some(
            registry
                .institutions()
                .iter()
                .map(|institution| institution.id.clone())
                .filter(|id| self.reaches(Some(id), registry))
                .collect(),
        )
    }
}

/// 403 `outside_scope`: what the caller asked about is not theirs to manage.
pub fn outside_scope(what: &str) -> ApiError {
    ApiError::forbidden("outside_scope", format!("{what} is outside the institutions you administer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::demo()
    }

    fn allowed(grants: &[Grant], action: Action) -> bool {
        authority(grants, action).is_ok()
    }

    #[test]
    fn only_the_table_allows() {
        // Every role, nationally and in an institution, against every action.
        for role in StaffRole::ALL {
            for action in Action::ALL {
                for institution in [None, Some("pemkot-bandung")] {
                    let grant = Grant { role, institution: institution.map(str::to_owned) };
                    let expected = RULES.iter().any(|(r, a, reach)| {
                        *r == role && *a == action && (*reach == Reach::Scope || institution.is_none())
                    });
                    assert_eq!(allowed(&[grant], action), expected, "{role:?} {action:?} {institution:?}");
                }
            }
        }
        assert!(!allowed(&[], Action::ReadUsers));
        // The table's rows themselves.
        let administrator = [Grant::in_institution(StaffRole::Administrator, "pemkot-bandung")];
        assert!(allowed(&administrator, Action::ManageUsers));
        assert!(!allowed(&administrator, Action::RotateSigningKeys), "rotation is national");
        assert!(allowed(&[Grant::national(StaffRole::Administrator)], Action::RotateSigningKeys));
        assert!(!allowed(&[Grant::national(StaffRole::Verifier)], Action::ManageUsers));
    }

    #[test]
    fn a_subtree_administrator_reaches_its_subtree_only() {
        let registry = registry();
        let bandung =
            authority(&[Grant::in_institution(StaffRole::Administrator, "pemkot-bandung")], Action::ManageUsers)
                .unwrap_or_else(|error| panic!("{error:?}"));
        assert!(bandung.reaches(Some("pemkot-bandung"), &registry));
        assert!(bandung.reaches(Some("bandung-dpu-roads"), &registry));
        assert!(!bandung.reaches(Some("pemprov-jabar"), &registry), "not the parent");
        assert!(!bandung.reaches(Some("pemkot-bogor"), &registry), "not a sibling");
        assert!(!bandung.reaches(None, &registry), "not the country");
        assert!(bandung.may_grant(&Grant::in_institution(StaffRole::Officer, "bandung-dpu"), &registry));
        assert!(bandung.may_grant(&Grant::in_institution(StaffRole::Administrator, "bandung-dpu"), &registry));
        assert!(!bandung.may_grant(&Grant::national(StaffRole::Administrator), &registry));
        assert!(!bandung.may_grant(&Grant::national(StaffRole::Auditor), &registry));
        assert!(!bandung.may_grant(&Grant::in_institution(StaffRole::Officer, "pemkot-bogor"), &registry));
        let inside = [Grant::in_institution(StaffRole::Officer, "bandung-dpu")];
        assert!(bandung.may_manage(Some("bandung-dpu"), &inside, &registry));
        let with_national =
            [Grant::in_institution(StaffRole::Officer, "bandung-dpu"), Grant::national(StaffRole::Auditor)];
        assert!(!bandung.may_manage(Some("bandung-dpu"), &with_national, &registry), "holds a national grant");
        assert!(!bandung.may_manage(None, &[], &registry), "national staff");
        let listed = bandung.institutions(&registry).unwrap_or_default();
        assert!(listed.contains(&"bandung-dpu-roads-maintenance".to_owned()));
        assert!(!listed.contains(&"pemkot-bogor".to_owned()));
    }

    #[test]
    fn a_national_administrator_reaches_everything() {
        let registry = registry();
        let national = authority(&[Grant::national(StaffRole::Administrator)], Action::ManageUsers)
            .unwrap_or_else(|error| panic!("{error:?}"));
        assert!(national.is_national());
        assert!(national.may_grant(&Grant::national(StaffRole::Administrator), &registry));
        assert!(national.may_manage(None, &[Grant::national(StaffRole::Verifier)], &registry));
        assert_eq!(national.institutions(&registry), None);
    }
}
