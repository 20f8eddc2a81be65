//! The figures of PROCEDURE.md ("What auditors measure"), computed from the
//! ledger's facts (see `facts`) and the registry (names, levels, calendars):
//! per institution, per level of the tree and for the country, per period,
//! with a compliance index and a ranking.
//!
//! A case counts in the period in which its institution was given it, so a
//! period's figures do not change once its cases are done. Percentages are
//! rounded to one decimal; a share with nothing to count is absent, not 0.

use std::collections::{BTreeMap, HashMap};

use aduan_platform::clock::start_of_day;
use aduan_procedure::Calendar;
use aduan_registry::{Level, Registry};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::facts::{CaseFacts, ReportFacts};

/// Fewer cases than this in a period: an institution is listed, not ranked,
/// and an open-data cell is suppressed.
pub const MIN_CASES: u64 = 5;

/// Below this follow-up rate (%), an institution is not "good" (Indonesia's
/// OGP commitment ID0112).
pub const GOOD_FOLLOW_UP_RATE: f64 = 50.0;

/// A stretch of days: a quarter (`2026-Q3`), a month (`2026-07`) or a year (`2026`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    /// As asked for: `2026-Q3`, `2026-07`, `2026`.
    pub label: String,
    /// Its first day.
    pub from: NaiveDate,
    /// The day after its last.
    pub until: NaiveDate,
}

/// A period that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a period is a year (2026), a quarter (2026-Q3) or a month (2026-07), not {0:?}")]
pub struct BadPeriod(pub String);

impl Period {
    /// Parses `2026`, `2026-Q3` or `2026-07`.
    pub fn parse(text: &str) -> Result<Self, BadPeriod> {
        let bad = || BadPeriod(text.to_owned());
        // Digits only where numbers go: Rust's parsers would take "+7".
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
        let (year, rest) = text.split_once('-').map_or((text, None), |(year, rest)| (year, Some(rest)));
        if !digits(year) || rest.is_some_and(|rest| !digits(rest.strip_prefix('Q').unwrap_or(rest))) {
            return Err(bad());
        }
        let year: i32 = year.parse().ok().filter(|year| (2000..=2200).contains(year)).ok_or_else(bad)?;
        let first = |month: u32| NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad);
        let (from, months) = match rest {
            None => (first(1)?, 12),
            Some(quarter) if quarter.starts_with('Q') => {
                let quarter: u32 = quarter[1..].parse().ok().filter(|q| (1..=4).contains(q)).ok_or_else(bad)?;
                (first(quarter * 3 - 2)?, 3)
            }
            Some(month) if month.len() == 2 => (first(month.parse().map_err(|_| bad())?)?, 1),
            Some(_) => return Err(bad()),
        };
        let until = from.checked_add_months(chrono::Months::new(months)).ok_or_else(bad)?;
        Ok(Self { label: text.to_owned(), from, until })
    }

    /// The quarter `date` is in.
    pub fn quarter_of(date: NaiveDate) -> Self {
        let quarter = (date.month() - 1) / 3 + 1;
        let from = date.with_day(1).and_then(|day| day.with_month(quarter * 3 - 2)).unwrap_or(date);
        let until = from.checked_add_months(chrono::Months::new(3)).unwrap_or(NaiveDate::MAX);
        Self { label: format!("{}-Q{quarter}", date.year()), from, until }
    }
}

/// The figures of a set of cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseFigures {
    /// Cases the institutions were given in the period.
    pub cases: u64,
    /// Of them, sent back as "not our authority".
    pub returned: u64,
    /// Misrouting: the share sent back (%).
    pub misrouting_rate: Option<f64>,
    /// First follow-up within its deadline (5 working days): the share (%)
    /// of cases answered in time, of those answered or whose clock ran out.
    pub first_follow_up_on_time: Option<f64>,
    /// Follow-up rate: the share (%) of the cases kept that were answered at
    /// least once (a follow-up or a resolution), of those answered, closed,
    /// or whose first follow-up clock ran out (a case still within its first
    /// days is not counted against the institution yet).
    pub follow_up_rate: Option<f64>,
    /// Whether the follow-up rate is at least half ("good", as in OGP ID0112).
    pub follow_up_good: Option<bool>,
    /// Cases resolved.
    pub resolved: u64,
    /// Resolution within the tier's deadline: the share (%) of resolved in
    /// time, of those resolved or whose resolution clock ran out.
    pub resolution_on_time: Option<f64>,
    /// Median working days from assignment to resolution.
    pub median_days_to_resolve: Option<f64>,
    /// 90th percentile of the same.
    pub p90_days_to_resolve: Option<f64>,
    /// Reopen rate: the share (%) of resolved cases the citizen disputed.
    pub reopen_rate: Option<f64>,
    /// Appeal rate: the share (%) of resolved cases appealed to the level above.
    pub appeal_rate: Option<f64>,
    /// Appeals whose resolution stood.
    pub appeals_upheld: u64,
    /// Appeals the level above took up.
    pub appeals_taken_up: u64,
    /// Appeals not decided yet.
    pub appeals_pending: u64,
    /// Cases the citizen rated.
    pub rated: u64,
    /// Their mean rating, 1 to 5.
    pub mean_rating: Option<f64>,
    /// "Was it fixed?": yes.
    pub fixed_yes: u64,
    /// "Was it fixed?": partly.
    pub fixed_partly: u64,
    /// "Was it fixed?": no.
    pub fixed_no: u64,
    /// Escalation notices: each level told of a clock that ran out.
    pub escalations: u64,
    /// The compliance index, 0 to 100 (see [`compliance_index`]).
    pub compliance_index: Option<f64>,
}

/// The verification stage's figures: reports filed in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFigures {
    /// Reports filed.
    pub filed: u64,
    /// Of them, given to an institution.
    pub verified: u64,
    /// Verified within 3 working days: the share (%) of verified or late reports.
    pub verification_on_time: Option<f64>,
    /// Archived as not a valid report.
    pub archived: u64,
    /// Archived-as-invalid share (%) of the reports filed.
    pub archived_share: Option<f64>,
    /// Merged into an earlier report as duplicates.
    pub merged: u64,
    /// Privacy raised by a verifier.
    pub privacy_raised: u64,
    /// Public record changed (redacted or withdrawn) by a verifier.
    pub publication_changed: u64,
    /// Referred to the ombudsman.
    pub referred_to_ombudsman: u64,
}

/// Open cases by how long they have been open.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Backlog {
    /// Cases open now.
    pub open: u64,
    /// Open now and past their nearest deadline.
    pub overdue: u64,
    /// By working days since assignment: `0-5`, `6-10`, `11-20`, `21-60`, `over 60`.
    pub by_age: Vec<AgeBucket>,
}

/// Open cases of one age.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgeBucket {
    /// The ages, in working days.
    pub age: String,
    /// How many.
    pub cases: u64,
}

const AGE_BUCKETS: [(u32, &str); 5] = [(5, "0-5"), (10, "6-10"), (20, "11-20"), (60, "21-60"), (u32::MAX, "over 60")];

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The `p`th percentile (nearest rank) of sorted `values`.
fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(f64::from(sorted[rank.min(sorted.len()) - 1]))
}

fn median(sorted: &[u32]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        _ => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

/// The compliance index, 0 to 100: first follow-up in time (30), follow-up
/// rate (20), resolution in time (35) and satisfaction (15, the mean rating
/// from 1 to 5 as 0 to 100), over the parts there is something to count for
/// (their weights scaled up to 100).
pub fn compliance_index(figures: &CaseFigures) -> Option<f64> {
    let satisfaction = figures.mean_rating.map(|rating| (rating - 1.0) * 25.0);
    let parts = [
        (figures.first_follow_up_on_time, 30.0),
        (figures.follow_up_rate, 20.0),
        (figures.resolution_on_time, 35.0),
        (satisfaction, 15.0),
    ];
    let (sum, weights) = parts
        .iter()
        .filter_map(|(value, weight)| value.map(|value| (value * weight, *weight)))
        .fold((0.0, 0.0), |(sum, weights), (value, weight)| (sum + value, weights + weight));
    (weights > 0.0).then(|| round1(sum / weights))
}

/// Calendars and offsets by region, made once per computation.
pub struct Calendars<'a> {
    registry: &'a Registry,
    by_region: HashMap<String, (Calendar, chrono::FixedOffset)>,
}

impl std::fmt::Debug for Calendars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendars").field("regions", &self.by_region.len()).finish()
    }
}

impl<'a> Calendars<'a> {
    /// Calendars from `registry`.
    pub fn new(registry: &'a Registry) -> Self {
        Self { registry, by_region: HashMap::new() }
    }

    fn of(&mut self, region: &str) -> &(Calendar, chrono::FixedOffset) {
        let registry = self.registry;
        self.by_region
            .entry(region.to_owned())
            .or_insert_with(|| (registry.calendar_for(region), registry.utc_offset_for(region)))
    }

    /// Working days from `from` to `to` where `region` is.
    pub fn working_days(&mut self, region: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let (calendar, offset) = self.of(region);
        calendar.working_days_between(from.with_timezone(offset).date_naive(), to.with_timezone(offset).date_naive())
    }

    /// Working days `case` had from `from` to `to`: the days it waited for
    /// the citizen's answer do not count (PROCEDURE.md's clocks pause).
    pub fn working_days_of(&mut self, case: &CaseFacts, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let all = self.working_days(&case.region, from, to);
        let spans: Vec<(i64, i64)> = serde_json::from_str(&case.waiting).unwrap_or_default();
        let waited: u32 = spans
            .into_iter()
            .filter_map(|(since, until)| {
                Some((DateTime::from_timestamp(since, 0)?, DateTime::from_timestamp(until, 0)?))
            })
            .map(|(since, until)| self.working_days(&case.region, since.max(from), until.min(to).max(since.max(from))))
            .sum();
        all.saturating_sub(waited)
    }

    /// Today where `region` is, `now` being now.
    pub fn today(&mut self, region: &str, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.of(region).1).date_naive()
    }
}

/// The figures of `cases` (those given in the period).
pub fn case_figures<'c>(cases: impl IntoIterator<Item = &'c CaseFacts>, calendars: &mut Calendars<'_>) -> CaseFigures {
    let mut figures = CaseFigures::default();
    let (mut kept, mut answered, mut ffu_counted, mut ffu_on_time) = (0u64, 0u64, 0u64, 0u64);
    let (mut resolution_counted, mut resolution_on_time, mut disputed, mut appealed) = (0u64, 0u64, 0u64, 0u64);
    let mut rating_sum = 0u64;
    let mut days = Vec::new();
    for case in cases {
        figures.cases += 1;
        figures.escalations += u64::try_from(case.escalations).unwrap_or(0);
        if case.returned_at.is_some() {
            figures.returned += 1;
            continue;
        }
        if case.first_response_at.is_some() || case.first_follow_up_late || case.closed_at.is_some() {
            kept += 1;
            answered += u64::from(case.first_response_at.is_some());
        }
        if case.first_response_at.is_some() || case.first_follow_up_late {
            ffu_counted += 1;
            ffu_on_time += u64::from(case.first_response_at.is_some() && !case.first_follow_up_late);
        }
        if case.resolved_at.is_some() || case.resolution_late {
            resolution_counted += 1;
            resolution_on_time += u64::from(case.resolved_at.is_some() && !case.resolution_late);
        }
        if let (Some(assigned), Some(resolved)) = (case.assigned_at, case.resolved_at) {
            figures.resolved += 1;
            days.push(calendars.working_days_of(case, assigned, resolved));
            disputed += u64::from(case.disputes > 0);
            appealed += u64::from(case.appealed);
        }
        if case.appealed {
            match case.appeal_outcome.as_deref() {
                Some("upheld") => figures.appeals_upheld += 1,
                Some("taken_up") => figures.appeals_taken_up += 1,
                _ => figures.appeals_pending += 1,
            }
        }
        if let Some(rating) = case.rating {
            figures.rated += 1;
            rating_sum += u64::try_from(rating).unwrap_or(0);
        }
        match case.fixed.as_deref() {
            Some("yes") => figures.fixed_yes += 1,
            Some("partly") => figures.fixed_partly += 1,
            Some("no") => figures.fixed_no += 1,
            _ => {}
        }
    }
    days.sort_unstable();
    figures.misrouting_rate = share(figures.returned, figures.cases);
    figures.first_follow_up_on_time = share(ffu_on_time, ffu_counted);
    figures.follow_up_rate = share(answered, kept);
    figures.follow_up_good = figures.follow_up_rate.map(|rate| rate >= GOOD_FOLLOW_UP_RATE);
    figures.resolution_on_time = share(resolution_on_time, resolution_counted);
    figures.median_days_to_resolve = median(&days);
    figures.p90_days_to_resolve = percentile(&days, 90.0);
    figures.reopen_rate = share(disputed, figures.resolved);
    figures.appeal_rate = share(appealed, figures.resolved);
    figures.mean_rating =
        (figures.rated > 0).then(|| (rating_sum as f64 / figures.rated as f64 * 100.0).round() / 100.0);
    figures.compliance_index = compliance_index(&figures);
    figures
}

/// The verification stage's figures of `reports` (those filed in the period).
pub fn report_figures<'r>(reports: impl IntoIterator<Item = &'r ReportFacts>) -> ReportFigures {
    let mut figures = ReportFigures::default();
    let (mut counted, mut on_time) = (0u64, 0u64);
    for report in reports {
        figures.filed += 1;
        let verified = report.first_assigned_at.is_some();
        figures.verified += u64::from(verified);
        if verified || report.verification_late {
            counted += 1;
            on_time += u64::from(verified && !report.verification_late);
        }
        figures.archived += u64::from(report.archived_reason.is_some());
        figures.merged += u64::from(report.merged);
        figures.privacy_raised += u64::from(report.privacy_raised);
        figures.publication_changed += u64::from(report.publication_changed);
        figures.referred_to_ombudsman += u64::from(report.referred_to_ombudsman);
    }
    figures.verification_on_time = share(on_time, counted);
    figures.archived_share = share(figures.archived, figures.filed);
    figures
}

/// The backlog of `open` cases (open now), `now` being now.
pub fn backlog<'c>(
    open: impl IntoIterator<Item = &'c CaseFacts>,
    calendars: &mut Calendars<'_>,
    now: DateTime<Utc>,
) -> Backlog {
    let mut counts = [0u64; AGE_BUCKETS.len()];
    let mut backlog = Backlog::default();
    for case in open.into_iter().filter(|case| case.is_open()) {
        backlog.open += 1;
        let today = calendars.today(&case.region, now);
        backlog.overdue += u64::from(case.due_on.is_some_and(|due| due < today));
        let age = case.assigned_at.map_or(0, |assigned| calendars.working_days_of(case, assigned, now));
        if let Some(bucket) = AGE_BUCKETS.iter().position(|(most, _)| age <= *most) {
            counts[bucket] += 1;
        }
    }
    backlog.by_age =
        AGE_BUCKETS.iter().zip(counts).map(|((_, age), cases)| AgeBucket { age: (*age).to_owned(), cases }).collect();
    backlog
}

/// The levels of the tree, top down, by their names in figures.
pub const LEVELS: [&str; 4] = ["national", "province", "regency", "unit"];

/// The name the registry gives a level.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::National => "national",
        Level::Province => "province",
        Level::Regency => "regency",
        Level::Unit => "unit",
    }
}

/// One institution's figures in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RankedInstitution {
    /// Its place, 1 the best; absent with fewer than [`MIN_CASES`] cases.
    pub rank: Option<u32>,
    /// The institution.
    pub institution_id: String,
    /// Its name (its id if the registry no longer has it).
    pub name: String,
    /// Its level (`national`, `province`, `regency`, `unit`; `unknown` if gone).
    pub level: String,
    /// Its figures.
    pub figures: CaseFigures,
}

/// Figures of one level of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LevelFigures {
    /// The level.
    pub level: String,
    /// Institutions at it that were given cases.
    pub institutions: u64,
    /// Their cases' figures together.
    pub figures: CaseFigures,
}

fn level_of(registry: &Registry, institution: &str) -> String {
    registry.institution(institution).map_or("unknown", |found| level_name(found.level)).to_owned()
}

/// Every institution given cases among `cases`, with its figures, ranked by
/// the compliance index (ties: more cases first, then the id); those with
/// too few cases last and unranked.
pub fn ranking<'c>(
    cases: impl IntoIterator<Item = &'c CaseFacts>,
    registry: &Registry,
    calendars: &mut Calendars<'_>,
) -> Vec<RankedInstitution> {
    let mut by_institution: BTreeMap<&str, Vec<&CaseFacts>> = BTreeMap::new();
    for case in cases {
        by_institution.entry(case.institution_id.as_str()).or_default().push(case);
    }
    let mut ranked: Vec<RankedInstitution> = by_institution
        .into_iter()
        .map(|(institution, cases)| RankedInstitution {
            rank: None,
            institution_id: institution.to_owned(),
            name: registry.institution(institution).map_or(institution, |found| found.name.as_str()).to_owned(),
            level: level_of(registry, institution),
            figures: case_figures(cases, calendars),
        })
        .collect();
    let rankable =
        |entry: &RankedInstitution| entry.figures.cases >= MIN_CASES && entry.figures.compliance_index.is_some();
    ranked.sort_by(|a, b| {
        rankable(b)
            .cmp(&rankable(a))
            .then(b.figures.compliance_index.unwrap_or(-1.0).total_cmp(&a.figures.compliance_index.unwrap_or(-1.0)))
            .then(b.figures.cases.cmp(&a.figures.cases))
            .then(a.institution_id.cmp(&b.institution_id))
    });
    let mut place = 0;
    for entry in &mut ranked {
        if rankable(entry) {
            place += 1;
            entry.rank = Some(place);
        }
    }
    ranked
}

/// The figures of each level of the tree among `cases`.
pub fn by_level<'c>(
    cases: impl IntoIterator<Item = &'c CaseFacts>,
    registry: &Registry,
    calendars: &mut Calendars<'_>,
) -> Vec<LevelFigures> {
    let mut levels: BTreeMap<String, Vec<&CaseFacts>> = BTreeMap::new();
    for case in cases {
        levels.entry(level_of(registry, &case.institution_id)).or_default().push(case);
    }
    let order: Vec<&str> = LEVELS.iter().copied().chain(["unknown"]).collect();
    let mut figures: Vec<LevelFigures> = levels
        .into_iter()
        .map(|(level, cases)| {
            let mut institutions: Vec<&str> = cases.iter().map(|case| case.institution_id.as_str()).collect();
            institutions.sort_unstable();
            institutions.dedup();
            LevelFigures { level, institutions: institutions.len() as u64, figures: case_figures(cases, calendars) }
        })
        .collect();
    figures.sort_by_key(|level| order.iter().position(|known| *known == level.level));
    figures
}

/// The instants a period's days begin and end, on the country's clock.
pub fn bounds(period: &Period, registry: &Registry) -> (DateTime<Utc>, DateTime<Utc>) {
    let offset = registry.national_utc_offset();
    (start_of_day(period.from, offset), start_of_day(period.until, offset))
}

fn within((from, until): (DateTime<Utc>, DateTime<Utc>), at: Option<DateTime<Utc>>) -> bool {
    at.is_some_and(|at| from <= at && at < until)
}

/// The country's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NationalFigures {
    /// The period.
    pub period: Period,
    /// Every case given in the period.
    pub cases: CaseFigures,
    /// Every report filed in the period.
    pub reports: ReportFigures,
    /// Each level of the tree.
    pub levels: Vec<LevelFigures>,
    /// Every case open now.
    pub backlog: Backlog,
}

/// One institution's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstitutionFigures {
    /// The period.
    pub period: Period,
    /// The institution.
    pub institution_id: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: String,
    /// Its cases given in the period.
    pub figures: CaseFigures,
    /// Its cases open now.
    pub backlog: Backlog,
}

/// What the figures are computed from: facts (those outside the period are
/// left out here, whatever the caller loaded), the registry, and now.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// Reports (those filed in the period count).
    pub reports: &'a [ReportFacts],
    /// Cases (those given in the period count; those open now make the backlog).
    pub cases: &'a [CaseFacts],
    /// The registry: names, levels, calendars.
    pub registry: &'a Registry,
    /// Now, for the backlog.
    pub now: DateTime<Utc>,
}

impl Inputs<'_> {
    pub(crate) fn in_period<'c>(&'c self, period: &Period) -> impl Iterator<Item = &'c CaseFacts> + 'c {
        let bounds = bounds(period, self.registry);
        self.cases.iter().filter(move |case| within(bounds, case.assigned_at))
    }

    /// The country's figures in `period`.
    pub fn national(&self, period: &Period) -> NationalFigures {
        let mut calendars = Calendars::new(self.registry);
        let bounds = bounds(period, self.registry);
        NationalFigures {
            period: period.clone(),
            cases: case_figures(self.in_period(period), &mut calendars),
            reports: report_figures(self.reports.iter().filter(|report| within(bounds, report.filed_at))),
            levels: by_level(self.in_period(period), self.registry, &mut calendars),
            backlog: backlog(self.cases, &mut calendars, self.now),
        }
    }

    /// `institution`'s figures in `period`.
    pub fn institution(&self, institution: &str, period: &Period) -> InstitutionFigures {
        let mut calendars = Calendars::new(self.registry);
        let own = |case: &&CaseFacts| case.institution_id == institution;
        InstitutionFigures {
            period: period.clone(),
            institution_id: institution.to_owned(),
            name: self.registry.institution(institution).map_or(institution, |found| found.name.as_str()).to_owned(),
            level: level_of(self.registry, institution),
            figures: case_figures(self.in_period(period).filter(own), &mut calendars),
            backlog: backlog(self.cases.iter().filter(own), &mut calendars, self.now),
        }
    }

    /// Every institution ranked in `period`, at `level` only if given.
    pub fn ranking(&self, period: &Period, level: Option<&str>) -> Vec<RankedInstitution> {
        let mut calendars = Calendars::new(self.registry);
        let cases = self
            .in_period(period)
            .filter(|case| level.is_none_or(|level| level_of(self.registry, &case.institution_id) == level));
        ranking(cases, self.registry, &mut calendars)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_years_quarters_and_months() {
        let q3 = Period::parse("2026-Q3").unwrap();
        assert_eq!((q3.from.to_string(), q3.until.to_string()), ("2026-07-01".into(), "2026-10-01".into()));
        let december = Period::parse("2026-12").unwrap();
        assert_eq!(december.until.to_string(), "2027-01-01");
        assert_eq!(Period::parse("2026").unwrap().until.to_string(), "2027-01-01");
        for bad in ["2026-Q5", "2026-13", "26", "2026-W01", "", "2026-Q", "+2026", "2026-+7", "2026-Q+3", "2026-7"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let q4 = Period::quarter_of(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(q4, Period::parse("2026-Q4").unwrap());
    }

    #[test]
    fn the_index_weighs_what_there_is_to_count() {
        let all = CaseFigures {
            first_follow_up_on_time: Some(100.0),
            follow_up_rate: Some(100.0),
            resolution_on_time: Some(50.0),
            mean_rating: Some(3.0),
            ..CaseFigures::default()
        };
        // 30 + 20 + 17.5 + 7.5
        assert_eq!(compliance_index(&all), Some(75.0));
        let unrated = CaseFigures { mean_rating: None, ..all.clone() };
        assert_eq!(compliance_index(&unrated), Some(round1(67.5 / 85.0 * 100.0)));
        assert_eq!(compliance_index(&CaseFigures::default()), None);
    }

    fn day(date: &str) -> DateTime<Utc> {
        NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(3, 0, 0).unwrap().and_utc()
    }

    #[test]
    fn days_waiting_for_the_citizen_do_not_count_and_a_case_in_its_first_days_is_not_judged() {
        let registry = Registry::demo();
        let mut calendars = Calendars::new(&registry);
        let case = |id: &str| CaseFacts {
            report_id: id.into(),
            institution_id: "bandung-dpu".into(),
            region: "32.73".into(),
            assigned_at: Some(day("2026-07-06")),
            waiting: "[]".into(),
            ..CaseFacts::default()
        };
        // Monday to the next Monday: five working days, two of them waiting for the citizen.
        let waited = serde_json::to_string(&[(day("2026-07-07").timestamp(), day("2026-07-09").timestamp())]).unwrap();
        let resolved = CaseFacts {
            first_response_at: Some(day("2026-07-08")),
            resolved_at: Some(day("2026-07-13")),
            waiting: waited,
            ..case("resolved")
        };
        let late = CaseFacts { first_follow_up_late: true, ..case("late") };
        let fresh = case("fresh");
        let figures = case_figures([&resolved, &late, &fresh], &mut calendars);
        assert_eq!(figures.median_days_to_resolve, Some(3.0));
        assert_eq!(figures.follow_up_rate, Some(50.0), "the fresh case is not judged yet: {figures:?}");
        assert_eq!(figures.first_follow_up_on_time, Some(50.0));
        assert_eq!(figures.cases, 3);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let days: Vec<u32> = (1..=10).collect();
        assert_eq!((median(&days), percentile(&days, 90.0)), (Some(5.5), Some(9.0)));
        assert_eq!((median(&[4]), percentile(&[4], 90.0)), (Some(4.0), Some(4.0)));
        assert_eq!(median(&[]), None);
    }
}
