//! An institution's work on a case: follow-ups, questions, the resolution,
//! and a return as "not our authority".

use aduan_platform::http::{ApiError, ApiJson, ErrorBody, acting_staff};
use aduan_procedure::Role;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::case::{CaseView, case_view};
use super::{OFFICER_HEADER, ROLE_HEADER, parse_case_id, work_text};
use crate::ResolutionState;
use crate::casework::{Officer, Work, do_work};

/// Text written on a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkRequest {
    /// 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

/// The acting officer, as the request names them.
pub(super) fn officer(headers: &HeaderMap) -> Result<Officer, ApiError> {
    let id = acting_staff(headers, OFFICER_HEADER, "officer_required")?;
    let role = match headers.get(ROLE_HEADER).map(|value| value.to_str().unwrap_or_default()) {
        None | Some("officer") => Role::Officer,
        Some("coordinator") => Role::Coordinator,
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_role",
                format!("{} is not officer or coordinator", aduan_platform::http::quoted(other)),
            ));
        }
    };
    Ok(Officer { id, role })
}

async fn work(
    state: ResolutionState,
    case_id: String,
    headers: HeaderMap,
    request: WorkRequest,
    work: Work,
) -> Result<ApiJson<CaseView>, ApiError> {
    let officer = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let text = work_text(&request.text, "text")?;
    let case = do_work(&state.db, &state.clocks, case_id, &officer, work, text).await?;
    state.outbox.wake();
    Ok(ApiJson(case_view(&state, case).await?))
}

/// Post a follow-up the citizen will see.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/follow-ups",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_follow_up(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::FollowUp).await
}

/// Resolve the case.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/resolution",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_resolution(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::Resolve).await
}

/// Return the case as not this institution's authority; routing places it again.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/return",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_return(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::Return).await
}

/// Ask the citizen for information; the case's clocks pause until the answer,
/// or until the procedure's window for it runs out.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/questions",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_question(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::AskCitizen).await
}
