//! The link at the foot of every message to a citizen: no more messages
//! about this report. The token in it is the report's own, so a tracking
//! code alone cannot silence someone else's messages.

use aduan_platform::http::{ApiError, ErrorBody};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::Deserialize;

use super::find_by_code;
use crate::IntakeState;
use crate::entities::{notification, report};
use crate::filing::Language;
use crate::tracking;

/// The token from the link.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StopQuery {
    /// The token the message carried.
    #[param(max_length = 100)]
    token: String,
}

/// The page behind the link: it asks before it stops anything, since mail
/// scanners open every link they see (RFC 8058 one-click clients POST).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/notifications/stop",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40), StopQuery),
    responses(
        (status = 200, description = "A page with the button that stops the messages", content_type = "text/html"),
        (status = 403, description = "wrong_token", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(super) async fn confirm_stop(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    Query(query): Query<StopQuery>,
) -> Result<Response, ApiError> {
    let report = report_with_token(&state, &tracking_code, &query.token).await?;
    let (code, token) = (report.tracking_code.as_str(), query.token.trim());
    let (lang, title, text, button) = match Language::parse(&report.language) {
        Language::En => ("en", "Stop the messages", format!("Stop the messages about report {code}?"), "Stop them"),
        Language::Id => ("id", "Hentikan pesan", format!("Hentikan pesan tentang laporan {code}?"), "Hentikan"),
    };
    let body = format!(
        "<p>{text}</p><form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\">{button}</button></form>"
    );
    Ok(page(lang, title, &body))
}

/// Stops the messages about a report; the same again changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/notifications/stop",
    tag = "citizens",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40), StopQuery),
    request_body(content = StopForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A page saying no more messages will come", content_type = "text/html"),
        (status = 403, description = "wrong_token", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(super) async fn stop(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    Query(query): Query<OptionalToken>,
    form: Result<Form<StopForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    // The token comes in the form (the page's button) or the URL (one-click clients).
    let token = form.ok().map(|Form(form)| form.token).or(query.token).unwrap_or_default();
    let report = report_with_token(&state, &tracking_code, &token).await?;
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
    Ok(page(lang, title, &format!("<p>{text}</p>")))
}

/// The token of a one-click request, when it is in the URL.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OptionalToken {
    /// The token the message carried.
    #[param(max_length = 100)]
    #[serde(default)]
    token: Option<String>,
}

/// The confirmation page's form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StopForm {
    /// The token the message carried.
    #[schema(max_length = 100)]
    token: String,
}

/// The report `code`, if `token` is the one its messages carry.
async fn report_with_token(state: &IntakeState, code: &str, token: &str) -> Result<report::Model, ApiError> {
    let report = find_by_code(&state.db, code).await?;
    let matches = report
        .notify_token
        .as_deref()
        .is_some_and(|stored| tracking::secret_matches(token.trim(), &tracking::hash_secret(stored)));
    if matches {
        Ok(report)
    } else {
        Err(ApiError::forbidden("wrong_token", "this link is not the one the messages carried"))
    }
}

/// A page of its own: the citizen came from their mail, not from the site.
/// Every text here is ours or a tracking code or token (letters, digits and dashes).
fn page(lang: &str, title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title></head><body><main><h1>{title}</h1>\
         {body}</main></body></html>"
    ))
    .into_response()
}
