//! The registry for administrators: the tree of institutions and units one
//! level at a time, the rules that send reports to each, the categories, and
//! the calendar's holidays; every change through routing's registry API, as
//! a new version every service follows.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Flash, PageError, TIERS, query_value, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

const PAGE: &str = "/staff/administration/registry";
const LEVELS: [&str; 4] = ["national", "province", "regency", "unit"];
/// Holidays listed at once: a year of a country's and its regions'.
const HOLIDAYS_SHOWN: usize = 200;

/// Which institution's place in the tree, and which year's holidays.
#[derive(Debug, Default, Deserialize)]
pub struct RegistryQuery {
    #[serde(default)]
    institution: String,
    #[serde(default)]
    year: String,
}

struct Link {
    href: String,
    label: String,
}

struct RuleRow {
    category: String,
    region: String,
    source: String,
}

struct HolidayRow {
    date: String,
    name: String,
    region: String,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    chrome: Chrome,
    version: i64,
    /// The selected institution (empty at the top) and the way down to it.
    selected: String,
    selected_name: String,
    trail: Vec<Link>,
    children: Vec<Link>,
    rules: Vec<RuleRow>,
    levels: Vec<(String, String)>,
    tiers: Vec<(String, String)>,
    categories: Vec<(String, String, String)>,
    year: String,
    holidays: Vec<HolidayRow>,
    working_days: String,
}

fn link(institution: &crate::directory::Institution) -> Link {
    Link { href: format!("{PAGE}?institution={}", query_value(&institution.id)), label: institution.name.clone() }
}

/// `/staff/administration/registry`.
pub async fn registry(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Query(query): Query<RegistryQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    // The changes' list is the administrators' (and auditors'): a page that
    // changes the registry is theirs too.
    let _: Value =
        state.services.get(Service::Routing, "/api/v1/registry/changes", &[("limit", "1")], staff.token()).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let selected = institutions.get(query.institution.trim()).map(|found| found.id.clone()).unwrap_or_default();
    let children = if selected.is_empty() { institutions.roots() } else { institutions.children(&selected) };
    let rules: Value = if selected.is_empty() {
        Value::Null
    } else {
        state.services.get(Service::Routing, "/api/v1/registry/rules", &[("institution", &selected)], None).await?
    };
    let rules = rules["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| RuleRow {
            category: text(rule, "category"),
            region: text(rule, "region"),
            source: text(rule, "source"),
        })
        .collect();
    let this_year = chrono::Utc::now().format("%Y").to_string();
    let year =
        if query.year.len() == 4 && query.year.chars().all(|c| c.is_ascii_digit()) { query.year } else { this_year };
    let calendar: Value =
        state.services.get(Service::Routing, "/api/v1/registry/calendar", &[("year", &year)], None).await?;
    let mut holidays: Vec<HolidayRow> = calendar["holidays"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|holiday| HolidayRow {
            date: text(holiday, "date"),
            name: text(holiday, "name"),
            region: text(holiday, "region"),
        })
        .collect();
    holidays.truncate(HOLIDAYS_SHOWN);
    let working_days = calendar["working_days"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|day| tr.name_of("weekday", day))
        .collect::<Vec<_>>()
        .join(", ");
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let chrome = Chrome::staff(lang, &staff, PAGE).await?;
    let page = RegistryPage {
        chrome,
        version: calendar["version"].as_i64().unwrap_or_default(),
        selected_name: if selected.is_empty() { tr.t("registry-top") } else { institutions.name(&selected) },
        trail: institutions.path_to(&selected).into_iter().map(link).collect(),
        children: children.into_iter().map(link).collect(),
        selected,
        rules,
        levels: LEVELS.iter().map(|level| ((*level).to_owned(), tr.name_of("level", level))).collect(),
        tiers: TIERS.iter().map(|tier| ((*tier).to_owned(), tr.name_of("tier", tier))).collect(),
        categories: categories
            .iter()
            .map(|category| (text(category, "id"), text(category, "name"), tr.name_of("tier", &text(category, "tier"))))
            .collect(),
        year,
        holidays,
        working_days,
    };
    Ok(Html(page.render()?).into_response())
}

/// Makes `change` through routing, then back to `back`, with the new version
/// or why not beside the `form`.
pub(super) async fn change_registry(
    state: &WebState,
    lang: Lang,
    staff: &Staff,
    form: &str,
    change: Value,
    back: &str,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let body = json!({ "change": change });
    let answer: Result<Value, ApiFailure> = state
        .services
        .send(Method::POST, Service::Routing, "/api/v1/registry/changes", Some(&body), staff.token())
        .await;
    match answer {
        Ok(made) => {
            // The tree pages read the institutions afresh.
            state.directory.forget().await;
            let version = made["version"].as_i64().unwrap_or_default();
            Flash::done(tr.t1("registry-changed", "version", version)).keep(&staff.session).await?;
            Ok(see_other(back))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused(form, refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other(&format!("{back}#{form}-heading")))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// An institution's form.
#[derive(Debug, Deserialize)]
pub struct InstitutionForm {
    id: String,
    name: String,
    level: String,
    #[serde(default)]
    parent: String,
}

/// `POST /staff/administration/registry/institution`: adds an institution
/// or unit, or renames or moves one.
pub async fn put_institution(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<InstitutionForm>,
) -> Result<Response, PageError> {
    let parent = Some(form.parent.trim()).filter(|parent| !parent.is_empty());
    let institution = json!({ "id": form.id.trim(), "name": form.name.trim(), "level": form.level, "parent": parent });
    let back = format!("{PAGE}?institution={}", query_value(parent.unwrap_or_default()));
    change_registry(
        &state,
        lang,
        &staff,
        "institution",
        json!({ "kind": "put_institution", "institution": institution }),
        &back,
    )
    .await
}

/// A category's form.
#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    id: String,
    name: String,
    tier: String,
}

/// `POST /staff/administration/registry/category`.
pub async fn put_category(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<CategoryForm>,
) -> Result<Response, PageError> {
    let category = json!({ "id": form.id.trim(), "name": form.name.trim(), "tier": form.tier });
    change_registry(&state, lang, &staff, "category", json!({ "kind": "put_category", "category": category }), PAGE)
        .await
}

/// A rule or holiday to remove.
#[derive(Debug, Deserialize)]
pub struct RemovalForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    institution: String,
}

/// `POST /staff/administration/registry/rule-removal`.
pub async fn remove_rule(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<RemovalForm>,
) -> Result<Response, PageError> {
    let back = format!("{PAGE}?institution={}", query_value(&form.institution));
    let change = json!({ "kind": "remove_rule", "category": form.category, "region": form.region });
    change_registry(&state, lang, &staff, "rules", change, &back).await
}

/// `POST /staff/administration/registry/holiday-removal`.
pub async fn remove_holiday(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<RemovalForm>,
) -> Result<Response, PageError> {
    let region = Some(form.region.trim()).filter(|region| !region.is_empty());
    let back = format!("{PAGE}?year={}", query_value(&form.date.chars().take(4).collect::<String>()));
    let change = json!({ "kind": "remove_holiday", "date": form.date, "region": region });
    change_registry(&state, lang, &staff, "holidays", change, &back).await
}
