//! Grants as accounts takes, stores and writes them: checked against the
//! registry, kept as JSON, named `role` or `role@institution` in events and
//! in the OIDC claim mapping.

use aduan_access::{Grant, StaffRole};
use aduan_platform::http::{ApiError, quoted};
use aduan_registry::Registry;

/// The most grants one account may hold.
pub const MAX_GRANTS: usize = 50;

/// `role` or `role@institution`.
pub fn grant_label(grant: &Grant) -> String {
    match &grant.institution {
        None => grant.role.as_str().to_owned(),
        Some(institution) => format!("{}@{institution}", grant.role.as_str()),
    }
}

/// The grant a label names, if it names one.
pub fn parse_label(label: &str) -> Option<Grant> {
    let label = label.trim();
    match label.split_once('@') {
        None => Some(Grant::national(StaffRole::parse(label)?)),
        Some((role, institution)) if !institution.is_empty() => {
            Some(Grant::in_institution(StaffRole::parse(role)?, institution))
        }
        Some(_) => None,
    }
}

/// `grants` if each is well formed and names an institution of `registry`;
/// sorted, without repeats. 422 `invalid_grant` or `unknown_institution`.
pub fn check_grants(grants: Vec<Grant>, registry: &Registry) -> Result<Vec<Grant>, ApiError> {
    if grants.len() > MAX_GRANTS {
        return Err(ApiError::invalid("invalid_grant", format!("an account holds at most {MAX_GRANTS} grants")));
    }
    for grant in &grants {
        if !grant.is_well_formed() {
            return Err(ApiError::invalid(
                "invalid_grant",
                format!("a {} always belongs to an institution: name one", grant.role.as_str()),
            ));
        }
        if let Some(institution) = &grant.institution {
            check_institution(institution, registry)?;
        }
    }
    let mut grants = grants;
    grants.sort();
    grants.dedup();
    Ok(grants)
}

/// 422 `unknown_institution` unless `institution` is in the registry.
pub fn check_institution(institution: &str, registry: &Registry) -> Result<(), ApiError> {
    if registry.institution(institution).is_none() {
        return Err(ApiError::invalid(
            "unknown_institution",
            format!("{} is not an institution of the registry", quoted(institution)),
        ));
    }
    Ok(())
}

/// As stored.
pub fn to_json(grants: &[Grant]) -> String {
    serde_json::to_string(grants).unwrap_or_else(|_| "[]".into())
}

/// As stored; a row that cannot be read grants nothing.
pub fn from_json(stored: &str) -> Vec<Grant> {
    serde_json::from_str(stored).unwrap_or_else(|error| {
        tracing::error!(%error, "stored grants are unreadable; treating them as none");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for grant in [Grant::national(StaffRole::Verifier), Grant::in_institution(StaffRole::Officer, "bandung-dpu")] {
            assert_eq!(parse_label(&grant_label(&grant)), Some(grant));
        }
        assert_eq!(parse_label("king"), None);
        assert_eq!(parse_label("officer@"), None);
    }

    #[test]
    fn grants_must_be_well_formed_and_known() {
        let registry = Registry::demo();
        let code = |grants| check_grants(grants, &registry).err().map_or("ok", |error| error.code);
        assert_eq!(code(vec![Grant::national(StaffRole::Officer)]), "invalid_grant");
        assert_eq!(code(vec![Grant::in_institution(StaffRole::Officer, "atlantis")]), "unknown_institution");
        assert_eq!(code(vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")]), "ok");
        let twice = vec![Grant::national(StaffRole::Auditor), Grant::national(StaffRole::Auditor)];
        assert_eq!(check_grants(twice, &registry).map(|grants| grants.len()).ok(), Some(1));
        assert_eq!(
            from_json(&to_json(&[Grant::national(StaffRole::Auditor)])),
            vec![Grant::national(StaffRole::Auditor)]
        );
        assert!(from_json("not json").is_empty());
    }
}
