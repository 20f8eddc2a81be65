//! An institution's work on a case: follow-ups, questions, the resolution,
//! and a return as "not our authority".

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::{Path, State};
use serde::Deserialize;

use super::case::{CaseView, case_view};
use super::{parse_case_id, work_text};
use crate::ResolutionState;
use crate::casework::{Outcome, Work, do_work};

/// Text written on a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkRequest {
    /// 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

async fn work(
    state: ResolutionState,
    case_id: String,
    caller: Caller,
    request: WorkRequest,
    work: Work,
) -> Result<(axum::http::StatusCode, ApiJson<CaseView>), ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let text = work_text(&request.text, "text")?;
    let (case, outcome) = do_work(&state.db, &state.clocks, case_id, &caller, work, text).await?;
    state.outbox.wake();
    // Whoever could act on the case reads it in full.
    let status = match outcome {
        Outcome::Done => axum::http::StatusCode::OK,
        Outcome::Proposed => axum::http::StatusCode::ACCEPTED,
    };
    Ok((status, ApiJson(case_view(&state, &caller, case, true).await?)))
}

/// Post a follow-up the citizen will see.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/follow-ups",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_follow_up(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<(axum::http::StatusCode, ApiJson<CaseView>), ApiError> {
    work(state, case_id, caller, request, Work::FollowUp).await
}

/// Resolve the case. Where the institution's procedure wants a supervisor's
/// approval, an officer's resolution is kept for one (202) and the citizen
/// sees it only once approved.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/resolution",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 202, description = "Proposed, waiting for a supervisor", body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_resolution(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<(axum::http::StatusCode, ApiJson<CaseView>), ApiError> {
    work(state, case_id, caller, request, Work::Resolve).await
}

/// Return the case as not this institution's authority; routing places it again.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/return",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_return(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<(axum::http::StatusCode, ApiJson<CaseView>), ApiError> {
    work(state, case_id, caller, request, Work::Return).await
}

/// Ask the citizen for information; the case's clocks pause until the answer,
/// or until the procedure's window for it runs out.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/questions",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_question(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<(axum::http::StatusCode, ApiJson<CaseView>), ApiError> {
    work(state, case_id, caller, request, Work::AskCitizen).await
}
