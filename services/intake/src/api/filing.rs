//! `POST /api/v1/reports`: a citizen files a report.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_procedure::Status;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use crate::IntakeState;
use crate::filing::{FileReportRequest, NewReport};

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
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "The database is unavailable; try again after Retry-After", body = ErrorBody),
    )
)]
pub(super) async fn create_report(
    State(state): State<IntakeState>,
    ApiJson(request): ApiJson<FileReportRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let report = NewReport::parse(request, &state.registry.current())?;
    let filed = state.filer.file(report, "api").await?;
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
