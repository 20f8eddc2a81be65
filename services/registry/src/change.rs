//! Changes to the registry after its first start: what an administrator may
//! do, and the new document each change gives. A change either yields a
//! registry that passes every check a file must pass, or an error that says
//! which part of the change is wrong; it never leaves a half-changed registry.
//!
//! Nothing is ever deleted but rules and holidays: open cases name their
//! institution, region and category, so those are renamed or moved, not removed.

use serde::{Deserialize, Serialize};

use crate::document::quote;
use crate::document::{
    CalendarSpec, Category, EVERYWHERE, Holiday, Institution, Region, RegistryDocument, Rule, UtcOffset,
};
use crate::{Registry, RegistryError};

/// What names a change in error messages, where a file's name would be.
const SOURCE: &str = "change";

/// One change an administrator makes to the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegistryChange {
    /// Adds an institution, or replaces the one with its id (a new name, a
    /// new place in the tree).
    PutInstitution {
        /// The institution as it is to be.
        institution: Institution,
    },
    /// Adds a region, or replaces the one with its code.
    PutRegion {
        /// The region as it is to be.
        region: Region,
    },
    /// Adds a category, or replaces the one with its id (a new name or tier).
    PutCategory {
        /// The category as it is to be.
        category: Category,
    },
    /// Sends a category in a region (or `*`) to an institution, replacing
    /// the rule for that pair if there is one.
    PutRule {
        /// The rule.
        rule: Rule,
    },
    /// Removes the rule for a category in a region.
    RemoveRule {
        /// A category id.
        #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
        category: String,
        /// A region code, or `*`.
        #[schema(pattern = "^([a-z0-9][a-z0-9._-]{0,63}|\\*)$", max_length = 64)]
        region: String,
    },
    /// Adds a holiday, national or regional, or renames the one on its day
    /// and in its region.
    PutHoliday {
        /// The holiday.
        holiday: Holiday,
    },
    /// Removes the holiday on a day (national when `region` is absent).
    RemoveHoliday {
        /// The day.
        date: chrono::NaiveDate,
        /// The region of a regional holiday.
        #[serde(default)]
        #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
        region: Option<String>,
    },
    /// Sets the working weekdays of the whole country.
    SetWorkingDays {
        /// E.g. `["mon", "tue", "wed", "thu", "fri"]`.
        #[schema(value_type = Vec<String>)]
        working_days: Vec<chrono::Weekday>,
    },
    /// Sets the country's offset from UTC (regions with their own keep theirs).
    SetUtcOffset {
        /// E.g. `"+07:00"`.
        #[schema(value_type = String, pattern = "^[+-][0-9]{2}:[0-9]{2}$")]
        utc_offset: UtcOffset,
    },
}

impl RegistryChange {
    /// Its kind, as in its JSON (`put_rule`, ...), for logs and listings.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PutInstitution { .. } => "put_institution",
            Self::PutRegion { .. } => "put_region",
            Self::PutCategory { .. } => "put_category",
            Self::PutRule { .. } => "put_rule",
            Self::RemoveRule { .. } => "remove_rule",
            Self::PutHoliday { .. } => "put_holiday",
            Self::RemoveHoliday { .. } => "remove_holiday",
            Self::SetWorkingDays { .. } => "set_working_days",
            Self::SetUtcOffset { .. } => "set_utc_offset",
        }
    }

    /// Whether it may move a working-day deadline: it changes a calendar, or
    /// which regions inherit a region's holidays.
    pub fn may_move_deadlines(&self) -> bool {
        matches!(
            self,
            Self::PutHoliday { .. }
                | Self::RemoveHoliday { .. }
                | Self::SetWorkingDays { .. }
                | Self::SetUtcOffset { .. }
                | Self::PutRegion { .. }
        )
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> RegistryError {
    RegistryError::Invalid { file: SOURCE.to_owned(), key: key.to_owned(), reason: reason.into() }
}

/// Replaces the element `same` picks, or appends `value`.
fn put<T>(items: &mut Vec<T>, value: T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|item| same(item)) {
        Some(slot) => *slot = value,
        None => items.push(value),
    }
}

impl Registry {
    /// The registry with `change` made, checked as a whole.
    pub fn with_change(&self, change: &RegistryChange) -> Result<Registry, RegistryError> {
        Ok(Registry::index(self.document().with_change(change)?))
    }
}

impl RegistryDocument {
    /// The document with `change` made, checked as a whole.
    fn with_change(&self, change: &RegistryChange) -> Result<RegistryDocument, RegistryError> {
        let mut next = self.clone();
        match change {
            RegistryChange::PutInstitution { institution } => {
                if let Some(parent) = &institution.parent
                    && !self.institution.iter().any(|i| &i.id == parent)
                {
                    return Err(invalid("institution.parent", format!("{} is not an institution", quote(parent))));
                }
                put(&mut next.institution, institution.clone(), |i| i.id == institution.id);
            }
            RegistryChange::PutRegion { region } => {
                if let Some(parent) = &region.parent
                    && !self.region.iter().any(|r| &r.code == parent)
                {
                    return Err(invalid("region.parent", format!("{} is not a region code", quote(parent))));
                }
                put(&mut next.region, region.clone(), |r| r.code == region.code);
            }
            RegistryChange::PutCategory { category } => {
                put(&mut next.category, category.clone(), |c| c.id == category.id);
            }
            RegistryChange::PutRule { rule } => {
                if !self.category.iter().any(|c| c.id == rule.category) {
                    return Err(invalid("rule.category", format!("{} is not a category", quote(&rule.category))));
                }
                if rule.region != EVERYWHERE && !self.region.iter().any(|r| r.code == rule.region) {
                    return Err(invalid(
                        "rule.region",
                        format!("{} is not a region code or \"*\"", quote(&rule.region)),
                    ));
                }
                if !self.institution.iter().any(|i| i.id == rule.institution) {
                    return Err(invalid(
                        "rule.institution",
                        format!("{} is not an institution", quote(&rule.institution)),
                    ));
                }
                put(&mut next.rule, rule.clone(), |r| r.category == rule.category && r.region == rule.region);
            }
            RegistryChange::RemoveRule { category, region } => {
                let before = next.rule.len();
                next.rule.retain(|rule| !(&rule.category == category && &rule.region == region));
                if next.rule.len() == before {
                    return Err(RegistryError::NotFound(format!(
                        "no rule for {} in {}",
                        quote(category),
                        quote(region)
                    )));
                }
            }
            RegistryChange::PutHoliday { holiday } => {
                if let Some(region) = &holiday.region
                    && !self.region.iter().any(|r| &r.code == region)
                {
                    return Err(invalid("holiday.region", format!("{} is not a region code", quote(region))));
                }
                let calendar = next.calendar.get_or_insert_with(CalendarSpec::monday_to_friday);
                put(&mut calendar.holiday, holiday.clone(), |h| h.date == holiday.date && h.region == holiday.region);
            }
            RegistryChange::RemoveHoliday { date, region } => {
                let calendar = next.calendar.get_or_insert_with(CalendarSpec::monday_to_friday);
                let before = calendar.holiday.len();
                calendar.holiday.retain(|holiday| !(&holiday.date == date && &holiday.region == region));
                if calendar.holiday.len() == before {
                    let place =
                        region.as_deref().map_or("nationally".to_owned(), |region| format!("in {}", quote(region)));
                    return Err(RegistryError::NotFound(format!("no holiday on {date} {place}")));
                }
            }
            RegistryChange::SetWorkingDays { working_days } => {
                let mut days = working_days.clone();
                days.sort_by_key(chrono::Weekday::num_days_from_monday);
                days.dedup();
                next.calendar.get_or_insert_with(CalendarSpec::monday_to_friday).working_days = days;
            }
            RegistryChange::SetUtcOffset { utc_offset } => {
                next.calendar.get_or_insert_with(CalendarSpec::monday_to_friday).utc_offset = Some(*utc_offset);
            }
        }
        // Whatever the change, the result must be a registry a file could hold.
        next.validate(SOURCE)?;
        let size = toml::to_string(&next).map_or(usize::MAX, |text| text.len());
        if size > crate::MAX_DOCUMENT_BYTES {
            return Err(invalid(
                "(the whole document)",
                format!("the registry would be {size} bytes, more than the {} allowed", crate::MAX_DOCUMENT_BYTES),
            ));
        }
        Ok(next)
    }
}

impl CalendarSpec {
    /// Monday to Friday, no holidays: the calendar of a registry that gives none.
    pub fn monday_to_friday() -> Self {
        use chrono::Weekday::{Fri, Mon, Thu, Tue, Wed};
        Self { working_days: vec![Mon, Tue, Wed, Thu, Fri], holiday: Vec::new(), utc_offset: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Level, Tier};

    fn demo() -> Registry {
        Registry::demo()
    }

    fn rejected(change: RegistryChange) -> String {
        demo().with_change(&change).expect_err("must be rejected").to_string()
    }

    #[test]
    fn an_institution_is_added_below_its_parent_and_renamed_in_place() {
        let unit = Institution {
            id: "bandung-dpu-bridges".into(),
            name: "Bidang Jembatan".into(),
            level: Level::Unit,
            parent: Some("bandung-dpu".into()),
            remit: vec![],
        };
        let registry =
            demo().with_change(&RegistryChange::PutInstitution { institution: unit.clone() }).expect("valid");
        assert!(registry.is_below("bandung-dpu-bridges", "pemkot-bandung"));
        let renamed = Institution { name: "Bidang Jembatan dan Terowongan".into(), ..unit };
        let again = registry.with_change(&RegistryChange::PutInstitution { institution: renamed }).expect("valid");
        assert_eq!(again.institutions().len(), registry.institutions().len());
        assert_eq!(
            again.institution("bandung-dpu-bridges").map(|i| i.name.as_str()),
            Some("Bidang Jembatan dan Terowongan")
        );
    }

    #[test]
    fn ids_names_and_offsets_are_checked_and_never_panic() {
        let with_id = |id: &str| Institution {
            id: id.into(),
            name: "Bidang Jembatan".into(),
            level: Level::Unit,
            parent: Some("bandung-dpu".into()),
            remit: vec![],
        };
        for bad in ["Bridges", "has space", "-starts-with-dash", "ünï", &"x".repeat(65), ""] {
            let error = rejected(RegistryChange::PutInstitution { institution: with_id(bad) });
            assert!(error.contains(".id"), "{bad:?}: {error}");
        }
        assert!(
            demo()
                .with_change(&RegistryChange::PutInstitution { institution: with_id("bandung-dpu.bridges_2") })
                .is_ok()
        );
        for bad_name in ["x".repeat(201), "Two\nlines".into(), "Hidden\u{202E}text".into(), " padded ".into()] {
            let institution = Institution { name: bad_name.clone(), ..with_id("bridges") };
            let error = rejected(RegistryChange::PutInstitution { institution });
            assert!(error.contains(".name"), "{bad_name:?}: {error}");
        }
        // Not an offset, and not a panic either: "é" is two bytes where a ':' is looked for.
        for bad in ["+0é00", "+07é0", "é", "+07:00:00", "+7:00"] {
            let json = format!(r#"{{"kind": "set_utc_offset", "utc_offset": "{bad}"}}"#);
            assert!(serde_json::from_str::<RegistryChange>(&json).is_err(), "{bad:?}");
        }
        let long = "weather".repeat(1000);
        let rule = Rule { category: long, region: "32.73".into(), institution: "bandung-dpu".into(), source: None };
        let error = rejected(RegistryChange::PutRule { rule });
        assert!(error.len() < 200, "an error quotes only a short prefix: {error}");
    }

    #[test]
    fn a_registry_larger_than_the_cap_is_refused() {
        let huge = format!("{}\n# {}", crate::DEMO_REGISTRY, "x".repeat(crate::MAX_DOCUMENT_BYTES));
        let error = Registry::parse("huge.toml", &huge).expect_err("too large").to_string();
        assert!(error.contains("more than"), "{error}");
    }

    #[test]
    fn a_change_that_breaks_the_tree_is_rejected_and_names_the_key() {
        let orphan = Institution {
            id: "x".into(),
            name: "X".into(),
            level: Level::Unit,
            parent: Some("nowhere".into()),
            remit: vec![],
        };
        assert!(rejected(RegistryChange::PutInstitution { institution: orphan }).contains("institution.parent"));
        // Making the city a child of its own unit is a cycle.
        let cyclic = Institution {
            id: "pemkot-bandung".into(),
            name: "Pemerintah Kota Bandung".into(),
            level: Level::Regency,
            parent: Some("bandung-dpu-roads".into()),
            remit: vec![],
        };
        assert!(rejected(RegistryChange::PutInstitution { institution: cyclic }).contains("cycle"));
        let rule =
            Rule { category: "roads".into(), region: "32.73".into(), institution: "nobody".into(), source: None };
        assert!(rejected(RegistryChange::PutRule { rule }).contains("rule.institution"));
        let rule =
            Rule { category: "ghosts".into(), region: "32.73".into(), institution: "bandung-dpu".into(), source: None };
        assert!(rejected(RegistryChange::PutRule { rule }).contains("rule.category"));
        assert!(rejected(RegistryChange::SetWorkingDays { working_days: vec![] }).contains("working_days"));
    }

    #[test]
    fn rules_are_replaced_and_removed_by_their_category_and_region() {
        let rule =
            Rule { category: "roads".into(), region: "32.73".into(), institution: "jabar-dbmpr".into(), source: None };
        let registry = demo().with_change(&RegistryChange::PutRule { rule }).expect("valid");
        assert_eq!(registry.route("roads", "32.73", &[]).institution.id, "jabar-dbmpr");
        let remove = RegistryChange::RemoveRule { category: "roads".into(), region: "32.73".into() };
        let registry = registry.with_change(&remove).expect("valid");
        // Without a rule of its own, Bandung falls back to its province's.
        assert_eq!(registry.route("roads", "32.73", &[]).matched_by, crate::MatchedBy::RegionFallback);
        assert!(matches!(registry.with_change(&remove), Err(RegistryError::NotFound(_))));
    }

    #[test]
    fn a_holiday_moves_deadlines_and_its_removal_moves_them_back() {
        let date = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).expect("a date");
        let before = demo().calendar_for("32.73").add_working_days(date(1), 2);
        let holiday = Holiday { date: date(2), name: "Hari Jadi".into(), region: Some("32.73".into()) };
        let registry = demo().with_change(&RegistryChange::PutHoliday { holiday }).expect("valid");
        assert_eq!(registry.calendar_for("32.73").add_working_days(date(1), 2), before + chrono::Days::new(1));
        assert_eq!(registry.calendar_for("31.71").add_working_days(date(1), 2), before, "only in Bandung");
        let removed = registry
            .with_change(&RegistryChange::RemoveHoliday { date: date(2), region: Some("32.73".into()) })
            .expect("valid");
        assert_eq!(removed.calendar_for("32.73").add_working_days(date(1), 2), before);
    }

    #[test]
    fn a_category_keeps_its_place_when_its_tier_changes() {
        let category = Category { id: "roads".into(), name: "Jalan".into(), tier: Tier::Simple };
        let registry = demo().with_change(&RegistryChange::PutCategory { category }).expect("valid");
        assert_eq!(registry.categories().len(), demo().categories().len());
        assert_eq!(registry.category("roads").map(|c| c.tier), Some(Tier::Simple));
    }

    #[test]
    fn changes_read_as_the_admin_api_writes_them() {
        let change: RegistryChange = serde_json::from_str(
            r#"{"kind": "put_rule", "rule": {"category": "roads", "region": "*", "institution": "kemenpu"}}"#,
        )
        .expect("parses");
        assert_eq!(change.kind(), "put_rule");
        let change: RegistryChange =
            serde_json::from_str(r#"{"kind": "set_utc_offset", "utc_offset": "+08:00"}"#).expect("parses");
        let registry = demo().with_change(&change).expect("valid");
        assert_eq!(registry.national_utc_offset().local_minus_utc(), 8 * 3600);
        assert!(serde_json::from_str::<RegistryChange>(r#"{"kind": "set_utc_offset", "utc_offset": "WIB"}"#).is_err());
        let unknown = serde_json::from_str::<RegistryChange>(r#"{"kind": "drop_everything"}"#);
        assert!(unknown.is_err());
    }
}
