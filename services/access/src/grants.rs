//! The staff roles of PROCEDURE.md and the scope each is granted in.

use serde::{Deserialize, Serialize};

/// A role a member of staff (or a machine) can hold (PROCEDURE.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Verifies, defers, archives, merges, assigns; nationally, or delegated
    /// to an institution's subtree.
    Verifier,
    /// An institution's admin: forwards to its units, returns, watches its clocks.
    Coordinator,
    /// An institution's or a unit's liaison: follows up, asks, resolves.
    Officer,
    /// Approves an officer's response before the citizen sees it, where the
    /// institution requires it.
    Supervisor,
    /// Reads everything but sealed identities; reviews quality.
    Auditor,
    /// Keeps the registry and the users, nationally or for a subtree.
    Administrator,
}

impl StaffRole {
    /// Every role.
    pub const ALL: [StaffRole; 6] = [
        StaffRole::Verifier,
        StaffRole::Coordinator,
        StaffRole::Officer,
        StaffRole::Supervisor,
        StaffRole::Auditor,
        StaffRole::Administrator,
    ];

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Verifier => "verifier",
            StaffRole::Coordinator => "coordinator",
            StaffRole::Officer => "officer",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Auditor => "auditor",
            StaffRole::Administrator => "administrator",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Whether the role may be held for the whole country (no institution):
    /// the national verifier, a national auditor, a national administrator.
    /// Coordinators, officers and supervisors always belong to an institution.
    pub fn may_be_national(self) -> bool {
        matches!(self, StaffRole::Verifier | StaffRole::Auditor | StaffRole::Administrator)
    }
}

/// A role held over a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The role.
    pub role: StaffRole,
    /// The institution (or unit) whose subtree the role covers; absent for
    /// the whole country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 64)]
    pub institution: Option<String>,
}

impl Grant {
    /// `role` for the whole country.
    pub fn national(role: StaffRole) -> Self {
        Self { role, institution: None }
    }

    /// `role` in `institution`'s subtree.
    pub fn in_institution(role: StaffRole, institution: impl Into<String>) -> Self {
        Self { role, institution: Some(institution.into()) }
    }

    /// Whether the grant is well formed: a role that needs an institution has one.
    pub fn is_well_formed(&self) -> bool {
        self.institution.is_some() || self.role.may_be_national()
    }

    /// Whether this grant covers `institution`: national, the institution
    /// itself, or one above it (`is_below(a, b)`: `a` is in `b`'s subtree).
    pub fn covers(&self, institution: &str, is_below: impl Fn(&str, &str) -> bool) -> bool {
        match &self.institution {
            None => true,
            Some(scope) => scope == institution || is_below(institution, scope),
        }
    }
}

/// Whether `grants` let their holder read a confidential report held by
/// `institution` (`is_below(a, b)`: `a` is in `b`'s subtree): a verifier
/// whose scope holds it, and the coordinators, officers and supervisors of
/// that institution and its units; not the level above, an auditor, an
/// administrator or a supporter (PROCEDURE.md: "Only the verifier and the
/// officers assigned to it see it"). Every service asks this one rule.
pub fn sees_confidential(grants: &[Grant], institution: &str, is_below: impl Fn(&str, &str) -> bool) -> bool {
    grants.iter().any(|grant| match (grant.role, grant.institution.as_deref()) {
        (StaffRole::Verifier, None) => true,
        (StaffRole::Verifier, Some(scope)) => scope == institution || is_below(institution, scope),
        (StaffRole::Coordinator | StaffRole::Officer | StaffRole::Supervisor, Some(scope)) => {
            scope == institution || is_below(scope, institution)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn below(a: &str, b: &str) -> bool {
        // A tiny tree: city > roads > bridges.
        matches!((a, b), ("roads", "city") | ("bridges", "city") | ("bridges", "roads"))
    }

    #[test]
    fn a_grant_covers_its_subtree_only() {
        let city = Grant::in_institution(StaffRole::Coordinator, "city");
        assert!(city.covers("city", below) && city.covers("roads", below) && city.covers("bridges", below));
        let roads = Grant::in_institution(StaffRole::Officer, "roads");
        assert!(roads.covers("bridges", below));
        assert!(!roads.covers("city", below), "a unit's grant does not reach its parent");
        assert!(!roads.covers("elsewhere", below));
        assert!(Grant::national(StaffRole::Verifier).covers("anything", below));
    }

    #[test]
    fn only_some_roles_may_be_national() {
        assert!(Grant::national(StaffRole::Auditor).is_well_formed());
        assert!(!Grant::national(StaffRole::Officer).is_well_formed());
        assert!(Grant::in_institution(StaffRole::Officer, "roads").is_well_formed());
    }

    #[test]
    fn names_round_trip() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap_or_default(), role.as_str());
        }
    }
}
