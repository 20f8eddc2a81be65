//! The staff workspace: where each of the user's roles lets them work.

use std::collections::BTreeMap;

use aduan_access::StaffRole;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::{Chrome, NavLink, PageError};
use crate::WebState;
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// One institution (or the whole country) and what the user does there.
struct Place {
    title: String,
    roles: String,
    links: Vec<NavLink>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct WorkspacePage {
    chrome: Chrome,
    display_name: String,
    places: Vec<Place>,
}

fn link(href: String, label: String) -> NavLink {
    NavLink { href, label, current: false }
}

/// The pages each role opens in `institution`.
fn links_for(tr: Tr, roles: &[StaffRole], institution: Option<&str>) -> Vec<NavLink> {
    let mut links = Vec::new();
    let has = |role| roles.contains(&role);
    if let Some(id) = institution {
        let reads_inbox = [
            StaffRole::Coordinator,
            StaffRole::Officer,
            StaffRole::Supervisor,
            StaffRole::Auditor,
            StaffRole::Verifier,
        ];
        if reads_inbox.iter().any(|role| has(*role)) {
            links.push(link(format!("/staff/institutions/{id}/inbox"), tr.t("link-inbox")));
            links.push(link(format!("/staff/institutions/{id}/inbox?view=overdue"), tr.t("link-overdue")));
        }
        if [StaffRole::Coordinator, StaffRole::Officer, StaffRole::Supervisor].iter().any(|role| has(*role)) {
            links.push(link(format!("/staff/institutions/{id}/inbox?view=supporting"), tr.t("link-supporting")));
            links.push(link(format!("/staff/institutions/{id}/inbox?view=branches"), tr.t("link-branches")));
        }
        if has(StaffRole::Supervisor) {
            links.push(link(format!("/staff/institutions/{id}/inbox?view=approvals"), tr.t("link-approvals")));
        }
        if [StaffRole::Auditor, StaffRole::Coordinator, StaffRole::Supervisor].iter().any(|role| has(*role)) {
            links.push(link(format!("/staff/audit/institutions/{id}"), tr.t("link-figures")));
        }
    } else if has(StaffRole::Auditor) {
        links.push(link("/staff/audit".into(), tr.t("nav-audit")));
    }
    if has(StaffRole::Verifier) {
        links.push(link("/staff/verification".into(), tr.t("nav-verification")));
    }
    if has(StaffRole::Administrator) {
        links.push(link("/staff/administration".into(), tr.t("nav-administration")));
    }
    links
}

/// `/staff`: one card per institution the user has roles in.
pub async fn workspace(State(state): State<WebState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let institutions = state.directory.institutions(&state.services).await?;
    let mut by_place: BTreeMap<Option<String>, Vec<StaffRole>> = BTreeMap::new();
    for grant in &staff.me.grants {
        by_place.entry(grant.institution.clone()).or_default().push(grant.role);
    }
    let places = by_place
        .into_iter()
        .map(|(institution, roles)| Place {
            title: institution.as_deref().map_or_else(|| tr.t("whole-country"), |id| institutions.name(id)),
            roles: roles.iter().map(|role| tr.name_of("role", role.as_str())).collect::<Vec<_>>().join(", "),
            links: links_for(tr, &roles, institution.as_deref()),
        })
        .collect();
    let chrome = Chrome::staff(lang, &staff, "/staff").await?;
    let page = WorkspacePage { chrome, display_name: staff.me.display_name.clone(), places };
    Ok(Html(page.render()?).into_response())
}
