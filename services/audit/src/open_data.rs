//! The public's share of the figures, by quarter: each institution's, and
//! each category's across the country. No report's id, no date finer than
//! the quarter, no free text at all (the public record, in intake, is where
//! published words are). A cell counting fewer than [`MIN_CASES`] cases is
//! suppressed, and so are a rating or a time to resolve resting on fewer
//! than that many: a figure cannot point at one citizen's case. Quarters do
//! not overlap and the two tables do not nest (institutions by category are
//! not published), so no suppressed cell comes back by subtraction.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::csv;
use crate::facts::CaseFacts;
use crate::figures::{Calendars, CaseFigures, Inputs, MIN_CASES, Period, case_figures};

/// What a row of the open data is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One institution, all its cases.
    Institution,
    /// One category, across the country.
    Category,
}

/// One row of the open data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenCell {
    /// What it is about.
    pub scope: Scope,
    /// The institution's or the category's id.
    pub id: String,
    /// Fewer than five cases: every figure withheld.
    pub suppressed: bool,
    /// Cases given in the quarter (absent when suppressed).
    pub cases: Option<u64>,
    /// Of them resolved.
    pub resolved: Option<u64>,
    /// Follow-up rate (%).
    pub follow_up_rate: Option<f64>,
    /// Resolution within the deadline (%).
    pub resolution_on_time: Option<f64>,
    /// Median working days to resolve (absent under five resolved).
    pub median_days_to_resolve: Option<f64>,
    /// Misrouting (%).
    pub misrouting_rate: Option<f64>,
    /// Mean rating, 1 to 5 (absent under five rated).
    pub mean_rating: Option<f64>,
    /// The compliance index.
    pub compliance_index: Option<f64>,
}

/// The open data of a quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenData {
    /// The quarter.
    pub period: Period,
    /// Cells counting fewer cases than this are suppressed.
    pub suppressed_below: u64,
    /// Each institution, then each category across the country.
    pub cells: Vec<OpenCell>,
}

/// Whether `period` is one the open data is published for: a quarter.
pub fn is_quarter(period: &Period) -> bool {
    period.label.len() == 7 && period.label.as_bytes()[5] == b'Q'
}

fn cell(scope: Scope, id: &str, figures: CaseFigures) -> OpenCell {
    let shown = figures.cases >= MIN_CASES;
    let count = |value: u64| shown.then_some(value);
    let kept = |value: Option<f64>| value.filter(|_| shown);
    OpenCell {
        scope,
        id: id.to_owned(),
        suppressed: !shown,
        cases: count(figures.cases),
        resolved: count(figures.resolved),
        follow_up_rate: kept(figures.follow_up_rate),
        resolution_on_time: kept(figures.resolution_on_time),
        median_days_to_resolve: kept(figures.median_days_to_resolve).filter(|_| figures.resolved >= MIN_CASES),
        misrouting_rate: kept(figures.misrouting_rate),
        mean_rating: kept(figures.mean_rating).filter(|_| figures.rated >= MIN_CASES),
        compliance_index: kept(figures.compliance_index),
    }
}

/// The open data of `period` (a quarter).
pub fn open_data(inputs: &Inputs<'_>, period: &Period) -> OpenData {
    let mut calendars = Calendars::new(inputs.registry);
    let mut institutions: BTreeMap<&str, Vec<&CaseFacts>> = BTreeMap::new();
    let mut categories: BTreeMap<&str, Vec<&CaseFacts>> = BTreeMap::new();
    for case in inputs.in_period(period) {
        institutions.entry(case.institution_id.as_str()).or_default().push(case);
        categories.entry(case.category.as_str()).or_default().push(case);
    }
    let mut cells = Vec::new();
    for (institution, cases) in institutions {
        cells.push(cell(Scope::Institution, institution, case_figures(cases, &mut calendars)));
    }
    for (category, cases) in categories {
        cells.push(cell(Scope::Category, category, case_figures(cases, &mut calendars)));
    }
    OpenData { period: period.clone(), suppressed_below: MIN_CASES, cells }
}

/// The open data as CSV: a header, then one line per cell.
pub fn to_csv(data: &OpenData) -> String {
    let mut out = String::from(
        "period,scope,id,suppressed,cases,resolved,follow_up_rate,resolution_on_time,\
         median_days_to_resolve,misrouting_rate,mean_rating,compliance_index\n",
    );
    for cell in &data.cells {
        let scope = match cell.scope {
            Scope::Institution => "institution",
            Scope::Category => "category",
        };
        let fields = [
            csv::field(&data.period.label),
            scope.to_owned(),
            csv::field(&cell.id),
            cell.suppressed.to_string(),
            csv::count(cell.cases),
            csv::count(cell.resolved),
            csv::number(cell.follow_up_rate),
            csv::number(cell.resolution_on_time),
            csv::number(cell.median_days_to_resolve),
            csv::number(cell.misrouting_rate),
            csv::number(cell.mean_rating),
            csv::number(cell.compliance_index),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// How long the public's open data of a quarter is served as computed:
/// anyone may ask for it, and it costs a quarter's cases to make.
const KEPT_FOR: Duration = Duration::from_secs(60);

/// Each quarter's open data and when it was made.
type Made = HashMap<String, (Instant, Arc<OpenData>)>;

/// The open data made in the last minute, by quarter.
#[derive(Debug, Clone, Default)]
pub struct OpenDataCache(Arc<Mutex<Made>>);

impl OpenDataCache {
    /// The quarter's open data if made less than a minute ago.
    pub fn get(&self, quarter: &str) -> Option<Arc<OpenData>> {
        let kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(quarter).filter(|(made, _)| made.elapsed() < KEPT_FOR).map(|(_, data)| data.clone())
    }

    /// Keeps the quarter's open data for a minute.
    pub fn put(&self, data: Arc<OpenData>) {
        let mut kept = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.retain(|_, (made, _)| made.elapsed() < KEPT_FOR);
        kept.insert(data.period.label.clone(), (Instant::now(), data));
    }
}
