//! An institution's lists: its open cases (by status), the overdue list
//! that escalation feeds, the cases it supports, the branches forwarded to
//! it as a unit, and the resolutions waiting for its supervisor.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::{Chrome, NavLink, PageError, TIERS, query_value, text};
use crate::WebState;
use crate::api::Service;
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// The statuses the inbox filter offers (`open`: assigned, in follow-up or reopened).
const STATUSES: [&str; 8] =
    ["open", "assigned", "in_follow_up", "awaiting_citizen", "reopened", "resolved", "closed", "appealed"];

/// Which list, which filters, which order, which page.
#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    tier: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

/// The open list's filters, as chosen (each empty when not).
#[derive(Debug, Default)]
struct Filters {
    status: String,
    tier: String,
    unit: String,
    overdue: bool,
    sort: String,
}

impl Filters {
    fn of(query: &InboxQuery, units: &[(String, String)]) -> Self {
        let chosen = |value: &Option<String>, allowed: &dyn Fn(&str) -> bool| {
            value.clone().filter(|value| allowed(value)).unwrap_or_default()
        };
        Self {
            status: chosen(&query.status, &|status| STATUSES.contains(&status)),
            tier: chosen(&query.tier, &|tier| TIERS.contains(&tier)),
            unit: chosen(&query.unit, &|unit| units.iter().any(|(id, _)| id == unit)),
            overdue: query.overdue.as_deref() == Some("yes"),
            sort: chosen(&query.sort, &|sort| sort == "opened"),
        }
    }

    /// The resolution API's query for them.
    fn params(&self) -> Vec<(&'static str, String)> {
        let status = if self.status.is_empty() { "open".to_owned() } else { self.status.clone() };
        let mut params = vec![("status", status)];
        for (key, value) in [("tier", &self.tier), ("unit", &self.unit), ("sort", &self.sort)] {
            if !value.is_empty() {
                params.push((key, value.clone()));
            }
        }
        if self.overdue {
            params.push(("overdue", "true".into()));
        }
        params
    }

    /// The page's own query for them, to carry to the next page.
    fn query_string(&self) -> String {
        format!(
            "status={}&tier={}&unit={}&overdue={}&sort={}",
            query_value(&self.status),
            query_value(&self.tier),
            query_value(&self.unit),
            if self.overdue { "yes" } else { "" },
            query_value(&self.sort)
        )
    }
}

/// When an open case is due, as its row says it.
pub(super) fn due_detail(tr: Tr, case: &Value) -> (String, bool) {
    match (case["due_on"].as_str(), case["working_days_left"].as_i64()) {
        (Some(due_on), Some(left)) if left < 0 => {
            (tr.t1("days-late", "days", left.unsigned_abs()) + " · " + &tr.t1("due-on", "date", due_on), true)
        }
        (Some(due_on), Some(left)) => {
            (tr.t1("working-days-left", "days", left) + " · " + &tr.t1("due-on", "date", due_on), false)
        }
        _ => (tr.t("no-running-deadline"), false),
    }
}

/// A row of any of the lists.
struct Row {
    href: String,
    code: String,
    title: String,
    status: String,
    detail: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    heading: String,
    institution_name: String,
    tabs: Vec<NavLink>,
    view: &'static str,
    filters: Filters,
    statuses: Vec<(String, String)>,
    tiers: Vec<(String, String)>,
    units: Vec<(String, String)>,
    templates_href: String,
    rows: Vec<Row>,
    next: Option<String>,
    /// How many cases the institution holds in each status: (status, count).
    counts: Vec<(String, u64)>,
}

const VIEWS: [(&str, &str); 5] = [
    ("open", "link-inbox"),
    ("overdue", "link-overdue"),
    ("supporting", "link-supporting"),
    ("branches", "link-branches"),
    ("approvals", "link-approvals"),
];

fn case_row(tr: Tr, case: &Value, detail: String, late: bool) -> Row {
    Row {
        href: format!("/staff/cases/{}", text(case, "id")),
        code: text(case, "tracking_code"),
        title: text(case, "title"),
        status: tr.name_of("status", &text(case, "status")),
        detail,
        late,
    }
}

/// `/staff/institutions/{id}/inbox?view=…`: the list, as resolution lets this user read it.
pub async fn inbox(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(institution): Path<String>,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let view = VIEWS.iter().map(|(view, _)| *view).find(|view| Some(*view) == query.view.as_deref()).unwrap_or("open");
    let institutions = state.directory.institutions(&state.services).await?;
    let units: Vec<(String, String)> = institutions
        .subtree(&institution)
        .into_iter()
        .map(|(depth, unit)| (unit.id.clone(), format!("{}{}", "— ".repeat(depth - 1), unit.name)))
        .collect();
    let filters = Filters::of(&query, &units);
    let encoded = crate::pages::path_segment(&institution);
    let after = query.after.clone().unwrap_or_default();
    let mut params: Vec<(&str, String)> = vec![("limit", "50".into())];
    if !after.is_empty() {
        params.push(("after", after));
    }
    let path = match view {
        "overdue" => format!("/api/v1/institutions/{encoded}/overdue"),
        "supporting" => format!("/api/v1/institutions/{encoded}/supporting"),
        "branches" => format!("/api/v1/units/{encoded}/branches"),
        "approvals" => format!("/api/v1/institutions/{encoded}/approvals"),
        _ => {
            params.extend(filters.params());
            format!("/api/v1/institutions/{encoded}/inbox")
        }
    };
    let params: Vec<(&str, &str)> = params.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let page: Value = state.services.get(Service::Resolution, &path, &params, staff.token()).await?;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let rows = items
        .iter()
        .map(|item| match view {
            "overdue" => {
                let days = item["days_late"].as_u64().unwrap_or_default();
                let detail = tr.t1("days-late", "days", days) + " · " + &tr.name_of("clock", &text(item, "clock"));
                Row {
                    href: format!("/staff/cases/{}", text(item, "case_id")),
                    code: text(item, "tracking_code"),
                    title: text(item, "title"),
                    status: tr.name_of("status", &text(item, "status")),
                    detail,
                    late: true,
                }
            }
            "branches" => Row {
                href: format!("/staff/cases/{}", text(item, "case_id")),
                code: text(item, "unit_id"),
                title: text(item, "note"),
                status: tr.name_of("branch", &text(item, "status")),
                detail: tr.t1("due-on", "date", text(item, "due_on")),
                late: false,
            },
            "supporting" | "approvals" => case_row(tr, item, text(item, "opened_at").chars().take(10).collect(), false),
            _ => {
                let (detail, late) = due_detail(tr, item);
                case_row(tr, item, detail, late)
            }
        })
        .collect();
    let base = format!("/staff/institutions/{encoded}/inbox");
    let tabs = VIEWS
        .iter()
        .map(|(name, key)| NavLink {
            href: if *name == "open" { base.clone() } else { format!("{base}?view={name}") },
            label: tr.t(key),
            current: *name == view,
        })
        .collect();
    let next = page["next"].as_str().map(|cursor| {
        let cursor = crate::pages::query_value(cursor);
        format!("{base}?view={view}&{}&after={cursor}", filters.query_string())
    });
    let heading = VIEWS.iter().find(|(name, _)| *name == view).map_or_else(String::new, |(_, key)| tr.t(key));
    let counted: Value = if view == "open" {
        // The cases in hand: the closed ones of years are not counted on every visit.
        let path = format!("/api/v1/institutions/{encoded}/inbox/counts");
        state.services.get(Service::Resolution, &path, &[("closed", "false")], staff.token()).await?
    } else {
        Value::Null
    };
    let counts = counted
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| (tr.name_of("status", &text(row, "status")), row["count"].as_u64().unwrap_or_default()))
        .collect();
    let chrome = Chrome::staff(lang, &staff, &format!("{base}?view={view}")).await?;
    let page = InboxPage {
        counts,
        chrome,
        heading,
        institution_name: institutions.name(&institution),
        tabs,
        view,
        filters,
        statuses: STATUSES.iter().map(|code| ((*code).to_owned(), tr.name_of("status", code))).collect(),
        tiers: TIERS.iter().map(|tier| ((*tier).to_owned(), tr.name_of("tier", tier))).collect(),
        units,
        templates_href: format!("/staff/institutions/{encoded}/templates"),
        rows,
        next,
    };
    Ok(Html(page.render()?).into_response())
}
