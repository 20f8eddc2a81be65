//! The registry file's shape and its validation.

use std::collections::{HashMap, HashSet};

use aduan_procedure::Tier;
use serde::{Deserialize, Serialize};

use crate::RegistryError;

/// The tier of an institution in the national tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A ministry, a national agency, or the national verifier.
    National,
    /// A province's government or one of its agencies.
    Province,
    /// A regency's or a city's government or one of its agencies.
    Regency,
    /// A unit inside an institution.
    Unit,
}

/// An institution that answers reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// Stable id, used in rules and events.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub id: String,
    /// Official name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Its tier.
    pub level: Level,
    /// The institution above it; `None` only at the national level.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub parent: Option<String>,
    /// The category ids it is responsible for; empty when not stated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remit: Vec<String>,
}

/// A region with its official code (Kemendagri codes in Indonesia).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Official code, e.g. `32.73` for Kota Bandung.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub code: String,
    /// Official name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The region containing it; `None` for a province.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub parent: Option<String>,
    /// Its time zone's offset from UTC, when it differs from the region
    /// containing it (or, for a province, from the country's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^[+-][0-9]{2}:[0-9]{2}$")]
    pub utc_offset: Option<UtcOffset>,
}

/// A fixed offset from UTC, written `+07:00`: the day a deadline falls on
/// is the day where the institution is, not in Greenwich. (Fixed: the
/// countries aduan serves first keep no daylight saving time.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UtcOffset(pub chrono::FixedOffset);

impl TryFrom<String> for UtcOffset {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        // Checked as bytes of ASCII text: slicing a string with other
        // characters at a fixed place could cut one in half.
        let bytes = text.as_bytes();
        let valid = text.is_ascii() && bytes.len() == 6 && (bytes[0] == b'+' || bytes[0] == b'-') && bytes[3] == b':';
        let offset = valid.then(|| text.parse::<chrono::FixedOffset>().ok()).flatten();
        offset.map(UtcOffset).ok_or_else(|| format!("{} is not an offset from UTC like \"+07:00\"", quote(&text)))
    }
}

impl From<UtcOffset> for String {
    fn from(offset: UtcOffset) -> Self {
        offset.0.to_string()
    }
}

/// A kind of problem a report can be about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub id: String,
    /// Name shown to citizens.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The resolution tier it implies until the verifier sets another.
    #[serde(default)]
    #[schema(value_type = String, pattern = "^(simple|information_request|dispute_without_field_check|field_investigation)$")]
    pub tier: Tier,
}

/// A day off: national when `region` is absent, else only in that region and
/// the regions inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The day.
    pub date: chrono::NaiveDate,
    /// What it is.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// A region code, for a regional holiday.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub region: Option<String>,
}

/// The working week and the holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// The working weekdays, e.g. `["mon", "tue", "wed", "thu", "fri"]`.
    pub working_days: Vec<chrono::Weekday>,
    /// National and regional holidays, collective leave included.
    #[serde(default)]
    pub holiday: Vec<Holiday>,
    /// The country's offset from UTC (UTC when absent); a region may have its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<UtcOffset>,
}

/// Reports of `category` in `region` (or any region, `*`) go to `institution`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A category id.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub category: String,
    /// A region code, or `*` for the whole country.
    #[schema(pattern = "^([a-z0-9][a-z0-9._-]{0,63}|\\*)$", max_length = 64)]
    pub region: String,
    /// The institution that must answer.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution: String,
    /// The legal source of the decision, e.g. the article of the law that
    /// gives the matter to that level of government.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub source: Option<String>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryDocument {
    /// Version of the file's format.
    pub version: u32,
    /// The institution that takes reports no rule places.
    pub national_verifier: String,
    /// Institutions.
    #[serde(default)]
    pub institution: Vec<Institution>,
    /// Regions.
    #[serde(default)]
    pub region: Vec<Region>,
    /// Categories.
    #[serde(default)]
    pub category: Vec<Category>,
    /// Routing rules.
    #[serde(default)]
    pub rule: Vec<Rule>,
    /// The working week and holidays; Monday to Friday without holidays when absent.
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
}

/// The region code that stands for the whole country in rules.
pub const EVERYWHERE: &str = "*";

impl RegistryDocument {
    pub(crate) fn validate(&self, file: &str) -> Result<(), RegistryError> {
        let invalid = |key: String, reason: String| RegistryError::Invalid { file: file.to_owned(), key, reason };
        if self.version != 1 {
            return Err(invalid(
                "version".into(),
                format!("version {} is not supported; this build reads 1", self.version),
            ));
        }
        let institutions = unique_ids(self.institution.iter().map(|i| i.id.as_str()), "institution", "id", &invalid)?;
        let regions = unique_ids(self.region.iter().map(|r| r.code.as_str()), "region", "code", &invalid)?;
        let categories = unique_ids(self.category.iter().map(|c| c.id.as_str()), "category", "id", &invalid)?;
        if !institutions.contains(self.national_verifier.as_str()) {
            return Err(invalid(
                "national_verifier".into(),
                format!("{} is not an institution", quote(&self.national_verifier)),
            ));
        }
        let names = self.institution.iter().enumerate().map(|(n, i)| (format!("institution[{n}].name"), &i.name));
        let names = names
            .chain(self.region.iter().enumerate().map(|(n, r)| (format!("region[{n}].name"), &r.name)))
            .chain(self.category.iter().enumerate().map(|(n, c)| (format!("category[{n}].name"), &c.name)))
            .chain(self.calendar.iter().flat_map(|calendar| {
                calendar.holiday.iter().enumerate().map(|(n, h)| (format!("calendar.holiday[{n}].name"), &h.name))
            }));
        for (key, name) in names {
            check_name(name).map_err(|reason| invalid(key, reason))?;
        }
        for (n, rule) in self.rule.iter().enumerate() {
            if let Some(source) = &rule.source {
                match aduan_text::clean(source, SOURCE) {
                    Ok(cleaned) if &cleaned == source => {}
                    Ok(_) => {
                        return Err(invalid(format!("rule[{n}].source"), "must be trimmed, in normal form C".into()));
                    }
                    Err(error) => return Err(invalid(format!("rule[{n}].source"), error.to_string())),
                }
            }
        }
        let institution_parents: HashMap<&str, Option<&str>> =
            self.institution.iter().map(|i| (i.id.as_str(), i.parent.as_deref())).collect();
        for (n, institution) in self.institution.iter().enumerate() {
            if let Some(parent) = &institution.parent
                && !institutions.contains(parent.as_str())
            {
                return Err(invalid(
                    format!("institution[{n}].parent"),
                    format!("{} is not an institution", quote(parent)),
                ));
            }
            if institution.parent.is_none() && institution.level != Level::National {
                return Err(invalid(
                    format!("institution[{n}].parent"),
                    "only a national institution may have no parent".into(),
                ));
            }
            check_acyclic(&institution.id, &institution_parents)
                .map_err(|reason| invalid(format!("institution[{n}].parent"), reason))?;
            for (m, category) in institution.remit.iter().enumerate() {
                if !categories.contains(category.as_str()) {
                    return Err(invalid(
                        format!("institution[{n}].remit[{m}]"),
                        format!("{} is not a category", quote(category)),
                    ));
                }
            }
        }
        let region_parents: HashMap<&str, Option<&str>> =
            self.region.iter().map(|r| (r.code.as_str(), r.parent.as_deref())).collect();
        for (n, region) in self.region.iter().enumerate() {
            if let Some(parent) = &region.parent
                && !regions.contains(parent.as_str())
            {
                return Err(invalid(format!("region[{n}].parent"), format!("{} is not a region code", quote(parent))));
            }
            check_acyclic(&region.code, &region_parents)
                .map_err(|reason| invalid(format!("region[{n}].parent"), reason))?;
        }
        if let Some(calendar) = &self.calendar {
            if calendar.working_days.is_empty() {
                return Err(invalid(
                    "calendar.working_days".into(),
                    "at least one weekday must be a working day".into(),
                ));
            }
            for (n, holiday) in calendar.holiday.iter().enumerate() {
                if let Some(region) = &holiday.region
                    && !regions.contains(region.as_str())
                {
                    return Err(invalid(
                        format!("calendar.holiday[{n}].region"),
                        format!("{} is not a region code", quote(region)),
                    ));
                }
            }
        }
        let mut seen_rules = HashSet::new();
        for (n, rule) in self.rule.iter().enumerate() {
            if !categories.contains(rule.category.as_str()) {
                return Err(invalid(
                    format!("rule[{n}].category"),
                    format!("{} is not a category", quote(&rule.category)),
                ));
            }
            if rule.region != EVERYWHERE && !regions.contains(rule.region.as_str()) {
                return Err(invalid(
                    format!("rule[{n}].region"),
                    format!("{} is not a region code or \"*\"", quote(&rule.region)),
                ));
            }
            if !institutions.contains(rule.institution.as_str()) {
                return Err(invalid(
                    format!("rule[{n}].institution"),
                    format!("{} is not an institution", quote(&rule.institution)),
                ));
            }
            if !seen_rules.insert((rule.category.as_str(), rule.region.as_str())) {
                return Err(invalid(
                    format!("rule[{n}]"),
                    format!("a rule for {} in {} is already given", quote(&rule.category), quote(&rule.region)),
                ));
            }
        }
        Ok(())
    }
}

/// What an error message may quote of an id or a name someone sent: a short prefix.
pub(crate) fn quote(text: &str) -> String {
    format!("{:?}", aduan_text::excerpt(text, 40))
}

/// Whether `id` may be an id or a code: `^[a-z0-9][a-z0-9._-]{0,63}$`, so
/// it is safe in a URL, a file name and a log line as it is.
pub fn is_identifier(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

/// A name as people read it: one line of 1 to 200 characters, kept exactly
/// as the one text validator would keep it.
const NAME: aduan_text::TextRule = aduan_text::TextRule::line(1, 200);

/// A rule's legal source: one line of up to 500 characters.
const SOURCE: aduan_text::TextRule = aduan_text::TextRule::line(1, 500);

fn check_name(name: &str) -> Result<(), String> {
    match aduan_text::clean(name, NAME) {
        Ok(cleaned) if cleaned == name => Ok(()),
        Ok(_) => Err("must be trimmed and in Unicode normal form C".into()),
        Err(error) => Err(format!("{error}")),
    }
}

fn unique_ids<'a>(
    ids: impl Iterator<Item = &'a str>,
    table: &str,
    field: &str,
    invalid: &dyn Fn(String, String) -> RegistryError,
) -> Result<HashSet<&'a str>, RegistryError> {
    let mut seen = HashSet::new();
    for (n, id) in ids.enumerate() {
        if !is_identifier(id) {
            return Err(invalid(
                format!("{table}[{n}].{field}"),
                "must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit".into(),
            ));
        }
        if !seen.insert(id) {
            return Err(invalid(format!("{table}[{n}].{field}"), format!("{} is given twice", quote(id))));
        }
    }
    Ok(seen)
}

fn check_acyclic(start: &str, parents: &HashMap<&str, Option<&str>>) -> Result<(), String> {
    let mut seen = HashSet::from([start]);
    let mut current = start;
    while let Some(Some(parent)) = parents.get(current) {
        if !seen.insert(parent) {
            return Err(format!("{} is in a cycle of parents", quote(start)));
        }
        current = parent;
    }
    Ok(())
}
