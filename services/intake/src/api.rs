//! Intake's JSON API for citizens: file a report, follow it, accept its resolution.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::outbox;
use aduan_platform::proto::{self, Actor, Role, envelope::Event};
use aduan_procedure::{Action, Status};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::IntakeState;
use crate::entities::{report, report_update};
use crate::filing::{FileReportRequest, NewReport, file_report};
use crate::tracking;

/// The header a citizen sends their report's secret in.
pub const SECRET_HEADER: &str = "x-report-secret";

/// Intake's routes and their OpenAPI description.
pub fn router(state: IntakeState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(create_report))
        .routes(routes!(get_report))
        .routes(routes!(accept_resolution))
        .routes(routes!(clarify))
        .routes(routes!(reply))
        .routes(routes!(dispute))
        .routes(routes!(appeal))
        .routes(routes!(refer_to_ombudsman))
        .routes(routes!(list_categories))
        .routes(routes!(list_regions))
        .with_state(state)
}

/// What the citizen gets when a report is filed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiledResponse {
    /// Follow the report with it.
    pub tracking_code: String,
    /// Keep it: it proves the report is yours (to read a confidential report, to accept). Shown once.
    pub secret: String,
    /// Always `submitted`.
    pub status: String,
    /// Where to follow the report.
    pub status_url: String,
}

/// File a complaint, an aspiration or an information request.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "citizens",
    request_body = FileReportRequest,
    responses(
        (status = 201, description = "Filed; keep the tracking code and the secret", body = FiledResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "A field is missing or not acceptable", body = ErrorBody),
    )
)]
async fn create_report(
    State(state): State<IntakeState>,
    ApiJson(request): ApiJson<FileReportRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let report = NewReport::parse(request, &state.registry.current())?;
    let filed = file_report(&state.db, report, "api").await?;
    state.outbox.wake();
    tracing::info!(report_id = %filed.report_id, "report filed");
    let status_url = format!("/api/v1/reports/{}", filed.tracking_code);
    let body = FiledResponse {
        tracking_code: filed.tracking_code,
        secret: filed.secret,
        status: Status::Submitted.as_str().to_owned(),
        status_url: status_url.clone(),
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, status_url)], ApiJson(body)))
}

/// One step of a report's history, as the citizen sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpdateView {
    /// When.
    pub at: DateTime<Utc>,
    /// assigned, received, returned, follow_up, resolved, closed.
    pub kind: String,
    /// The institution that acted, if one did.
    pub institution: Option<String>,
    /// What happened, or what the institution wrote.
    pub text: String,
}

/// A report as its citizen follows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// The tracking code.
    pub tracking_code: String,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// public, anonymous or confidential.
    pub privacy: String,
    /// Where it stands.
    pub status: String,
    /// The institution holding it.
    pub institution: Option<String>,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// Title, shown to the holder of the secret.
    pub title: Option<String>,
    /// Description, shown to the holder of the secret.
    pub description: Option<String>,
    /// What has happened, oldest first.
    pub updates: Vec<UpdateView>,
}

async fn find_by_code(db: &DatabaseConnection, code: &str) -> Result<report::Model, ApiError> {
    let code = tracking::normalise_tracking_code(code);
    report::Entity::find()
        .filter(report::Column::TrackingCode.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("report_not_found", "no report has this tracking code"))
}

/// Whether the request proves ownership; a wrong secret is an error, none is not.
fn owner_secret(headers: &HeaderMap, report: &report::Model) -> Result<bool, ApiError> {
    match headers.get(SECRET_HEADER) {
        None => Ok(false),
        Some(value) => {
            let secret = value.to_str().unwrap_or_default();
            if tracking::secret_matches(secret, &report.secret_hash) {
                Ok(true)
            } else {
                Err(ApiError::new(StatusCode::FORBIDDEN, "wrong_secret", "the secret does not match this report"))
            }
        }
    }
}

/// Follow a report by its tracking code.
///
/// Status and the institutions' answers are shown to anyone with the code,
/// except for confidential reports; the title and description only to the
/// holder of the secret (header `X-Report-Secret`).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing"),
        ("X-Report-Secret" = Option<String>, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret, or a confidential report without one", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
    )
)]
async fn get_report(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
) -> Result<ApiJson<ReportView>, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    let is_owner = owner_secret(&headers, &report)?;
    if !is_owner && report.privacy == "confidential" {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "secret_required",
            "this report is confidential: send its secret in the X-Report-Secret header",
        ));
    }
    Ok(ApiJson(report_view(&state.db, report, is_owner).await?))
}

/// The citizen's view of `report`; its text only for its owner.
async fn report_view(db: &DatabaseConnection, report: report::Model, is_owner: bool) -> Result<ReportView, ApiError> {
    let updates = report_update::Entity::find()
        .filter(report_update::Column::ReportId.eq(report.id))
        .order_by_asc(report_update::Column::OccurredAt)
        .all(db)
        .await?
        .into_iter()
        .map(|update| UpdateView {
            at: update.occurred_at,
            kind: update.kind,
            institution: update.institution_name,
            text: update.text,
        })
        .collect();
    Ok(ReportView {
        tracking_code: report.tracking_code,
        kind: report.kind,
        category: report.category,
        region: report.region,
        privacy: report.privacy,
        status: report.status,
        institution: report.institution_name,
        filed_at: report.filed_at,
        title: is_owner.then_some(report.title),
        description: is_owner.then_some(report.description),
        updates,
    })
}

/// The citizen accepts the institution's resolution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The secret given at filing.
    pub secret: String,
    /// 1 (poor) to 5 (excellent), optional.
    #[serde(default)]
    pub rating: Option<u8>,
    /// Up to 1000 characters, optional.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Accept the resolution; the report closes.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/acceptance",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The code given at filing")),
    request_body = AcceptRequest,
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 409, description = "Not resolved yet, or already closed", body = ErrorBody),
        (status = 422, description = "Rating or comment out of range", body = ErrorBody),
    )
)]
async fn accept_resolution(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    if request.rating.is_some_and(|rating| !(1..=5).contains(&rating)) {
        return Err(ApiError::invalid("invalid_rating", "rating must be 1 to 5"));
    }
    let comment = request.comment.unwrap_or_default().trim().to_owned();
    if comment.chars().count() > 1000 {
        return Err(ApiError::invalid("invalid_comment", "comment must be at most 1000 characters"));
    }
    let event = Event::Accepted(proto::Accepted { rating: u32::from(request.rating.unwrap_or(0)), comment });
    citizen_step(&state, &tracking_code, &request.secret, Action::Accept, "not_acceptable_now", event).await
}

/// A step the citizen takes on their own report: proves ownership, asks the
/// procedure, and stores the new status with the event announcing it.
async fn citizen_step(
    state: &IntakeState,
    tracking_code: &str,
    secret: &str,
    action: Action,
    conflict_code: &'static str,
    event: Event,
) -> Result<ApiJson<ReportView>, ApiError> {
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    let report = owned_report_locked(&state.db, &txn, tracking_code, secret).await?;
    let current = Status::parse(&report.status).ok_or_else(|| ApiError::internal("unknown stored status"))?;
    let next = aduan_procedure::transition(current, action, aduan_procedure::Role::Citizen)
        .map_err(|error| ApiError::conflict(conflict_code, error.to_string()))?;
    if matches!(action, Action::Dispute | Action::Appeal) && current == Status::Resolved {
        let registry = state.registry.current();
        let calendar = registry.calendar_for(&report.region);
        // Days as they are where the report is, not in Greenwich.
        let offset = registry.utc_offset_for(&report.region);
        let resolved_on = report.status_changed_at.with_timezone(&offset).date_naive();
        let today = Utc::now().with_timezone(&offset).date_naive();
        let institution = report.institution_id.as_deref().unwrap_or_default();
        let window = state.procedures.for_institution(institution).clocks.dispute_window;
        if !within_window(&calendar, resolved_on, today, window) {
            return Err(ApiError::conflict(
                "window_closed",
                format!("a resolution can be disputed or appealed within {window} working days"),
            ));
        }
    }
    let report_id = report.id;
    let mut active = report.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.status_changed_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    let actor = Actor { role: Role::Citizen as i32, pseudonym: tracking::citizen_pseudonym(report_id) };
    outbox::enqueue(&txn, &new_envelope(report_id, actor, event)).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok(ApiJson(report_view(&state.db, updated, true).await?))
}

/// Whether `today` is at most `window` working days after `resolved_on`.
fn within_window(calendar: &aduan_procedure::Calendar, resolved_on: NaiveDate, today: NaiveDate, window: u32) -> bool {
    calendar.working_days_between(resolved_on, today) <= window
}

/// The report with `tracking_code`, read under a lock inside `txn`, if `secret` proves ownership.
async fn owned_report_locked(
    db: &DatabaseConnection,
    txn: &sea_orm::DatabaseTransaction,
    tracking_code: &str,
    secret: &str,
) -> Result<report::Model, ApiError> {
    let found = find_by_code(db, tracking_code).await?;
    if !tracking::secret_matches(secret, &found.secret_hash) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong_secret", "the secret does not match this report"));
    }
    // Re-read under a lock: an event may be changing the report right now.
    report::Entity::find_by_id(found.id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal("the report vanished"))
}

/// Answer the verifier's question about a deferred report; it goes back to verification.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/clarification",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The code given at filing")),
    request_body = CitizenTextRequest,
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 409, description = "Nobody asked", body = ErrorBody),
        (status = 422, description = "Text too short or too long", body = ErrorBody),
    )
)]
async fn clarify(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let text = citizen_text(&request.text)?;
    let event = Event::Clarified(proto::Clarified { text });
    citizen_step(&state, &tracking_code, &request.secret, Action::Clarify, "not_clarifiable_now", event).await
}

/// Something the citizen writes on their report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenTextRequest {
    /// The secret given at filing.
    pub secret: String,
    /// 5 to 5000 characters.
    pub text: String,
}

fn citizen_text(text: &str) -> Result<String, ApiError> {
    let text = text.trim().to_owned();
    let length = text.chars().count();
    if !(5..=5000).contains(&length) {
        return Err(ApiError::invalid("invalid_text", format!("text must be 5 to 5000 characters; it has {length}")));
    }
    Ok(text)
}

/// Answer the institution's question, or write to it while it follows up.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/replies", tag = "citizens",
    params(("tracking_code" = String, Path)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let text = citizen_text(&request.text)?;
    let event = Event::CitizenReplied(proto::CitizenReplied { text });
    citizen_step(&state, &tracking_code, &request.secret, Action::CitizenReplies, "not_awaiting_reply", event).await
}

/// Dispute the resolution: the same institution must take it up again.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/dispute", tag = "citizens",
    params(("tracking_code" = String, Path)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn dispute(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::Disputed(proto::Disputed { reason });
    citizen_step(&state, &tracking_code, &request.secret, Action::Dispute, "not_disputable_now", event).await
}

/// Appeal to the level above the institution that resolved the report.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/appeal", tag = "citizens",
    params(("tracking_code" = String, Path)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn appeal(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::Appealed(proto::Appealed { reason });
    citizen_step(&state, &tracking_code, &request.secret, Action::Appeal, "not_appealable_now", event).await
}

/// Refer a closed case the citizen is not satisfied with to the ombudsman,
/// who receives an export of the whole case.
#[utoipa::path(post, path = "/api/v1/reports/{tracking_code}/ombudsman", tag = "citizens",
    params(("tracking_code" = String, Path)), request_body = CitizenTextRequest,
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn refer_to_ombudsman(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    ApiJson(request): ApiJson<CitizenTextRequest>,
) -> Result<ApiJson<ReportView>, ApiError> {
    let reason = citizen_text(&request.text)?;
    let event = Event::ReferredToOmbudsman(proto::ReferredToOmbudsman { reason });
    citizen_step(&state, &tracking_code, &request.secret, Action::ReferToOmbudsman, "not_referable_now", event).await
}

/// A category a report can be filed under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    /// Send this as `category`.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The categories a report can be filed under.
#[utoipa::path(get, path = "/api/v1/categories", tag = "citizens", responses((status = 200, body = Vec<CategoryView>)))]
async fn list_categories(State(state): State<IntakeState>) -> ApiJson<Vec<CategoryView>> {
    ApiJson(
        state
            .registry
            .current()
            .categories()
            .iter()
            .map(|category| CategoryView { id: category.id.clone(), name: category.name.clone() })
            .collect(),
    )
}

/// A region a report can be filed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionView {
    /// Official code; send this as `region`.
    pub code: String,
    /// Name.
    pub name: String,
    /// The containing region's code.
    pub parent: Option<String>,
}

/// The regions a report can be filed in.
#[utoipa::path(get, path = "/api/v1/regions", tag = "citizens", responses((status = 200, body = Vec<RegionView>)))]
async fn list_regions(State(state): State<IntakeState>) -> ApiJson<Vec<RegionView>> {
    ApiJson(
        state
            .registry
            .current()
            .regions()
            .iter()
            .map(|region| RegionView {
                code: region.code.clone(),
                name: region.name.clone(),
                parent: region.parent.clone(),
            })
            .collect(),
    )
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
