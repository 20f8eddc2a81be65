//! An institution's response templates: its coordinators and supervisors
//! add and remove them; officers pick one when they resolve a case.

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

struct TemplateRow {
    id: String,
    title: String,
    text: String,
}

#[derive(Template)]
#[template(path = "response_templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    institution_id: String,
    institution_name: String,
    templates: Vec<TemplateRow>,
    error: Option<String>,
    typed: String,
}

/// `/staff/institutions/{id}/templates`.
pub async fn list(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(institution): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/api/v1/institutions/{}/response-templates", path_segment(&institution));
    let listed: Value = state.services.get(Service::Resolution, &path, &[], staff.token()).await?;
    let institutions = state.directory.institutions(&state.services).await?;
    let chrome =
        Chrome::staff(lang, &staff, &format!("/staff/institutions/{}/templates", path_segment(&institution))).await?;
    let page = TemplatesPage {
        error: chrome.error_for("template").map(str::to_owned),
        typed: chrome.typed_in("template").to_owned(),
        chrome,
        institution_name: institutions.name(&institution),
        institution_id: institution,
        templates: listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|template| TemplateRow {
                id: text(template, "id"),
                title: text(template, "title"),
                text: text(template, "text"),
            })
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// What the add form sends.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

/// `POST /staff/institutions/{id}/templates`.
pub async fn add(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(institution): Path<String>,
    Form(fields): Form<TemplateFields>,
) -> Result<Response, PageError> {
    let path = format!("/api/v1/institutions/{}/response-templates", path_segment(&institution));
    let body = json!({ "title": fields.title.trim(), "text": fields.text.trim() });
    let answer =
        state.services.send::<Value>(Method::POST, Service::Resolution, &path, Some(&body), staff.token()).await;
    settle(lang, &staff, &institution, answer, Some(fields.text)).await
}

/// `POST /staff/institutions/{id}/templates/{template}/removal`.
pub async fn remove(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path((institution, template)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let path =
        format!("/api/v1/institutions/{}/response-templates/{}", path_segment(&institution), path_segment(&template));
    let answer =
        state.services.send::<Value>(Method::DELETE, Service::Resolution, &path, None::<&Value>, staff.token()).await;
    settle(lang, &staff, &institution, answer, None).await
}

/// Back to the list, with what happened or why not.
async fn settle(
    lang: Lang,
    staff: &Staff,
    institution: &str,
    answer: Result<Value, ApiFailure>,
    typed: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let back = format!("/staff/institutions/{}/templates", path_segment(institution));
    match answer {
        Ok(_) => {
            Flash::done(tr.t("templates-saved")).keep(&staff.session).await?;
            Ok(see_other(&back))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("template", refusal_message(tr, &failure), typed).keep(&staff.session).await?;
            Ok(see_other(&back))
        }
        Err(failure) => Err(failure.into()),
    }
}
