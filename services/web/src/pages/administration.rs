//! Administration: the routing rules' tester ("where would category X in
//! region Y go, and why"), rules and holidays changed through routing's
//! registry API, and users created through accounts'.

use aduan_access::StaffRole;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike as _;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::registry::change_registry;
use super::{Chrome, Flash, PageError, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

const PAGE: &str = "/staff/administration";

const ROLES: [StaffRole; 6] = [
    StaffRole::Officer,
    StaffRole::Coordinator,
    StaffRole::Supervisor,
    StaffRole::Verifier,
    StaffRole::Auditor,
    StaffRole::Administrator,
];

/// The tester's question.
#[derive(Debug, Default, Deserialize)]
pub struct TesterQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
}

#[derive(Template)]
#[template(path = "administration.html")]
struct AdministrationPage {
    chrome: Chrome,
    categories: Vec<(String, String)>,
    test_category: String,
    test_region: String,
    /// Whether the tester found a route, and what it says.
    route_answer: Option<(bool, String)>,
    holidays: Vec<String>,
    roles: Vec<(String, String)>,
    users: Vec<UserRow>,
}

/// A user as the administration page lists them.
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    /// Their grants, as words.
    roles: String,
    /// Their grants as labels (`officer@bandung-dpu`), to edit.
    labels: String,
    disabled: bool,
}

/// A grant as a label: `role@institution`, or the role alone for the whole country.
fn label(grant: &Value) -> String {
    match grant["institution"].as_str() {
        Some(institution) => format!("{}@{institution}", text(grant, "role")),
        None => text(grant, "role"),
    }
}

/// The tester's answer, in words.
fn explain(tr: Tr, route: &Value) -> String {
    let institution = format!("{} ({})", text(route, "institution_name"), text(route, "institution_id"));
    let why = match (text(route, "matched_by").as_str(), route["rule_region"].as_str()) {
        ("rule", Some(region)) => tr.t1("tester-by-rule", "region", region),
        ("region_fallback", Some("*")) => tr.t("tester-by-national-rule"),
        ("region_fallback", Some(region)) => tr.t1("tester-by-fallback", "region", region),
        _ => tr.t("tester-by-verifier"),
    };
    tr.t1("tester-goes-to", "institution", institution) + " " + &why
}

/// `/staff/administration`.
pub async fn administration(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Query(query): Query<TesterQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let route_answer = if query.category.is_empty() || query.region.trim().is_empty() {
        None
    } else {
        let params = [("category", query.category.as_str()), ("region", query.region.trim())];
        let route: Result<Value, ApiFailure> =
            state.services.get(Service::Routing, "/api/v1/registry/route", &params, None).await;
        Some(match route {
            Ok(route) => (true, explain(tr, &route)),
            Err(failure @ ApiFailure::Refused { .. }) => (false, refusal_message(tr, &failure)),
            Err(failure) => return Err(failure.into()),
        })
    };
    // The coming holidays: the rest of this year's and next year's.
    let today = chrono::Utc::now().date_naive();
    let mut holidays: Vec<(String, String)> = Vec::new();
    for year in [today.year(), today.year() + 1] {
        let calendar: Value = state
            .services
            .get(Service::Routing, "/api/v1/registry/calendar", &[("year", &year.to_string())], None)
            .await?;
        holidays.extend(
            calendar["holidays"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|holiday| (text(holiday, "date"), text(holiday, "name")))
                .filter(|(date, _)| *date >= today.to_string()),
        );
    }
    holidays.sort();
    let users: Value =
        state.services.get(Service::Accounts, "/api/v1/users", &[("limit", "200")], staff.token()).await?;
    let users = users["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|user| {
            let grants: Vec<&Value> = user["grants"].as_array().into_iter().flatten().collect();
            let roles = grants
                .iter()
                .map(|grant| {
                    let role = tr.name_of("role", &text(grant, "role"));
                    match grant["institution"].as_str() {
                        Some(institution) => format!("{role} · {institution}"),
                        None => role,
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            UserRow {
                id: text(user, "id"),
                username: text(user, "username"),
                display_name: text(user, "display_name"),
                roles,
                labels: grants.iter().map(|grant| label(grant)).collect::<Vec<_>>().join(", "),
                disabled: user["disabled"].as_bool().unwrap_or(false),
            }
        })
        .collect();
    let chrome = Chrome::staff(lang, &staff, "/staff/administration").await?;
    let page = AdministrationPage {
        chrome,
        categories: categories.iter().map(|category| (text(category, "id"), text(category, "name"))).collect(),
        test_category: query.category,
        test_region: query.region,
        route_answer,
        holidays: holidays.into_iter().take(30).map(|(date, name)| format!("{date} · {name}")).collect(),
        roles: ROLES.iter().map(|role| (role.as_str().to_owned(), tr.name_of("role", role.as_str()))).collect(),
        users,
    };
    Ok(Html(page.render()?).into_response())
}

/// A rule's form.
#[derive(Debug, Deserialize)]
pub struct RuleForm {
    category: String,
    region: String,
    institution: String,
}

/// `POST /staff/administration/rule`.
pub async fn put_rule(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<RuleForm>,
) -> Result<Response, PageError> {
    let rule = json!({ "category": form.category.trim(), "region": form.region.trim(), "institution": form.institution.trim() });
    change_registry(&state, lang, &staff, "rule", json!({ "kind": "put_rule", "rule": rule }), PAGE).await
}

/// A holiday's form.
#[derive(Debug, Deserialize)]
pub struct HolidayForm {
    date: String,
    name: String,
    #[serde(default)]
    region: String,
}

/// `POST /staff/administration/holiday`.
pub async fn put_holiday(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<HolidayForm>,
) -> Result<Response, PageError> {
    let Ok(date) = chrono::NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d") else {
        Flash::refused("holiday", Tr(lang).t("error-invalid_date"), None).keep(&staff.session).await?;
        return Ok(see_other("/staff/administration#holiday-heading"));
    };
    let region = Some(form.region.trim()).filter(|region| !region.is_empty());
    let holiday = json!({ "date": date, "name": form.name.trim(), "region": region });
    change_registry(&state, lang, &staff, "holiday", json!({ "kind": "put_holiday", "holiday": holiday }), PAGE).await
}

/// A new user's form.
#[derive(Deserialize)]
pub struct UserForm {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    institution: String,
    password: String,
}

/// Never prints what was typed: it holds a secret.
impl std::fmt::Debug for UserForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserForm").finish_non_exhaustive()
    }
}

/// `POST /staff/administration/user`.
pub async fn create_user(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let institution = form.institution.trim();
    let mut grant = json!({ "role": form.role });
    let mut body = json!({
        "username": form.username.trim(),
        "display_name": form.display_name.trim(),
        "password": form.password,
    });
    if !institution.is_empty() {
        grant["institution"] = json!(institution);
        body["institution"] = json!(institution);
    }
    body["grants"] = json!([grant]);
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Accounts, "/api/v1/users", Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t1("user-created", "username", form.username.trim())).keep(&staff.session).await?;
            Ok(see_other("/staff/administration#users-heading"))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("user", refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other("/staff/administration#users-heading"))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// What a user's row sends: their grants as labels, or whether to disable them.
#[derive(Debug, Default, Deserialize)]
pub struct UserChangeForm {
    #[serde(default)]
    grants: String,
    #[serde(default)]
    disabled: String,
}

/// `role@institution` or `role`, comma-separated, as grants; the first label
/// that is neither, as the error.
fn parse_labels(labels: &str) -> Result<Vec<Value>, String> {
    labels
        .split(',')
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .map(|label| {
            let (role, institution) = match label.split_once('@') {
                Some((role, institution)) => (role.trim(), Some(institution.trim())),
                None => (label, None),
            };
            if StaffRole::parse(role).is_none() || institution.is_some_and(str::is_empty) {
                return Err(label.to_owned());
            }
            Ok(match institution {
                Some(institution) => json!({ "role": role, "institution": institution }),
                None => json!({ "role": role }),
            })
        })
        .collect()
}

/// `POST /staff/administration/users/{id}/grants`: the user's roles from now on.
pub async fn set_grants(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<UserChangeForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let grants = match parse_labels(&form.grants) {
        Ok(grants) => grants,
        Err(label) => {
            Flash::refused("user", tr.t1("user-bad-grant", "grant", label), None).keep(&staff.session).await?;
            return Ok(see_other("/staff/administration#users-heading"));
        }
    };
    let path = format!("/api/v1/users/{}/grants", super::path_segment(&id));
    let body = json!({ "grants": grants });
    let answer = state.services.send::<Value>(Method::PUT, Service::Accounts, &path, Some(&body), staff.token()).await;
    user_changed(tr, &staff, answer).await
}

/// `POST /staff/administration/users/{id}/status`: disables or enables the user.
pub async fn set_status(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<UserChangeForm>,
) -> Result<Response, PageError> {
    let path = format!("/api/v1/users/{}", super::path_segment(&id));
    let body = json!({ "disabled": form.disabled == "yes" });
    let answer =
        state.services.send::<Value>(Method::PATCH, Service::Accounts, &path, Some(&body), staff.token()).await;
    user_changed(Tr(lang), &staff, answer).await
}

async fn user_changed(tr: Tr, staff: &Staff, answer: Result<Value, ApiFailure>) -> Result<Response, PageError> {
    match answer {
        Ok(user) => {
            Flash::done(tr.t1("user-changed", "username", text(&user, "username"))).keep(&staff.session).await?;
            Ok(see_other("/staff/administration#users-heading"))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("user", refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other("/staff/administration#users-heading"))
        }
        Err(failure) => Err(failure.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_grants_and_a_bad_one_is_named() {
        assert_eq!(
            parse_labels("officer@bandung-dpu, verifier"),
            Ok(vec![json!({ "role": "officer", "institution": "bandung-dpu" }), json!({ "role": "verifier" })])
        );
        assert_eq!(parse_labels(" , "), Ok(Vec::new()));
        assert_eq!(parse_labels("officer@bandung-dpu, mayor@kota"), Err("mayor@kota".to_owned()));
        assert_eq!(parse_labels("officer@"), Err("officer@".to_owned()));
    }
}
