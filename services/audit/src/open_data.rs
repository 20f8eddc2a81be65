//! The public's share of the figures: per institution and per category, no
//! report's id, no date finer than the period, no free text at all (the
//! public record, in intake, is where published words are), and every cell
//! counting fewer than [`MIN_CASES`] cases suppressed, so a figure cannot
//! point at one citizen's case.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::facts::CaseFacts;
use crate::figures::{Calendars, CaseFigures, Inputs, MIN_CASES, Period, case_figures};

/// One institution's figures in one category, or one institution's overall
/// (`category` absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenCell {
    /// The institution.
    pub institution_id: String,
    /// The category; absent on the institution's overall row.
    pub category: Option<String>,
    /// Fewer than five cases: every figure withheld.
    pub suppressed: bool,
    /// Cases given in the period (absent when suppressed).
    pub cases: Option<u64>,
    /// Of them resolved.
    pub resolved: Option<u64>,
    /// Follow-up rate (%).
    pub follow_up_rate: Option<f64>,
    /// Resolution within the deadline (%).
    pub resolution_on_time: Option<f64>,
    /// Median working days to resolve.
    pub median_days_to_resolve: Option<f64>,
    /// Misrouting (%).
    pub misrouting_rate: Option<f64>,
    /// Mean rating, 1 to 5.
    pub mean_rating: Option<f64>,
    /// The compliance index.
    pub compliance_index: Option<f64>,
}

/// The open data of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenData {
    /// The period.
    pub period: Period,
    /// Cells counting fewer cases than this are suppressed.
    pub suppressed_below: u64,
    /// Each institution overall, then by category.
    pub cells: Vec<OpenCell>,
}

fn cell(institution_id: &str, category: Option<&str>, figures: CaseFigures) -> OpenCell {
    let suppressed = figures.cases < MIN_CASES;
    let count = |value: u64| (!suppressed).then_some(value);
    let kept = |value: Option<f64>| value.filter(|_| !suppressed);
    OpenCell {
        institution_id: institution_id.to_owned(),
        category: category.map(str::to_owned),
        suppressed,
        cases: count(figures.cases),
        resolved: count(figures.resolved),
        follow_up_rate: kept(figures.follow_up_rate),
        resolution_on_time: kept(figures.resolution_on_time),
        median_days_to_resolve: kept(figures.median_days_to_resolve),
        misrouting_rate: kept(figures.misrouting_rate),
        mean_rating: kept(figures.mean_rating),
        compliance_index: kept(figures.compliance_index),
    }
}

/// The open data of `period`.
pub fn open_data(inputs: &Inputs<'_>, period: &Period) -> OpenData {
    let mut calendars = Calendars::new(inputs.registry);
    let mut by_institution: BTreeMap<&str, BTreeMap<&str, Vec<&CaseFacts>>> = BTreeMap::new();
    for case in inputs.in_period(period) {
        by_institution
            .entry(case.institution_id.as_str())
            .or_default()
            .entry(case.category.as_str())
            .or_default()
            .push(case);
    }
    let mut cells = Vec::new();
    for (institution, categories) in by_institution {
        let all = categories.values().flatten().copied();
        cells.push(cell(institution, None, case_figures(all, &mut calendars)));
        for (category, cases) in categories {
            cells.push(cell(institution, Some(category), case_figures(cases, &mut calendars)));
        }
    }
    OpenData { period: period.clone(), suppressed_below: MIN_CASES, cells }
}

/// The open data as CSV: a header, then one line per cell.
pub fn to_csv(data: &OpenData) -> String {
    let mut out = String::from(
        "period,institution_id,category,suppressed,cases,resolved,follow_up_rate,resolution_on_time,\
         median_days_to_resolve,misrouting_rate,mean_rating,compliance_index\n",
    );
    let number = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    let count = |value: Option<u64>| value.map(|value| value.to_string()).unwrap_or_default();
    for cell in &data.cells {
        let fields = [
            crate::csv::field(&data.period.label),
            crate::csv::field(&cell.institution_id),
            crate::csv::field(cell.category.as_deref().unwrap_or("")),
            cell.suppressed.to_string(),
            count(cell.cases),
            count(cell.resolved),
            number(cell.follow_up_rate),
            number(cell.resolution_on_time),
            number(cell.median_days_to_resolve),
            number(cell.misrouting_rate),
            number(cell.mean_rating),
            number(cell.compliance_index),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}
