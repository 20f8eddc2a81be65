//! The verification queue: each waiting report with its verify-by date,
//! where the rules would send it, possible duplicates, and the verifier's
//! steps (assign with a tier, defer with a question, archive, merge, raise
//! privacy), each taken through routing with the verifier's own token.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Flash, PageError, TIERS, path_segment, query_value, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

const ARCHIVE_REASONS: [&str; 3] = ["not_public_service", "too_vague", "spam"];

/// The queue's filters and page.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    waiting_days: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    after: String,
}

/// The ages the queue can be filtered by, in days waited.
const AGES: [&str; 3] = ["1", "3", "7"];

struct QueuedRow {
    id: String,
    code: String,
    title: String,
    description: String,
    category: String,
    region: String,
    verify_by: String,
    overdue: bool,
    returned_by: String,
    suggestion: String,
    suggested_id: String,
    /// Possible originals: (report id, tracking code, what they are).
    duplicates: Vec<(String, String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "verification.html")]
struct QueuePage {
    chrome: Chrome,
    category: String,
    region: String,
    overdue_first: bool,
    waiting_days: String,
    ages: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    reports: Vec<QueuedRow>,
    next: Option<String>,
}

/// How many reports a page of the queue lists.
const PAGE_SIZE: &str = "25";
/// How much of a report's description the queue shows; the whole is a click away.
const EXCERPT_CHARACTERS: usize = 240;

/// A queued report as the pages show it; where the rules would send it is
/// asked for on its own page only (one call to routing per report).
fn queued_row(
    tr: Tr,
    chrome: &Chrome,
    item: &Value,
    categories: &[Value],
    institutions: &crate::directory::Institutions,
) -> QueuedRow {
    let id = text(item, "report_id");
    let category = text(item, "category");
    // Routing finds them over every report, not only this page's.
    let duplicates = item["similar"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|original| {
            let likeness = original["likeness"].as_f64().unwrap_or(0.0);
            let about = tr.t1("queue-likeness", "percent", format!("{:.0}", likeness * 100.0));
            let status = tr.name_of("status", &text(original, "status"));
            (
                text(original, "report_id"),
                text(original, "tracking_code"),
                format!("{} · {} · {status} · {about}", text(original, "tracking_code"), text(original, "title")),
            )
        })
        .collect();
    let returned_by = item["returned_by"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| institutions.name(id))
        .collect::<Vec<_>>()
        .join(", ");
    QueuedRow {
        error: chrome.error_for(&id).map(str::to_owned),
        code: text(item, "tracking_code"),
        title: text(item, "title"),
        description: text(item, "description"),
        verify_by: item["verify_by"].as_str().map_or_else(|| tr.t("clock-paused"), str::to_owned),
        overdue: item["overdue"].as_bool().unwrap_or(false),
        category: categories
            .iter()
            .find(|known| known["id"] == category.as_str())
            .map_or(category.clone(), |known| text(known, "name")),
        region: text(item, "region"),
        returned_by,
        suggestion: String::new(),
        suggested_id: String::new(),
        duplicates,
        id,
    }
}

/// `/staff/verification`: the waiting reports, a page at a time, each with
/// its possible duplicates to merge in one step.
pub async fn queue(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let mut params: Vec<(&str, &str)> = vec![("limit", PAGE_SIZE)];
    let waiting_days = if AGES.contains(&query.waiting_days.as_str()) { query.waiting_days.as_str() } else { "" };
    for (key, value) in [
        ("category", query.category.as_str()),
        ("region", query.region.as_str()),
        ("waiting_days", waiting_days),
        ("after", query.after.as_str()),
    ] {
        if !value.trim().is_empty() {
            params.push((key, value.trim()));
        }
    }
    let page: Value =
        state.services.get(Service::Routing, "/api/v1/verification-queue", &params, staff.token()).await?;
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let mut items = page["items"].as_array().cloned().unwrap_or_default();
    let overdue_first = query.overdue == "first";
    if overdue_first {
        items.sort_by_key(|item| !item["overdue"].as_bool().unwrap_or(false));
    }
    let chrome = Chrome::staff(lang, &staff, "/staff/verification").await?;
    let reports = items
        .iter()
        .map(|item| {
            let mut row = queued_row(tr, &chrome, item, &categories, &institutions);
            if row.description.chars().count() > EXCERPT_CHARACTERS {
                row.description = row.description.chars().take(EXCERPT_CHARACTERS).collect::<String>() + "…";
            }
            row
        })
        .collect();
    let next = page["next"].as_str().map(|cursor| {
        format!(
            "/staff/verification?category={}&region={}&waiting_days={}&overdue={}&after={}",
            query_value(&query.category),
            query_value(&query.region),
            query_value(waiting_days),
            query_value(&query.overdue),
            query_value(cursor)
        )
    });
    let page = QueuePage {
        chrome,
        category: query.category.clone(),
        region: query.region.clone(),
        overdue_first,
        waiting_days: waiting_days.to_owned(),
        ages: AGES.iter().map(|days| ((*days).to_owned(), tr.t1("queue-waiting-days", "days", *days))).collect(),
        categories: categories.iter().map(|category| (text(category, "id"), text(category, "name"))).collect(),
        reports,
        next,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "verification_report.html")]
struct ReportPage {
    chrome: Chrome,
    tiers: Vec<(String, String)>,
    archive_reasons: Vec<(String, String)>,
    report: QueuedRow,
}

/// `/staff/verification/{report}`: one waiting report whole, where the rules
/// would send it, and every step a verifier takes on it.
pub async fn report(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(report_id): Path<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let path = format!("/api/v1/verification-queue/{}", path_segment(&report_id));
    let item: Value = state.services.get(Service::Routing, &path, &[], staff.token()).await?;
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let chrome = Chrome::staff(lang, &staff, "/staff/verification").await?;
    let mut report = queued_row(tr, &chrome, &item, &categories, &institutions);
    // Where the rules would send it: the verifier's suggestion to start from.
    let returned: Vec<&str> = item["returned_by"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let returned = returned.join(",");
    let question =
        [("category", text(&item, "category")), ("region", text(&item, "region")), ("returned_by", returned)];
    let question: Vec<(&str, &str)> = question.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let route: Result<Value, ApiFailure> =
        state.services.get(Service::Routing, "/api/v1/registry/route", &question, None).await;
    (report.suggestion, report.suggested_id) = match route {
        Ok(route) => {
            (tr.t1("queue-suggested", "institution", text(&route, "institution_name")), text(&route, "institution_id"))
        }
        Err(_) => (tr.t("queue-no-suggestion"), String::new()),
    };
    let page = ReportPage {
        chrome,
        tiers: TIERS.iter().map(|tier| ((*tier).to_owned(), tr.name_of("tier", tier))).collect(),
        archive_reasons: ARCHIVE_REASONS
            .iter()
            .map(|reason| ((*reason).to_owned(), tr.name_of("archive", reason)))
            .collect(),
        report,
    };
    Ok(Html(page.render()?).into_response())
}

/// What the queue's forms send.
#[derive(Debug, Default, Deserialize)]
pub struct VerifierFields {
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    into_report_id: String,
    #[serde(default)]
    privacy: String,
}

fn body_for(step: &str, fields: &VerifierFields) -> Option<Value> {
    let text = fields.text.trim();
    Some(match step {
        "assignment" => {
            let mut body = json!({ "institution_id": fields.institution_id.trim() });
            if !fields.tier.is_empty() {
                body["tier"] = json!(fields.tier);
            }
            body
        }
        "deferral" => json!({ "question": text }),
        "archival" => json!({ "reason": fields.reason, "note": text }),
        "merger" => json!({ "into_report_id": fields.into_report_id }),
        "privacy" => json!({ "privacy": fields.privacy, "reason": text }),
        _ => return None,
    })
}

/// `POST /staff/verification/{report}/{step}`.
pub async fn verify(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path((report_id, step)): Path<(String, String)>,
    Form(fields): Form<VerifierFields>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let Some(body) = body_for(&step, &fields) else {
        return Err(PageError::Api(ApiFailure::Refused {
            status: 404,
            code: "unknown_step".into(),
            message: format!("there is no verifier's step {step:?}"),
        }));
    };
    let path = format!("/api/v1/verification/{}/{}", path_segment(&report_id), path_segment(&step));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Routing, &path, Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t1("done-step", "step", tr.name_of("verifier-step", &step))).keep(&staff.session).await?;
            Ok(see_other("/staff/verification"))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused(&report_id, refusal_message(tr, &failure), None).keep(&staff.session).await?;
            let report = path_segment(&report_id);
            // A merge is offered on the list too; the error shows where every step is.
            Ok(see_other(&format!("/staff/verification/{report}#report-{report}")))
        }
        Err(failure) => Err(failure.into()),
    }
}
