//! Which institution must answer a report: the routing decision.

use crate::document::EVERYWHERE;
use crate::{Institution, Registry};

/// How the institution was found, for auditors and the routing log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// A rule for the report's own region.
    Rule,
    /// A rule for a region containing the report's region, or for the whole country.
    RegionFallback,
    /// The parent of an institution that returned the report.
    ParentInstitution,
    /// Nothing matched: the national verifier places it by hand.
    NationalVerifier,
}

impl MatchedBy {
    /// The name carried in the `assigned` event.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rule => "rule",
            Self::RegionFallback => "region_fallback",
            Self::ParentInstitution => "parent_institution",
            Self::NationalVerifier => "national_verifier",
        }
    }
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision<'a> {
    /// The institution that must answer.
    pub institution: &'a Institution,
    /// How it was found.
    pub matched_by: MatchedBy,
    /// The region of the rule that decided it (`*` for the whole country),
    /// when a rule did.
    pub rule_region: Option<&'a str>,
}

impl Registry {
    /// The regions from `code` up to its province, then `*`.
    fn rule_regions<'a>(&'a self, code: &str) -> Vec<&'a str> {
        let mut chain: Vec<&str> = self.regions_up_from(code).iter().map(|region| region.code.as_str()).collect();
        chain.push(EVERYWHERE);
        chain
    }

    fn rule_for(&self, category: &str, region: &str) -> Option<&Institution> {
        self.rules.get(&(category.to_owned(), region.to_owned())).and_then(|id| self.institution(id))
    }

    /// Routes a report of `category` in `region`, skipping the institutions in
    /// `returned_by` (those that said it is not their authority).
    pub fn route(&self, category: &str, region: &str, returned_by: &[String]) -> RouteDecision<'_> {
        let is_returned = |institution: &Institution| returned_by.contains(&institution.id);
        let mut first_match = None;
        for (depth, code) in self.rule_regions(region).into_iter().enumerate() {
            let Some(institution) = self.rule_for(category, code) else { continue };
            first_match.get_or_insert(institution);
            if !is_returned(institution) {
                let matched_by = if depth == 0 { MatchedBy::Rule } else { MatchedBy::RegionFallback };
                return RouteDecision { institution, matched_by, rule_region: Some(code) };
            }
        }
        // Every rule's institution returned it: climb the institution tree
        // from the one the rules pointed to first.
        let mut current = first_match.and_then(|institution| institution.parent.as_deref());
        while let Some(id) = current {
            let Some(institution) = self.institution(id) else { break };
            if !is_returned(institution) {
                return RouteDecision { institution, matched_by: MatchedBy::ParentInstitution, rule_region: None };
            }
            current = institution.parent.as_deref();
        }
        RouteDecision {
            institution: self.national_verifier(),
            matched_by: MatchedBy::NationalVerifier,
            rule_region: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::demo()
    }

    #[test]
    fn a_rule_for_the_region_itself_wins() {
        let registry = registry();
        let decision = registry.route("roads", "32.73", &[]);
        assert_eq!(decision.institution.id, "bandung-dpu");
        assert_eq!(decision.matched_by, MatchedBy::Rule);
    }

    #[test]
    fn falls_back_up_the_region_tree_then_to_the_nation() {
        let registry = registry();
        // No roads rule for Kota Bogor: the province's rule applies.
        let decision = registry.route("roads", "32.71", &[]);
        assert_eq!(decision.institution.id, "jabar-dbmpr");
        assert_eq!(decision.matched_by, MatchedBy::RegionFallback);
        // Health has only a national rule.
        let decision = registry.route("health", "32.73", &[]);
        assert_eq!(decision.institution.id, "kemenkes");
        assert_eq!(decision.matched_by, MatchedBy::RegionFallback);
    }

    #[test]
    fn a_returned_report_goes_to_the_next_rule_then_up_the_institutions() {
        let registry = registry();
        let returned = vec!["bandung-dpu".to_owned()];
        assert_eq!(registry.route("roads", "32.73", &returned).institution.id, "jabar-dbmpr");
        let returned = vec!["bandung-dpu".to_owned(), "jabar-dbmpr".to_owned(), "kemenpupr".to_owned()];
        let decision = registry.route("roads", "32.73", &returned);
        assert_eq!(decision.institution.id, "pemkot-bandung");
        assert_eq!(decision.matched_by, MatchedBy::ParentInstitution);
    }

    #[test]
    fn nothing_matching_goes_to_the_national_verifier() {
        let registry = registry();
        let decision = registry.route("other", "31.71", &[]);
        assert_eq!(decision.institution.id, registry.national_verifier().id);
        assert_eq!(decision.matched_by, MatchedBy::NationalVerifier);
    }
}
