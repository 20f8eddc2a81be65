//! The citizen's own steps on their report, each proved by the report's
//! secret: accept the answer (with a rating and "was it fixed?"), clarify
//! for the verifier, reply to the institution, dispute, appeal, and refer a
//! closed case to the ombudsman. Each is one procedure step and one event,
//! in one transaction that takes no second connection.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::outbox;
use aduan_platform::proto::{self, Actor, Role, envelope::Event};
use aduan_platform::report_order;
use aduan_procedure::{Action, Status};
use aduan_text::TextRule;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set};
use serde::Deserialize;

use super::tracking::{ReportView, report_view};
use crate::IntakeState;
use crate::entities::report;
use crate::tracking;

/// What a citizen writes on their report.
const CITIZEN_TEXT: TextRule = TextRule::block(5, 5000);
/// A comment with an acceptance.
const COMMENT: TextRule = TextRule::block(0, 1000);

/// The citizen's answer to "was it fixed?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fixed {
    /// It was fixed.
    Yes,
    /// It was not.
    No,
    /// In part.
    Partly,
}

impl Fixed {
    fn as_str(self) -> &'static str {
        match self {
            Fixed::Yes => "yes",
            Fixed::No => "no",
            Fixed::Partly => "partly",
        }
    }

    fn to_proto(self) -> proto::Fixed {
        match self {
            Fixed::Yes => proto::Fixed::Yes,
            Fixed::No => proto::Fixed::No,
            Fixed::Partly => proto::Fixed::Partly,
        }
    }
}

/// The citizen accepts the institution's resolution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The secret given at filing.
    #[schema(max_length = 128)]
    pub secret: String,
    /// 1 (poor) to 5 (excellent), optional.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<u8>,
    /// Was the problem fixed? Optional.
    #[serde(default)]
    pub fixed: Option<Fixed>,
    /// Up to 1000 characters, optional.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}

/// Something the citizen writes on their report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenTextRequest {
    /// The secret given at filing.
    #[schema(max_length = 128)]
    pub secret: String,
    /// 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

fn citizen_text(text: &str) -> Result<String, ApiError> {
    ApiError::check_text(text, "text", "invalid_text", CITIZEN_TEXT)
}

/// One step the citizen takes: what the procedure calls it, the code of
/// the refusal when it does not apply now, the event announcing it, and
/// what else it stores on the report.
struct Step {
    action: Action,
    conflict_code: &'static str,
    event: Event,
    rating: Option<i32>,
    fixed: Option<Fixed>,
}

impl Step {
    fn new(action: Action, conflict_code: &'static str, event: Event) -> Self {
        Self { action, conflict_code, event, rating: None, fixed: None }
    }
}

/// Proves ownership, asks the procedure, and stores the new status with the
/// event announcing it, all in one transaction.
async fn citizen_step(
    state: &IntakeState,
    tracking_code: &str,
    secret: &str,
    step: Step,
) -> Result<ApiJson<ReportView>, ApiError> {
    let code = tracking::normalise_tracking_code(tracking_code);
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    // Locked: an event may be changing the report right now.
    let report = report::Entity::find()
        .filter(report::Column::TrackingCode.eq(code))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("report_not_found", "no report has this tracking code"))?;
    if !tracking::secret_matches(secret, &report.secret_hash) {
        return Err(ApiError::forbidden("wrong_secret", "the secret does not match this report"));
    }
    let current = Status::parse(&report.status).ok_or_else(|| ApiError::internal("unknown stored status"))?;
    let next = aduan_procedure::transition(current, step.action, aduan_procedure::Role::Citizen)
        .map_err(|error| ApiError::conflict(step.conflict_code, error.to_string()))?;
    if matches!(step.action, Action::Dispute | Action::Appeal) && current == Status::Resolved {
        check_window(state, &report)?;
    }
    let report_id = report.id;
    let actor = Actor { role: Role::Citizen as i32, pseudonym: tracking::citizen_pseudonym(report_id) };
    let sequence = outbox::enqueue(&txn, new_envelope(report_id, actor, step.event)).await?;
    let mut active = report.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.status_changed_at = Set(state.today.now());
    active.status_sequence = Set(report_order::stored(sequence));
    if step.action == Action::Accept {
        active.rating = Set(step.rating);
        active.fixed = Set(step.fixed.map(|fixed| fixed.as_str().to_owned()));
    }
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(ApiJson(report_view(&state.db, updated, true).await?))
}

/// A resolution can be disputed or appealed within the procedure's window,
/// counted in working days where the report is, on the clocks' date.
fn check_window(state: &IntakeState, report: &report::Model) -> Result<(), ApiError> {
    let registry = state.registry.current();
    let calendar = registry.calendar_for(&report.region);
    let offset = registry.utc_offset_for(&report.region);
    let resolved_on = report.status_changed_at.with_timezone(&offset).date_naive();
    let today = state.today.date_at(offset);
    let institution = report.institution_id.as_deref().unwrap_or_default();
    let window = state.procedures.for_institution(institution).clocks.dispute_window;
    if within_window(&calendar, resolved_on, today, window) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "window_closed",
            format!("a resolution can be disputed or appealed within {window} working days"),
        ))
    }
}

/// Whether `today` is at most `window` working days after `resolved_on`.
fn within_window(calendar: &aduan_procedure::Calendar, resolved_on: NaiveDate, today: NaiveDate, window: u32) -> bool {
    calendar.working_days_between(resolved_on, today) <= window
}

/// Accept the resolution; the report closes.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/acceptance",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The code given at filing", max_length = 40)),
    request_body = AcceptRequest,
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 409, description = "Not resolved yet, or already closed", body = ErrorBody),
        (status = 422, description = "Rating or comment out of range", body = ErrorBody),
    )
)]
pub(super) async fn accept_resolution(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    if request.rating.is_some_and(|rating| !(1..=5).contains(&rating)) {
        return Err(ApiError::invalid("invalid_rating", "rating must be 1 to 5"));
    }
    let comment =
        ApiError::check_text(request.comment.as_deref().unwrap_or_default(), "comment", "invalid_comment", COMMENT)?;
    let event = Event::Accepted(proto::Accepted {
        rating: u32::from(request.rating.unwrap_or(0)),
        comment,
        fixed: request.fixed.map_or(proto::Fixed::Unanswered, Fixed::to_proto) as i32,
    });
    let step = Step {
        rating: request.rating.map(i32::from),
        fixed: request.fixed,
        ..Step::new(Action::Accept, "not_acceptable_now", event)
    };
    citizen_step(&state, &tracking_code, &request.secret, step).await
}

/// Answer the verifier's question about a deferred report; it goes back to verification.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/clarification",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The code given at filing", max_length = 40)),
    request_body = CitizenTextRequest,
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 409, description = "Nobody asked", body = ErrorBody),
        (status = 422, description = "Text too short or too long", body = ErrorBody),
    )
)]
pub(super) async fn clarify(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let text = citizen_text(&request.text)?;
    let event = Event::Clarified(proto::Clarified { text });
    citizen_step(&state, &tracking_code, &request.secret, Step::new(Action::Clarify, "not_clarifiable_now", event))
        .await
}

/// Answer the institution's question, or write to it while it follows up.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/replies", tag = "citizens",
    params(("tracking_code" = String, Path, max_length = 40)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn reply(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let text = citizen_text(&request.text)?;
    let event = Event::CitizenReplied(proto::CitizenReplied { text });
    let step = Step::new(Action::CitizenReplies, "not_awaiting_reply", event);
    citizen_step(&state, &tracking_code, &request.secret, step).await
}

/// Dispute the resolution: the same institution must take it up again.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/dispute", tag = "citizens",
    params(("tracking_code" = String, Path, max_length = 40)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn dispute(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::Disputed(proto::Disputed { reason });
    citizen_step(&state, &tracking_code, &request.secret, Step::new(Action::Dispute, "not_disputable_now", event)).await
}

/// Appeal to the level above the institution that resolved the report (to
/// the national verifier when it has none).
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/appeal", tag = "citizens",
    params(("tracking_code" = String, Path, max_length = 40)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn appeal(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::Appealed(proto::Appealed { reason });
    citizen_step(&state, &tracking_code, &request.secret, Step::new(Action::Appeal, "not_appealable_now", event)).await
}

/// Refer a closed case the citizen is not satisfied with to the ombudsman,
/// who receives an export of the whole case.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/ombudsman", tag = "citizens",
    params(("tracking_code" = String, Path, max_length = 40)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn refer_to_ombudsman(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::ReferredToOmbudsman(proto::ReferredToOmbudsman { reason });
    let step = Step::new(Action::ReferToOmbudsman, "not_referable_now", event);
    citizen_step(&state, &tracking_code, &request.secret, step).await
}

#[cfg(test)]
mod tests {
    use super::within_window;
    use chrono::NaiveDate;

    #[test]
    fn the_dispute_window_counts_working_days() {
        let calendar = aduan_procedure::Calendar::monday_to_friday([]);
        let date = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("a date");
        // Resolved Monday 2 March: 10 working days end Monday 16 March.
        assert!(within_window(&calendar, date(2), date(2), 10));
        assert!(within_window(&calendar, date(2), date(16), 10));
        assert!(!within_window(&calendar, date(2), date(17), 10));
    }
}
