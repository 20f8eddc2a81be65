//! A verifier's say over the public record (PROCEDURE.md: "published after
//! verification, redacted by the verifier where needed"): the title and
//! description as published, with what must not be read taken out, or the
//! report kept off the record altogether. Each change is an event, so the
//! ledger holds who changed what the public reads, and when.

use aduan_access::StaffRole;
use aduan_platform::auth::{Caller, bearer_token};
use aduan_platform::envelope::new_envelope;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::outbox;
use aduan_platform::proto::{self, envelope::Event};
use aduan_text::TextRule;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
use serde::{Deserialize, Serialize};

use super::find_by_code;
use crate::IntakeState;
use crate::entities::report;
use crate::filing::{DESCRIPTION, TITLE};
use crate::publication;

/// A verifier's reason for a change to the public record.
const REASON: TextRule = TextRule::line(5, 500);

/// What the public record should show of a report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationRequest {
    /// The title to publish (5 to 200 characters); absent: as it is now.
    #[serde(default)]
    #[schema(min_length = 5, max_length = 200)]
    pub title: Option<String>,
    /// The description to publish (10 to 5000 characters); absent: as it is now.
    #[serde(default)]
    #[schema(min_length = 10, max_length = 5000)]
    pub description: Option<String>,
    /// Publish the citizen's own title and description again, undoing every redaction.
    #[serde(default)]
    pub restore_original: bool,
    /// Keep the report off the public record.
    #[serde(default)]
    pub withdrawn: bool,
    /// Why (5 to 500 characters), for the ledger and the case's history.
    #[schema(min_length = 5, max_length = 500)]
    pub reason: String,
}

/// What the public record shows of a report now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicationView {
    /// The tracking code.
    pub tracking_code: String,
    /// The title the public reads.
    pub title: String,
    /// The description the public reads.
    pub description: String,
    /// Whether the title or the description is a verifier's redaction.
    pub redacted: bool,
    /// Kept off the public record by a verifier.
    pub withdrawn: bool,
    /// On the public record now.
    pub published: bool,
}

impl From<&report::Model> for PublicationView {
    fn from(report: &report::Model) -> Self {
        Self {
            tracking_code: report.tracking_code.clone(),
            title: publication::public_title(report).to_owned(),
            description: publication::public_description(report).to_owned(),
            redacted: report.public_title.is_some() || report.public_description.is_some(),
            withdrawn: report.withdrawn_at.is_some(),
            published: publication::is_published(report),
        }
    }
}

/// The verifier calling, if the token's grants reach the report: a national
/// verifier, or one whose scope holds the institution that has it.
async fn verifier(state: &IntakeState, headers: &HeaderMap, report: &report::Model) -> Result<Caller, ApiError> {
    let token = bearer_token(headers)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "send an access token"))?;
    let caller = Caller::from(state.authenticator.verify(token).await?);
    let registry = state.registry.current();
    let reaches = caller.grants_of(StaffRole::Verifier).any(|grant| match report.institution_id.as_deref() {
        Some(institution) => grant.covers(institution, |id, ancestor| registry.is_below(id, ancestor)),
        None => grant.institution.is_none(),
    });
    if reaches {
        Ok(caller)
    } else if caller.holds(StaffRole::Verifier) {
        Err(ApiError::forbidden("outside_scope", "this report is outside the institutions your roles cover"))
    } else {
        Err(ApiError::forbidden("not_permitted", "only a verifier decides what the public record shows"))
    }
}

/// Redact what the public record shows of a public or anonymous report, or
/// keep it off the record (verifiers).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/publication",
    tag = "verifiers",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40)),
    request_body = PublicationRequest,
    responses(
        (status = 200, body = PublicationView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "never_published: a confidential report", body = ErrorBody),
        (status = 422, description = "invalid_title, invalid_description or invalid_reason", body = ErrorBody),
    ),
    security(("access_token" = []))
)]
pub(super) async fn change(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PublicationRequest>,
) -> Result<ApiJson<PublicationView>, ApiError> {
    let found = find_by_code(&state.db, &tracking_code).await?;
    let caller = verifier(&state, &headers, &found).await?;
    if !publication::PUBLISHED_PRIVACY.contains(&found.privacy.as_str()) {
        return Err(ApiError::conflict("never_published", "a confidential report is never on the public record"));
    }
    let title = request
        .title
        .as_deref()
        .map(|title| ApiError::check_text(title, "title", "invalid_title", TITLE))
        .transpose()?;
    let description = request
        .description
        .as_deref()
        .map(|text| ApiError::check_text(text, "description", "invalid_description", DESCRIPTION))
        .transpose()?;
    let reason = ApiError::check_text(&request.reason, "reason", "invalid_reason", REASON)?;
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    let report = report::Entity::find_by_id(found.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("report_not_found", "no report has this tracking code"))?;
    // What is not said stays as it is: a withdrawal never undoes a redaction.
    let (title, description) = if request.restore_original {
        (None, None)
    } else {
        (title.or_else(|| report.public_title.clone()), description.or_else(|| report.public_description.clone()))
    };
    let event = Event::PublicationChanged(proto::PublicationChanged {
        public_title: title.clone().unwrap_or_default(),
        public_description: description.clone().unwrap_or_default(),
        withdrawn: request.withdrawn,
        reason,
    });
    outbox::enqueue(&txn, new_envelope(report.id, caller.actor(StaffRole::Verifier), event)).await?;
    let withdrawn_at = if request.withdrawn { report.withdrawn_at.or(Some(chrono::Utc::now())) } else { None };
    let mut active = report.into_active_model();
    active.public_title = Set(title);
    active.public_description = Set(description);
    active.withdrawn_at = Set(withdrawn_at);
    let report = active.update(&txn).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(report_id = %report.id, withdrawn = request.withdrawn, "a verifier changed the public record");
    Ok(ApiJson(PublicationView::from(&report)))
}

/// What the public record shows of a report (verifiers).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/publication",
    tag = "verifiers",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40)),
    responses(
        (status = 200, body = PublicationView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("access_token" = []))
)]
pub(super) async fn show(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
) -> Result<ApiJson<PublicationView>, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    verifier(&state, &headers, &report).await?;
    Ok(ApiJson(PublicationView::from(&report)))
}
