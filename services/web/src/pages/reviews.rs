//! Sampled reviews on the pages: an auditor draws a sample of an
//! institution's closed cases from its figures page, opens each case, and
//! scores it against the rubric with findings; the institution's
//! coordinators and supervisors read the findings on the same pages.

use std::collections::BTreeMap;

use aduan_access::StaffRole;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Flash, PageError, path_segment, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// A sample, as the institution's figures page lists it.
#[derive(Debug, Clone)]
pub struct SampleRow {
    /// Its page.
    pub href: String,
    /// Its period.
    pub period: String,
    /// When it was drawn (the day).
    pub drawn_on: String,
    /// Reviewed of drawn.
    pub progress: String,
}

/// An institution's samples, newest first.
pub async fn samples_of(
    state: &WebState,
    staff: &Staff,
    institution: &str,
    tr: Tr,
) -> Result<Vec<SampleRow>, PageError> {
    let samples: Vec<Value> = state
        .services
        .get(Service::Audit, "/api/v1/review-samples", &[("institution", institution)], staff.token())
        .await?;
    Ok(samples
        .iter()
        .map(|sample| SampleRow {
            href: format!("/staff/audit/samples/{}", path_segment(&text(sample, "id"))),
            period: text(sample, "period"),
            drawn_on: text(sample, "drawn_at").chars().take(10).collect(),
            progress: tr.tn(
                "review-progress",
                &[
                    ("reviewed", sample["reviewed"].as_u64().unwrap_or(0).to_string()),
                    ("drawn", sample["cases"].as_array().map_or(0, Vec::len).to_string()),
                ],
            ),
        })
        .collect())
}

/// What the draw form sends.
#[derive(Debug, Default, Deserialize)]
pub struct DrawFields {
    #[serde(default)]
    period: String,
    #[serde(default)]
    size: String,
}

/// `POST /staff/audit/institutions/{id}/samples`: draws a sample and opens it.
pub async fn draw(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(institution): Path<String>,
    Form(fields): Form<DrawFields>,
) -> Result<Response, PageError> {
    let back = format!("/staff/audit/institutions/{}", path_segment(&institution));
    let body = json!({
        "institution_id": institution,
        "period": fields.period.trim(),
        // Not a number: audit says why, beside the form.
        "size": fields.size.trim().parse::<u32>().unwrap_or(0),
    });
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Audit, "/api/v1/review-samples", Some(&body), staff.token()).await;
    match answer {
        Ok(sample) => Ok(see_other(&format!("/staff/audit/samples/{}", path_segment(&text(&sample, "id"))))),
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("sample", refusal_message(Tr(lang), &failure), None).keep(&staff.session).await?;
            Ok(see_other(&back))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// A criterion of the rubric, as the form and the reviews show it.
#[derive(Debug, Clone)]
pub struct CriterionRow {
    /// Its stable name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// What it asks.
    pub question: String,
}

/// A case of the sample, with its review or the form to write it.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// Its report.
    pub report_id: String,
    /// The case's page, if the case is known.
    pub case_href: Option<String>,
    /// When it closed.
    pub closed_on: String,
    /// The citizen's rating.
    pub rating: String,
    /// Scores by criterion label, once reviewed.
    pub scores: Vec<(String, u64)>,
    /// Total of most.
    pub total: String,
    /// The findings, once reviewed.
    pub findings: Option<String>,
    /// Why the last try at reviewing it was refused.
    pub error: Option<String>,
    /// What was typed in that try.
    pub typed: String,
}

#[derive(Template)]
#[template(path = "review_sample.html")]
struct SamplePage {
    chrome: Chrome,
    id: String,
    institution_name: String,
    institution_href: String,
    period: String,
    seed: String,
    criteria: Vec<CriterionRow>,
    cases: Vec<CaseRow>,
    reviews: bool,
}

/// The name of the review form of one case, for its refusal and what was typed.
fn review_form(report_id: &str) -> String {
    format!("review-{report_id}")
}

/// `/staff/audit/samples/{id}`: the cases of a sample, their reviews, and
/// for auditors the rubric's form on each case not yet reviewed.
pub async fn sample(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let here = format!("/staff/audit/samples/{}", path_segment(&id));
    let sample: Value = state
        .services
        .get(Service::Audit, &format!("/api/v1/review-samples/{}", path_segment(&id)), &[], staff.token())
        .await?;
    let rubric: Vec<Value> = state.services.get(Service::Audit, "/api/v1/review-rubric", &[], None).await?;
    let criteria: Vec<CriterionRow> = rubric
        .iter()
        .map(|criterion| {
            let name = text(criterion, "name");
            CriterionRow {
                label: tr.name_of("criterion", &name),
                question: tr.name_of("criterion-question", &name),
                name,
            }
        })
        .collect();
    let labels: BTreeMap<&str, &str> =
        criteria.iter().map(|criterion| (criterion.name.as_str(), criterion.label.as_str())).collect();
    let institution = text(&sample, "institution_id");
    let institutions = state.directory.institutions(&state.services).await?;
    let cases = sample["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let review = &case["review"];
            CaseRow {
                report_id: text(case, "report_id"),
                case_href: case["case_id"].as_str().map(|id| format!("/staff/cases/{}", path_segment(id))),
                closed_on: text(case, "closed_at").chars().take(10).collect(),
                rating: case["rating"].as_i64().map_or_else(|| "—".to_owned(), |rating| rating.to_string()),
                scores: review["scores"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, score)| {
                        (labels.get(name.as_str()).copied().unwrap_or(name).to_owned(), score.as_u64().unwrap_or(0))
                    })
                    .collect(),
                total: format!(
                    "{} / {}",
                    review["total"].as_u64().unwrap_or(0),
                    review["out_of"].as_u64().unwrap_or(0)
                ),
                findings: review["findings"].as_str().map(str::to_owned),
                error: None,
                typed: String::new(),
            }
        })
        .collect::<Vec<_>>();
    let chrome = Chrome::staff(lang, &staff, &here).await?;
    let cases = cases
        .into_iter()
        .map(|case: CaseRow| {
            let form = review_form(&case.report_id);
            CaseRow {
                error: chrome.error_for(&form).map(str::to_owned),
                typed: chrome.typed_in(&form).to_owned(),
                ..case
            }
        })
        .collect();
    let page = SamplePage {
        chrome,
        id,
        institution_name: institutions.name(&institution),
        institution_href: format!("/staff/audit/institutions/{}", path_segment(&institution)),
        period: text(&sample, "period"),
        seed: text(&sample, "seed"),
        criteria,
        cases,
        reviews: staff.me.holds(StaffRole::Auditor),
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /staff/audit/samples/{id}/reviews`: the rubric's scores
/// (`score_<criterion>`) and the findings for one case.
pub async fn review(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let here = format!("/staff/audit/samples/{}", path_segment(&id));
    let scores: BTreeMap<&str, u32> = fields
        .iter()
        .filter_map(|(key, value)| Some((key.strip_prefix("score_")?, value.trim().parse().ok()?)))
        .collect();
    let body = json!({
        "report_id": fields.get("report_id").map(String::as_str).unwrap_or_default(),
        "scores": scores,
        "findings": fields.get("findings").map(String::as_str).unwrap_or_default(),
    });
    let path = format!("/api/v1/review-samples/{}/reviews", path_segment(&id));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Audit, &path, Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(Tr(lang).t("review-saved")).keep(&staff.session).await?;
            Ok(see_other(&here))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            let typed = fields.get("findings").cloned();
            let form = review_form(fields.get("report_id").map(String::as_str).unwrap_or_default());
            Flash::refused(&form, refusal_message(Tr(lang), &failure), typed).keep(&staff.session).await?;
            Ok(see_other(&here))
        }
        Err(failure) => Err(failure.into()),
    }
}
