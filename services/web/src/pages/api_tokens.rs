//! API tokens for machines (a partner's Open311 client, a reporting job):
//! administrators issue them, see the token once, list and revoke them.

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

const PAGE: &str = "/staff/api-tokens";

/// The roles a machine may be granted (accounts checks each against what
/// the administrator may grant); none: it only files reports.
const MACHINE_ROLES: [&str; 5] = ["verifier", "coordinator", "officer", "supervisor", "auditor"];

struct TokenRow {
    id: String,
    name: String,
    institution: String,
    grants: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "api_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    roles: Vec<(String, String)>,
    /// The token just issued, shown this once.
    issued: Option<String>,
    error: Option<String>,
}

async fn render(state: &WebState, lang: Lang, staff: &Staff, issued: Option<String>) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let listed: Value = state.services.get(Service::Accounts, "/api/v1/api-tokens", &[], staff.token()).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let day = |value: &Value| value.as_str().map(|at| at.chars().take(10).collect()).unwrap_or_else(|| "—".into());
    let tokens = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|token| TokenRow {
            id: text(token, "id"),
            name: text(token, "name"),
            institution: token["institution"]
                .as_str()
                .map_or_else(|| tr.t("whole-country"), |id| institutions.name(id)),
            grants: token["grants"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|grant| tr.name_of("role", &text(grant, "role")))
                .collect::<Vec<_>>()
                .join(", "),
            expires: day(&token["expires_at"]),
            last_used: day(&token["last_used_at"]),
            revoked: !token["revoked_at"].is_null(),
        })
        .collect();
    let chrome = Chrome::staff(lang, staff, PAGE).await?;
    let page = TokensPage {
        error: chrome.error_for("api-token").map(str::to_owned),
        chrome,
        tokens,
        roles: MACHINE_ROLES.iter().map(|role| ((*role).to_owned(), tr.name_of("role", role))).collect(),
        issued,
    };
    Ok(Html(page.render()?).into_response())
}

/// `/staff/api-tokens`.
pub async fn list(State(state): State<WebState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    render(&state, lang, &staff, None).await
}

/// What the issue form sends.
#[derive(Debug, Default, Deserialize)]
pub struct IssueFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

/// `POST /staff/api-tokens`: issues one and shows it, this once, on the
/// answer itself (never kept in the session, never in a redirect).
pub async fn issue(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Form(fields): Form<IssueFields>,
) -> Result<Response, PageError> {
    let institution = Some(fields.institution.trim()).filter(|id| !id.is_empty());
    let grants: Vec<Value> = Some(fields.role.as_str())
        .filter(|role| MACHINE_ROLES.contains(role))
        .map(|role| match institution {
            Some(id) => json!({ "role": role, "institution": id }),
            None => json!({ "role": role }),
        })
        .into_iter()
        .collect();
    let body = json!({
        "name": fields.name.trim(),
        "institution": institution,
        "grants": grants,
        // Not a number: accounts says why, beside the form.
        "expires_in_days": fields.days.trim().parse::<u32>().unwrap_or(0),
    });
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Accounts, "/api/v1/api-tokens", Some(&body), staff.token()).await;
    match answer {
        Ok(issued) => render(&state, lang, &staff, Some(text(&issued, "token"))).await,
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("api-token", refusal_message(Tr(lang), &failure), None).keep(&staff.session).await?;
            Ok(see_other(PAGE))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// `POST /staff/api-tokens/{id}/revocation`.
pub async fn revoke(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let path = format!("/api/v1/api-tokens/{}", path_segment(&id));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::DELETE, Service::Accounts, &path, None::<&Value>, staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t("api-token-revoked")).keep(&staff.session).await?;
            Ok(see_other(PAGE))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("api-token", refusal_message(tr, &failure), None).keep(&staff.session).await?;
            Ok(see_other(PAGE))
        }
        Err(failure) => Err(failure.into()),
    }
}
