//! The public record: published reports (public and anonymous ones, once
//! verified, as intake publishes them) with search and filters, and each
//! report with its progress and the institutions' answers.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use tower_sessions::Session;

use super::citizen::{photo_links, region_groups, timeline};
use super::{Chrome, PageError, path_segment, query_value, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};

/// The filters of the list, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct PublicFilters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

impl PublicFilters {
    /// The filters that are set, as query pairs (without the cursor).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [("q", &self.q), ("category", &self.category), ("region", &self.region), ("status", &self.status)]
            .into_iter()
            .map(|(name, value)| (name, value.trim()))
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }
}

/// A report in the list.
struct Listed {
    code: String,
    title: String,
    status: String,
    institution: String,
    filed_at: String,
    region: String,
}

#[derive(Template)]
#[template(path = "public_reports.html")]
struct ListPage {
    chrome: Chrome,
    filters: PublicFilters,
    categories: Vec<(String, String)>,
    regions: Vec<(String, Vec<(String, String)>)>,
    reports: Vec<Listed>,
    next: Option<String>,
    error: Option<String>,
}

fn date(value: &Value, key: &str) -> String {
    text(value, key).chars().take(10).collect()
}

/// `GET /reports`: the published reports, newest first, with filters.
pub async fn list(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Query(filters): Query<PublicFilters>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let chrome = Chrome::citizen(lang, &session, "/reports").await?;
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let category_names: Vec<(String, String)> =
        categories.iter().map(|category| (text(category, "id"), text(category, "name"))).collect();
    let regions = region_groups(&state, tr).await?;
    let mut query = filters.pairs();
    if !filters.after.is_empty() {
        query.push(("after", filters.after.as_str()));
    }
    let (reports, next, error) =
        match state.services.get::<Value>(Service::Intake, "/api/v1/public/reports", &query, None).await {
            Ok(page) => {
                let reports = page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|report| Listed {
                        code: text(report, "tracking_code"),
                        title: text(report, "title"),
                        status: tr.name_of("status", &text(report, "status")),
                        institution: text(report, "institution"),
                        filed_at: date(report, "filed_at"),
                        region: region_name(&regions, &text(report, "region")),
                    })
                    .collect();
                let next = page["next"].as_str().map(|cursor| {
                    let mut pairs: Vec<String> =
                        filters.pairs().iter().map(|(name, value)| format!("{name}={}", query_value(value))).collect();
                    pairs.push(format!("after={}", query_value(cursor)));
                    format!("/reports?{}", pairs.join("&"))
                });
                (reports, next, None)
            }
            Err(failure @ ApiFailure::Refused { .. }) => (Vec::new(), None, Some(super::refusal_message(tr, &failure))),
            Err(failure) => return Err(failure.into()),
        };
    let page = ListPage { chrome, filters, categories: category_names, regions, reports, next, error };
    Ok(Html(page.render()?).into_response())
}

fn region_name(groups: &[(String, Vec<(String, String)>)], code: &str) -> String {
    groups
        .iter()
        .flat_map(|(_, members)| members)
        .find(|(member, _)| member == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name.clone())
}

#[derive(Template)]
#[template(path = "public_report.html")]
struct ReportPage {
    chrome: Chrome,
    code: String,
    title: String,
    description: String,
    status: String,
    institution: String,
    kind: String,
    category: String,
    address: Option<String>,
    /// The map point as `latitude, longitude`, and a map that shows it.
    point: Option<(String, String)>,
    filed_at: String,
    updates: Vec<(String, String, String)>,
    photos: Vec<String>,
}

/// `GET /reports/{code}`: one published report with its progress.
pub async fn report(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let path = format!("/api/v1/public/reports/{}", path_segment(&code));
    let report: Value = state.services.get(Service::Intake, &path, &[], None).await?;
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let category = text(&report, "category");
    let category =
        categories.iter().find(|known| text(known, "id") == category).map_or(category, |known| text(known, "name"));
    let chrome = Chrome::citizen(lang, &session, &format!("/reports/{}", path_segment(&code))).await?;
    let updates = timeline(tr, &report);
    let listed: Value = state
        .services
        .get(Service::Intake, &format!("/api/v1/reports/{}/photos", path_segment(&code)), &[], None)
        .await
        .unwrap_or_default();
    let photos = photo_links(&format!("/reports/{}", path_segment(&code)), &listed);
    let page = ReportPage {
        photos,
        code: text(&report, "tracking_code"),
        title: text(&report, "title"),
        description: text(&report, "description"),
        status: tr.name_of("status", &text(&report, "status")),
        institution: report["institution"].as_str().map_or_else(|| tr.t("report-not-assigned"), str::to_owned),
        kind: tr.name_of("kind", &text(&report, "kind")),
        category,
        address: report["address"].as_str().map(str::to_owned),
        point: report["location"]["latitude"].as_f64().zip(report["location"]["longitude"].as_f64()).map(
            |(latitude, longitude)| {
                let map = format!(
                    "https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=18/{latitude}/{longitude}"
                );
                (format!("{latitude}, {longitude}"), map)
            },
        ),
        filed_at: date(&report, "filed_at"),
        updates,
        chrome,
    };
    Ok(Html(page.render()?).into_response())
}
