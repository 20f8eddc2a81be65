//! The link at the foot of every message to a citizen: no more messages
//! about this report. The token in it is the report's own, so a tracking
//! code alone cannot silence someone else's messages.

use aduan_platform::http::{ApiError, ErrorBody};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::Deserialize;

use super::find_by_code;
use crate::IntakeState;
use crate::entities::notification;
use crate::filing::Language;
use crate::tracking;

/// The token from the link.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StopQuery {
    /// The token the message carried.
    #[param(max_length = 100)]
    token: String,
}

/// Stops the messages about a report (the link in each message; GET so that
/// a click does it, and the same again changes nothing).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/notifications/stop",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40), StopQuery),
    responses(
        (status = 200, description = "A page saying no more messages will come", content_type = "text/html"),
        (status = 403, description = "wrong_token", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(super) async fn stop(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    Query(query): Query<StopQuery>,
) -> Result<Response, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    let matches = report
        .notify_token
        .as_deref()
        .is_some_and(|token| tracking::secret_matches(query.token.trim(), &tracking::hash_secret(token)));
    if !matches {
        return Err(ApiError::forbidden("wrong_token", "this link is not the one the messages carried"));
    }
    let (code, language) = (report.tracking_code.clone(), Language::parse(&report.language));
    if report.notifications_stopped_at.is_none() {
        let report_id = report.id;
        let txn = aduan_platform::database::begin_write(&state.db).await?;
        let mut active = report.into_active_model();
        active.notifications_stopped_at = Set(Some(chrono::Utc::now()));
        active.update(&txn).await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value("skipped"))
            .filter(notification::Column::ReportId.eq(report_id))
            .filter(notification::Column::Status.eq("pending"))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::info!(%report_id, "a citizen stopped the messages about their report");
    }
    let (lang, title, text) = match language {
        Language::En => ("en", "No more messages", format!("You will get no more messages about report {code}.")),
        Language::Id => {
            ("id", "Pesan dihentikan", format!("Anda tidak akan menerima pesan lagi tentang laporan {code}."))
        }
    };
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title></head><body><main><h1>{title}</h1>\
         <p>{text}</p></main></body></html>"
    );
    Ok(Html(page).into_response())
}
