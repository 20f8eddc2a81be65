//! What the public record shows of a public or anonymous report, on its
//! case page, for a verifier: the text as published (redacted where
//! needed), or the report kept off the record. Intake keeps the record and
//! checks the verifier's scope; this page only asks it.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Flash, PageError, path_segment, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;
use aduan_access::StaffRole;

/// The public record's form on a case page.
#[derive(Debug, Clone)]
pub struct PublicationForm {
    /// The report's tracking code.
    pub code: String,
    /// The title the public reads.
    pub title: String,
    /// The description the public reads.
    pub description: String,
    /// Kept off the record.
    pub withdrawn: bool,
    /// On the record now.
    pub published: bool,
}

/// The form for `staff` on the case of report `code` with `privacy`: only a
/// verifier's, and only for a report that may be published.
pub async fn for_case(state: &WebState, staff: &Staff, code: &str, privacy: &str) -> Option<PublicationForm> {
    if !staff.me.holds(StaffRole::Verifier) || !matches!(privacy, "public" | "anonymous") || code.is_empty() {
        return None;
    }
    let path = format!("/api/v1/reports/{}/publication", path_segment(code));
    let view: Value = state.services.get(Service::Intake, &path, &[], staff.token()).await.ok()?;
    Some(PublicationForm {
        code: code.to_owned(),
        title: text(&view, "title"),
        description: text(&view, "description"),
        withdrawn: view["withdrawn"].as_bool().unwrap_or(false),
        published: view["published"].as_bool().unwrap_or(false),
    })
}

/// What the form sends.
#[derive(Debug, Default, Deserialize)]
pub struct PublicationFields {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/cases/{case}/publication`: the verifier's change, through intake.
pub async fn change(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(case_id): Path<String>,
    Form(fields): Form<PublicationFields>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let case_path = format!("/staff/cases/{}", path_segment(&case_id));
    let body = json!({
        "title": fields.title.trim(),
        "description": fields.description.trim(),
        "withdrawn": fields.withdrawn.is_some(),
        "reason": fields.reason.trim(),
    });
    let path = format!("/api/v1/reports/{}/publication", path_segment(&fields.code));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Intake, &path, Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t("done-publication")).keep(&staff.session).await?;
            Ok(see_other(&format!("{case_path}#publication")))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("publication", refusal_message(tr, &failure), Some(fields.reason))
                .keep(&staff.session)
                .await?;
            Ok(see_other(&format!("{case_path}#publication")))
        }
        Err(failure) => Err(failure.into()),
    }
}
