//! The registry: institutions as a tree (national, province, regency or city,
//! unit), regions with their official codes, complaint categories, and routing
//! rules (category × region → institution). Routing falls back up the region
//! tree, then up the institution tree past those that returned the report, and
//! ends at the national verifier, so every report has somewhere to go.

mod calendar_horizon;
mod change;
mod document;
mod routing;

use std::collections::HashMap;

use chrono::Offset as _;

pub use aduan_procedure::Tier;
pub use calendar_horizon::{CALENDAR_WARNING_DAYS, calendar_warning};
pub use change::RegistryChange;
pub use document::{CalendarSpec, Category, Holiday, Institution, Level, Region, RegistryDocument, Rule, UtcOffset};
pub use routing::{MatchedBy, RouteDecision};

/// The registry file shipped for `aduan dev` and the tests: a small slice of
/// Indonesia's institutions.
pub const DEMO_REGISTRY: &str = include_str!("../data/demo-registry.toml");

/// The largest registry document: a whole country's registry is a few
/// megabytes (Indonesia's, with every government's agencies, about two).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// A registry that failed validation; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read.
    #[error("reading the registry {file}: {reason}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        reason: String,
    },
    /// The file is not valid TOML of the registry's shape.
    #[error("in the registry {file}: {reason}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// The file parses but contradicts itself.
    #[error("in the registry {file}, {key}: {reason}")]
    Invalid {
        /// The file.
        file: String,
        /// Where in the file, e.g. `rule[3].institution`.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A change names a rule or holiday the registry does not hold.
    #[error("{0}")]
    NotFound(String),
}

/// A validated registry with its look-up indexes.
#[derive(Debug, Clone)]
pub struct Registry {
    document: RegistryDocument,
    institutions: HashMap<String, usize>,
    regions: HashMap<String, usize>,
    categories: HashMap<String, usize>,
    /// (category, region or `*`) → institution id.
    rules: HashMap<(String, String), String>,
}

impl Registry {
    /// Reads and validates the registry file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, RegistryError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| RegistryError::Read { file: file.clone(), reason: error.to_string() })?;
        Self::parse(&file, &text)
    }

    /// The built-in demo registry.
    pub fn demo() -> Self {
        #[allow(clippy::expect_used)]
        Self::parse("demo-registry.toml", DEMO_REGISTRY).expect("the demo registry is validated by its tests")
    }

    /// Parses and validates registry text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, RegistryError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(RegistryError::Invalid {
                file: file.to_owned(),
                key: "(the whole document)".into(),
                reason: format!("{} bytes is more than the {MAX_DOCUMENT_BYTES} a registry may have", text.len()),
            });
        }
        let document: RegistryDocument = toml::from_str(text)
            .map_err(|error| RegistryError::Parse { file: file.to_owned(), reason: error.to_string() })?;
        document.validate(file)?;
        Ok(Self::index(document))
    }

    /// The registry as a file would hold it, to store and to send.
    pub fn to_toml(&self) -> String {
        #[allow(clippy::expect_used)]
        toml::to_string(&self.document).expect("a registry document is plain data that TOML can hold")
    }

    /// The document it was built from.
    pub fn document(&self) -> &RegistryDocument {
        &self.document
    }

    /// Indexes a document that passed validation.
    pub(crate) fn index(document: RegistryDocument) -> Self {
        let index = |ids: Vec<&str>| ids.into_iter().enumerate().map(|(i, id)| (id.to_owned(), i)).collect();
        Self {
            institutions: index(document.institution.iter().map(|i| i.id.as_str()).collect()),
            regions: index(document.region.iter().map(|r| r.code.as_str()).collect()),
            categories: index(document.category.iter().map(|c| c.id.as_str()).collect()),
            rules: document
                .rule
                .iter()
                .map(|rule| ((rule.category.clone(), rule.region.clone()), rule.institution.clone()))
                .collect(),
            document,
        }
    }

    /// The institution the rule for `category` in `region` names, if there is one.
    pub fn rule_institution(&self, category: &str, region: &str) -> Option<&str> {
        self.rules.get(&(category.to_owned(), region.to_owned())).map(String::as_str)
    }

    /// The institutions the rules send a report from the region `code` to
    /// (for any category), without the fallback up the region tree.
    pub fn institutions_for_region<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.document.rule.iter().filter(move |rule| rule.region == code).map(|rule| rule.institution.as_str())
    }

    /// Whether `institution` (or an institution below it) answers reports
    /// from the region `code` or a region containing it, by some rule.
    pub fn serves_region(&self, institution: &str, code: &str) -> bool {
        self.regions_up_from(code).iter().any(|region| {
            self.institutions_for_region(&region.code)
                .any(|served_by| served_by == institution || self.is_below(served_by, institution))
        })
    }

    /// The institution with `id`.
    pub fn institution(&self, id: &str) -> Option<&Institution> {
        self.institutions.get(id).map(|&i| &self.document.institution[i])
    }

    /// The region with official `code`.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code).map(|&i| &self.document.region[i])
    }

    /// The category with `id`.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.get(id).map(|&i| &self.document.category[i])
    }

    /// Every institution, in file order.
    pub fn institutions(&self) -> &[Institution] {
        &self.document.institution
    }

    /// Every category, in file order.
    pub fn categories(&self) -> &[Category] {
        &self.document.category
    }

    /// Every region, in file order.
    pub fn regions(&self) -> &[Region] {
        &self.document.region
    }

    /// `region` and every region containing it, innermost first.
    pub(crate) fn regions_up_from(&self, region: &str) -> Vec<&Region> {
        let mut chain: Vec<&Region> = Vec::new();
        let mut current = self.region(region);
        while let Some(r) = current {
            if chain.iter().any(|seen| seen.code == r.code) {
                break;
            }
            chain.push(r);
            current = r.parent.as_deref().and_then(|parent| self.region(parent));
        }
        chain
    }

    /// The offset from UTC where `region` is: its own, or the nearest
    /// containing region's, or the country's, or UTC.
    pub fn utc_offset_for(&self, region: &str) -> chrono::FixedOffset {
        self.regions_up_from(region)
            .iter()
            .find_map(|r| r.utc_offset)
            .or_else(|| self.document.calendar.as_ref().and_then(|calendar| calendar.utc_offset))
            .map_or(chrono::Utc.fix(), |offset| offset.0)
    }

    /// The country's offset from UTC.
    pub fn national_utc_offset(&self) -> chrono::FixedOffset {
        self.utc_offset_for("")
    }

    /// The working-day calendar of `region`: the national calendar plus the
    /// holidays of the region and of every region containing it.
    pub fn calendar_for(&self, region: &str) -> aduan_procedure::Calendar {
        let Some(spec) = &self.document.calendar else {
            return aduan_procedure::Calendar::monday_to_friday([]);
        };
        let national = spec.holiday.iter().filter(|h| h.region.is_none()).map(|h| h.date);
        #[allow(clippy::expect_used)]
        let calendar = aduan_procedure::Calendar::new(spec.working_days.iter().copied(), national)
            .expect("validated: at least one working weekday");
        let chain: Vec<&str> = self.regions_up_from(region).iter().map(|r| r.code.as_str()).collect();
        calendar.for_region(
            spec.holiday.iter().filter(|h| h.region.as_deref().is_some_and(|r| chain.contains(&r))).map(|h| h.date),
        )
    }

    /// Whether `id` is below `ancestor` in the tree of institutions.
    pub fn is_below(&self, id: &str, ancestor: &str) -> bool {
        let mut seen = Vec::new();
        let mut current = self.institution(id).and_then(|institution| institution.parent.as_deref());
        while let Some(parent) = current {
            if parent == ancestor {
                return true;
            }
            if seen.contains(&parent) {
                return false;
            }
            seen.push(parent);
            current = self.institution(parent).and_then(|institution| institution.parent.as_deref());
        }
        false
    }

    /// The institution that takes what no rule places.
    pub fn national_verifier(&self) -> &Institution {
        #[allow(clippy::expect_used)]
        self.institution(&self.document.national_verifier).expect("validated: the national verifier is an institution")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_sit_below_their_institutions() {
        let registry = Registry::demo();
        assert!(registry.is_below("bandung-dpu-roads", "bandung-dpu"));
        assert!(registry.is_below("bandung-dpu-roads", "pemkot-bandung"));
        assert!(!registry.is_below("bandung-dpu", "bandung-dpu-roads"));
        assert!(!registry.is_below("bandung-dpu-roads", "jabar-dbmpr"));
        assert!(!registry.is_below("bandung-dpu", "bandung-dpu"));
    }

    #[test]
    fn a_registry_written_out_reads_back_the_same() {
        for registry in [Registry::demo(), indonesia_seed_tests::seed()] {
            let again = Registry::parse("written.toml", &registry.to_toml()).expect("reads back");
            assert_eq!(again.document(), registry.document());
        }
    }

    #[test]
    fn the_demo_registry_is_valid() {
        let registry = Registry::parse("demo-registry.toml", DEMO_REGISTRY).expect("valid");
        assert!(registry.institutions().len() >= 8);
        assert!(registry.category("roads").is_some());
        assert!(registry.region("32.73").is_some());
    }

    fn invalid(text: &str) -> String {
        Registry::parse("test.toml", text).expect_err("must be rejected").to_string()
    }

    const BASE: &str = r#"
        version = 1
        national_verifier = "nv"
        [[institution]]
        id = "nv"
        name = "National verifier"
        level = "national"
        [[region]]
        code = "31"
        name = "DKI Jakarta"
        [[category]]
        id = "roads"
        name = "Roads"
    "#;

    #[test]
    fn errors_name_the_file_and_the_key() {
        let text = format!("{BASE}\n[[rule]]\ncategory = \"roads\"\nregion = \"31\"\ninstitution = \"ghost\"\n");
        let error = invalid(&text);
        assert!(error.contains("test.toml"), "{error}");
        assert!(error.contains("rule[0].institution"), "{error}");
        assert!(error.contains("ghost"), "{error}");
    }

    #[test]
    fn cycles_and_unknown_parents_are_rejected() {
        let text = format!(
            "{BASE}\n[[institution]]\nid = \"a\"\nname = \"A\"\nlevel = \"unit\"\nparent = \"b\"\n\
             [[institution]]\nid = \"b\"\nname = \"B\"\nlevel = \"unit\"\nparent = \"a\"\n"
        );
        assert!(invalid(&text).contains("cycle"));
        let text = format!("{BASE}\n[[region]]\ncode = \"31.71\"\nname = \"X\"\nparent = \"99\"\n");
        assert!(invalid(&text).contains("region[1].parent"));
    }

    #[test]
    fn duplicates_and_unknown_keys_are_rejected() {
        let text = format!("{BASE}\n[[category]]\nid = \"roads\"\nname = \"Again\"\n");
        assert!(invalid(&text).contains("category[1].id"));
        let text = format!("{BASE}\nsurprise = true\n");
        assert!(invalid(&text).contains("surprise"));
    }

    #[test]
    fn an_offset_from_utc_must_look_like_one() {
        for bad in ["+7", "07:00", "+25:00", "WIB", "+07:00:00"] {
            let text = format!("{BASE}\n[calendar]\nworking_days = [\"mon\"]\nutc_offset = \"{bad}\"\n");
            assert!(invalid(&text).contains("is not an offset from UTC"), "{bad}");
        }
        let text = format!("{BASE}\n[calendar]\nworking_days = [\"mon\"]\nutc_offset = \"-03:30\"\n");
        let registry = Registry::parse("test.toml", &text).expect("valid");
        assert_eq!(registry.utc_offset_for("31").local_minus_utc(), -(3 * 3600 + 30 * 60));
    }
}

#[cfg(test)]
mod indonesia_seed_tests {
    use super::*;

    const SEED: &str = include_str!("../data/indonesia/registry.toml");

    pub(super) fn seed() -> Registry {
        Registry::parse("indonesia/registry.toml", SEED).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn the_seed_has_every_province_and_regency_with_its_government() {
        let registry = seed();
        let provinces = registry.regions().iter().filter(|r| r.parent.is_none()).count();
        let regencies = registry.regions().iter().filter(|r| r.parent.is_some()).count();
        assert_eq!((provinces, regencies), (38, 514));
        assert_eq!(registry.region("32.73").map(|r| r.name.as_str()), Some("Kota Bandung"));
        assert_eq!(registry.region("96").map(|r| r.name.as_str()), Some("Papua Barat Daya"));
        let bandung = registry.institution("pemkot-32.73").expect("Kota Bandung's government");
        assert_eq!(bandung.parent.as_deref(), Some("pemprov-32"));
        assert_eq!(registry.category("population_admin").map(|c| c.tier), Some(Tier::Simple));
        assert_eq!(registry.category("land").map(|c| c.tier), Some(Tier::FieldInvestigation));
    }

    #[test]
    fn the_seed_knows_indonesias_three_time_zones() {
        let registry = seed();
        let hours = |region: &str| registry.utc_offset_for(region).local_minus_utc() / 3600;
        assert_eq!(hours("32.73"), 7, "Kota Bandung: WIB");
        assert_eq!(hours("51.71"), 8, "Kota Denpasar: WITA");
        assert_eq!(hours("64"), 8, "Kalimantan Timur: WITA");
        assert_eq!(hours("91.71"), 9, "Kota Jayapura: WIT");
        assert_eq!(registry.national_utc_offset().local_minus_utc() / 3600, 7);
    }

    #[test]
    fn the_seed_routes_local_and_national_matters() {
        let registry = seed();
        assert_eq!(registry.route("population_admin", "32.73", &[]).institution.id, "pemkot-32.73");
        assert_eq!(registry.route("roads", "32.04", &[]).institution.id, "pemkab-32.04");
        assert_eq!(registry.route("transport", "32.73", &[]).institution.id, "pemkot-32.73");
        assert_eq!(registry.route("land", "32.73", &[]).institution.id, "atr-bpn");
        assert_eq!(registry.route("public_information", "32.73", &[]).institution.id, "pemkot-32.73");
        // A regency that returns a road goes to its province, then the ministry.
        let returned = vec!["pemkab-32.04".to_owned()];
        assert_eq!(registry.route("roads", "32.04", &returned).institution.id, "pemprov-32");
    }

    /// Weekdays that are not working days in `year`, in Kota Bandung.
    fn weekdays_off(year: i32) -> usize {
        let calendar = seed().calendar_for("32.73");
        let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("a date");
        first
            .iter_days()
            .take_while(|day| chrono::Datelike::year(day) == year)
            .filter(|day| chrono::Datelike::weekday(day).num_days_from_monday() < 5 && !calendar.is_working_day(*day))
            .count()
    }

    #[test]
    fn the_seed_calendar_has_2026s_holidays_and_collective_leave() {
        // 25 days in the decree, of which 21-22 March, 5 April and 31 May fall on a weekend.
        assert_eq!(weekdays_off(2026), 21);
        // Filed on Tuesday 17 March 2026: 18 to 24 March are Nyepi, Idul Fitri,
        // their collective leave and a weekend, so verification's 3 working
        // days are 25, 26 and 27 March.
        let calendar = seed().calendar_for("32.73");
        let date = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).expect("a date");
        assert_eq!(calendar.add_working_days(date(3, 17), 3), date(3, 27));
    }

    #[test]
    fn the_seed_calendar_has_2027s_holidays_and_collective_leave() {
        // 26 days in the decree, of which 7 fall on a weekend (6 February,
        // 28 March, 1 May, 6 June, 15 August, 25 and 26 December).
        assert_eq!(weekdays_off(2027), 19);
        // Filed on Friday 5 March 2027: Nyepi on Monday 8 March, then Idul
        // Fitri and its collective leave to Monday 15 March, so verification's
        // 3 working days are 16, 17 and 18 March.
        let calendar = seed().calendar_for("32.73");
        let date = |m, d| chrono::NaiveDate::from_ymd_opt(2027, m, d).expect("a date");
        assert_eq!(calendar.add_working_days(date(3, 5), 3), date(3, 18));
    }

    #[test]
    fn a_region_inherits_the_nations_holidays_and_adds_its_own() {
        // The demo registry ends with its [calendar] table: add to it.
        let text = format!(
            "{}holiday = [\n  \
             {{ date = \"2026-03-20\", name = \"National\" }},\n  \
             {{ date = \"2026-03-25\", name = \"Provincial\", region = \"32\" }},\n]\n",
            DEMO_REGISTRY
        );
        let registry = Registry::parse("demo-with-calendar.toml", &text).unwrap_or_else(|error| panic!("{error}"));
        let date = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).expect("a date");
        let bandung = registry.calendar_for("32.73");
        let jakarta = registry.calendar_for("31.71");
        assert!(!bandung.is_working_day(date(20)) && !jakarta.is_working_day(date(20)));
        assert!(!bandung.is_working_day(date(25)), "the province's holiday reaches its cities");
        assert!(jakarta.is_working_day(date(25)), "and no other province");
    }
}
