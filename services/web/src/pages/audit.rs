//! The auditors' pages: the country's figures in a period, with each level
//! of the tree and the ranking of institutions; one institution's figures;
//! their CSV and JSON exports; and the public's open data. Every chart is an
//! SVG drawn here, with a table of the same numbers beside it, so the page
//! needs no script and a screen reader reads the table.

use aduan_audit::figures::{
    Backlog, CaseFigures, InstitutionFigures, NationalFigures, RankedInstitution, ReportFigures,
};
use aduan_audit::open_data::{OpenData, Scope};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Chrome, PageError, path_segment, query_value};
use crate::WebState;
use crate::api::Service;
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// The institutions the ranking's chart shows.
const CHART_TOP: usize = 15;

/// Which period, and whether the page or an export.
#[derive(Debug, Default, Deserialize)]
pub struct FiguresQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

impl FiguresQuery {
    fn period(&self) -> Vec<(&'static str, &str)> {
        self.period
            .as_deref()
            .filter(|period| !period.trim().is_empty())
            .map(|period| ("period", period.trim()))
            .into_iter()
            .collect()
    }
}

/// One bar of a chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What it stands for.
    pub label: String,
    /// Its value, as shown.
    pub text: String,
    /// Its length, 0 to [`BAR_SPACE`].
    pub length: f64,
    /// Its top, from the chart's top.
    pub y: u32,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Its element id (the title's is `<id>-title`).
    pub id: String,
    /// What it shows.
    pub title: String,
    /// Its bars, top to bottom.
    pub bars: Vec<Bar>,
    /// Its height.
    pub height: u32,
}

/// Where bars begin (labels to their left) and how long the longest is.
pub const BAR_START: u32 = 260;
/// The room for a bar.
pub const BAR_SPACE: f64 = 260.0;
const ROW: u32 = 26;

impl BarChart {
    /// Bars of `values` (label, value), scaled to `most` (the longest bar).
    pub fn new(id: &str, title: String, values: Vec<(String, f64, String)>, most: f64) -> Self {
        let bars: Vec<Bar> = values
            .into_iter()
            .zip(0u32..)
            .map(|((label, value, text), row)| Bar {
                label,
                text,
                length: if most > 0.0 { (value / most).clamp(0.0, 1.0) * BAR_SPACE } else { 0.0 },
                y: row * ROW + 4,
            })
            .collect();
        let height = u32::try_from(bars.len()).unwrap_or(0) * ROW + 8;
        Self { id: id.to_owned(), title, bars, height }
    }
}

/// A figure's name and value, as a table row.
#[derive(Debug, Clone)]
pub struct FigureRow {
    /// Its name.
    pub name: String,
    /// Its value, formatted.
    pub value: String,
    /// Whether it marks a failing (a follow-up rate below half).
    pub failing: bool,
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{value:.1}%"))
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{value}"))
}

/// The rows of a set of cases' figures.
fn case_rows(tr: Tr, figures: &CaseFigures) -> Vec<FigureRow> {
    let row = |key: &str, value: String| FigureRow { name: tr.name_of("figure", key), value, failing: false };
    vec![
        row("cases", figures.cases.to_string()),
        row("misrouting_rate", format!("{} ({})", percent(figures.misrouting_rate), figures.returned)),
        row("first_follow_up_on_time", percent(figures.first_follow_up_on_time)),
        FigureRow {
            failing: figures.follow_up_good == Some(false),
            ..row(
                "follow_up_rate",
                match figures.follow_up_good {
                    Some(false) => format!("{} · {}", percent(figures.follow_up_rate), tr.t("figure-not-good")),
                    _ => percent(figures.follow_up_rate),
                },
            )
        },
        row("resolved", figures.resolved.to_string()),
        row("resolution_on_time", percent(figures.resolution_on_time)),
        row("median_days_to_resolve", number(figures.median_days_to_resolve)),
        row("p90_days_to_resolve", number(figures.p90_days_to_resolve)),
        row("reopen_rate", percent(figures.reopen_rate)),
        row("appeal_rate", percent(figures.appeal_rate)),
        row(
            "appeal_outcomes",
            tr.tn(
                "figure-appeal-outcomes-value",
                &[
                    ("upheld", figures.appeals_upheld.to_string()),
                    ("taken_up", figures.appeals_taken_up.to_string()),
                    ("pending", figures.appeals_pending.to_string()),
                ],
            ),
        ),
        row("mean_rating", format!("{} ({})", number(figures.mean_rating), figures.rated)),
        row(
            "fixed",
            tr.tn(
                "figure-fixed-value",
                &[
                    ("yes", figures.fixed_yes.to_string()),
                    ("partly", figures.fixed_partly.to_string()),
                    ("no", figures.fixed_no.to_string()),
                ],
            ),
        ),
        row("escalations", figures.escalations.to_string()),
        row("compliance_index", number(figures.compliance_index)),
    ]
}

fn report_rows(tr: Tr, figures: &ReportFigures) -> Vec<FigureRow> {
    let row = |key: &str, value: String| FigureRow { name: tr.name_of("figure", key), value, failing: false };
    vec![
        row("filed", figures.filed.to_string()),
        row("verified", figures.verified.to_string()),
        row("verification_on_time", percent(figures.verification_on_time)),
        row("archived", format!("{} ({})", figures.archived, percent(figures.archived_share))),
        row("merged", figures.merged.to_string()),
        row("privacy_raised", figures.privacy_raised.to_string()),
        row("publication_changed", figures.publication_changed.to_string()),
        row("referred_to_ombudsman", figures.referred_to_ombudsman.to_string()),
    ]
}

fn backlog_chart(tr: Tr, backlog: &Backlog) -> BarChart {
    let most = backlog.by_age.iter().map(|bucket| bucket.cases).max().unwrap_or(0) as f64;
    let values = backlog
        .by_age
        .iter()
        .map(|bucket| (tr.t1("figure-age", "days", &bucket.age), bucket.cases as f64, bucket.cases.to_string()))
        .collect();
    BarChart::new("backlog-chart", tr.t("figure-backlog"), values, most)
}

/// A level of the tree, as the page lists it.
#[derive(Debug, Clone)]
pub struct LevelRow {
    /// Its name.
    pub level: String,
    /// Institutions given cases.
    pub institutions: u64,
    /// Their figures.
    pub figures: CaseFigures,
}

/// An institution in the ranking, as the page lists it.
#[derive(Debug, Clone)]
pub struct RankRow {
    /// Its place, or a dash.
    pub rank: String,
    /// Its page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: String,
    /// Its figures.
    pub figures: CaseFigures,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    period: String,
    period_query: String,
    cases: Vec<FigureRow>,
    reports: Vec<FigureRow>,
    levels: Vec<LevelRow>,
    levels_chart: BarChart,
    backlog: Backlog,
    backlog_chart: BarChart,
    ranking: Vec<RankRow>,
    ranking_chart: BarChart,
}

fn level_name(tr: Tr, level: &str) -> String {
    tr.name_of("level", level)
}

fn download(name: &str, content_type: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// `/staff/audit`: the country's figures in a period (`?format=json` the
/// figures, `?format=csv` the ranking, as files).
pub async fn figures(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let period = query.period();
    match query.format.as_deref() {
        Some("csv") => {
            let mut csv_query = period.clone();
            csv_query.push(("format", "csv"));
            let csv =
                state.services.get_text(Service::Audit, "/api/v1/figures/ranking", &csv_query, staff.token()).await?;
            let label = query.period.as_deref().unwrap_or("current");
            return Ok(download(&format!("aduan-ranking-{}.csv", path_segment(label)), "text/csv; charset=utf-8", csv));
        }
        Some("json") => {
            let json = state.services.get_text(Service::Audit, "/api/v1/figures", &period, staff.token()).await?;
            let label = query.period.as_deref().unwrap_or("current");
            return Ok(download(&format!("aduan-figures-{}.json", path_segment(label)), "application/json", json));
        }
        _ => {}
    }
    let national: NationalFigures =
        state.services.get(Service::Audit, "/api/v1/figures", &period, staff.token()).await?;
    let ranked: Vec<RankedInstitution> =
        state.services.get(Service::Audit, "/api/v1/figures/ranking", &period, staff.token()).await?;
    let label = national.period.label.clone();
    let levels_chart = BarChart::new(
        "levels-chart",
        tr.t("figure-index-by-level"),
        national
            .levels
            .iter()
            .map(|level| {
                let index = level.figures.compliance_index;
                (level_name(tr, &level.level), index.unwrap_or(0.0), number(index))
            })
            .collect(),
        100.0,
    );
    let ranking_chart = BarChart::new(
        "ranking-chart",
        tr.t1("figure-index-top", "count", CHART_TOP.to_string()),
        ranked
            .iter()
            .filter(|entry| entry.rank.is_some())
            .take(CHART_TOP)
            .map(|entry| {
                let index = entry.figures.compliance_index;
                (entry.name.clone(), index.unwrap_or(0.0), number(index))
            })
            .collect(),
        100.0,
    );
    let chrome = Chrome::staff(lang, &staff, "/staff/audit").await?;
    let page = AuditPage {
        period_query: query_value(&label),
        cases: case_rows(tr, &national.cases),
        reports: report_rows(tr, &national.reports),
        levels: national
            .levels
            .into_iter()
            .map(|level| LevelRow {
                level: level_name(tr, &level.level),
                institutions: level.institutions,
                figures: level.figures,
            })
            .collect(),
        levels_chart,
        backlog_chart: backlog_chart(tr, &national.backlog),
        backlog: national.backlog,
        ranking: ranked
            .into_iter()
            .map(|entry| RankRow {
                rank: entry.rank.map_or_else(|| "—".to_owned(), |rank| rank.to_string()),
                href: format!(
                    "/staff/audit/institutions/{}?period={}",
                    path_segment(&entry.institution_id),
                    query_value(&label)
                ),
                name: entry.name,
                level: level_name(tr, &entry.level),
                figures: entry.figures,
            })
            .collect(),
        ranking_chart,
        period: label,
        chrome,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "audit_institution.html")]
struct InstitutionPage {
    chrome: Chrome,
    name: String,
    level: String,
    period: String,
    json_href: String,
    cases: Vec<FigureRow>,
    backlog: Backlog,
    backlog_chart: BarChart,
    samples: Vec<super::reviews::SampleRow>,
    may_draw: bool,
    draw_action: String,
}

/// `/staff/audit/institutions/{id}`: one institution's figures in a period
/// (`?format=json` as a file), for auditors and those answering for it.
pub async fn institution(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let period = query.period();
    let path = format!("/api/v1/figures/institutions/{}", path_segment(&id));
    if query.format.as_deref() == Some("json") {
        let json = state.services.get_text(Service::Audit, &path, &period, staff.token()).await?;
        return Ok(download(&format!("aduan-figures-{}.json", path_segment(&id)), "application/json", json));
    }
    let figures: InstitutionFigures = state.services.get(Service::Audit, &path, &period, staff.token()).await?;
    let here = format!("/staff/audit/institutions/{}", path_segment(&id));
    let label = figures.period.label.clone();
    let samples = super::reviews::samples_of(&state, &staff, &id, tr).await?;
    let chrome = Chrome::staff(lang, &staff, &here).await?;
    let page = InstitutionPage {
        samples,
        may_draw: staff.me.holds(aduan_access::StaffRole::Auditor),
        draw_action: format!("{here}/samples"),
        json_href: format!("{here}?period={}&format=json", query_value(&label)),
        name: figures.name,
        level: level_name(tr, &figures.level),
        cases: case_rows(tr, &figures.figures),
        backlog_chart: backlog_chart(tr, &figures.backlog),
        backlog: figures.backlog,
        period: label,
        chrome,
    };
    Ok(Html(page.render()?).into_response())
}

/// A row of the open data, as the page lists it.
#[derive(Debug, Clone)]
pub struct OpenRow {
    /// The institution's or the category's name.
    pub name: String,
    /// Withheld: fewer than five cases.
    pub suppressed: bool,
    /// Cases.
    pub cases: String,
    /// Follow-up rate.
    pub follow_up_rate: String,
    /// Resolution in time.
    pub resolution_on_time: String,
    /// Median days to resolve.
    pub median_days: String,
    /// Compliance index.
    pub index: String,
}

impl OpenRow {
    fn of(name: String, cell: &aduan_audit::open_data::OpenCell) -> Self {
        Self {
            name,
            suppressed: cell.suppressed,
            cases: cell.cases.map_or_else(|| "—".to_owned(), |cases| cases.to_string()),
            follow_up_rate: percent(cell.follow_up_rate),
            resolution_on_time: percent(cell.resolution_on_time),
            median_days: number(cell.median_days_to_resolve),
            index: number(cell.compliance_index),
        }
    }
}

#[derive(Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    chrome: Chrome,
    period: String,
    period_query: String,
    suppressed_below: u64,
    empty: bool,
    tables: Vec<OpenTable>,
}

/// One table of the open data.
#[derive(Debug, Clone)]
pub struct OpenTable {
    /// Its element id.
    pub id: &'static str,
    /// Its caption.
    pub caption: String,
    /// Its rows.
    pub rows: Vec<OpenRow>,
}

/// `/open-data`: the public's figures per institution, with the files
/// (`?format=csv` or `json`) for anyone to download.
pub async fn open_data(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let period = query.period();
    if let Some(format @ ("csv" | "json")) = query.format.as_deref() {
        let mut file_query = period.clone();
        file_query.push(("format", format));
        let body = state.services.get_text(Service::Audit, "/api/v1/open-data", &file_query, None).await?;
        let label = query.period.as_deref().unwrap_or("current");
        let content_type = if format == "csv" { "text/csv; charset=utf-8" } else { "application/json" };
        return Ok(download(&format!("aduan-open-data-{}.{format}", path_segment(label)), content_type, body));
    }
    let data: OpenData = state.services.get(Service::Audit, "/api/v1/open-data", &period, None).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let categories: Vec<serde_json::Value> =
        state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let category_name = |id: &str| {
        categories
            .iter()
            .find(|category| category["id"] == id)
            .and_then(|category| category["name"].as_str())
            .unwrap_or(id)
            .to_owned()
    };
    let rows_of = |scope: Scope| data.cells.iter().filter(move |cell| cell.scope == scope);
    let institution_rows: Vec<OpenRow> =
        rows_of(Scope::Institution).map(|cell| OpenRow::of(institutions.name(&cell.id), cell)).collect();
    let category_rows: Vec<OpenRow> =
        rows_of(Scope::Category).map(|cell| OpenRow::of(category_name(&cell.id), cell)).collect();
    let chrome = Chrome::citizen(lang, &session, "/open-data").await?;
    let page = OpenDataPage {
        chrome,
        period_query: query_value(&data.period.label),
        period: data.period.label,
        suppressed_below: data.suppressed_below,
        empty: data.cells.is_empty(),
        tables: vec![
            OpenTable { id: "open-data", caption: tr.t("open-data-institutions"), rows: institution_rows },
            OpenTable { id: "open-data-categories", caption: tr.t("open-data-categories"), rows: category_rows },
        ],
    };
    Ok(Html(page.render()?).into_response())
}
