//! The error every endpoint answers with: an HTTP status, a stable
//! machine-readable code and a message for people. Internal details are
//! logged, never sent; what a client sent is quoted only as a short excerpt.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::database::{Failure, classify};

/// The largest request body any endpoint takes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The most photos one report carries.
pub const MAX_PHOTOS: usize = 5;
/// The largest photo taken, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// The largest body that carries photos: all a report may carry, and the form around them.
pub const MAX_UPLOAD_BYTES: usize = MAX_PHOTOS * MAX_PHOTO_BYTES + MAX_BODY_BYTES;

/// How long a client is asked to wait when the service is down or busy.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// At most this many characters of what a client sent are quoted back.
const QUOTE_CHARACTERS: usize = 40;

/// An error as a client sees it: an HTTP status, a stable machine-readable
/// code, and a message for people. Internal details are logged, never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable code clients branch on, e.g. `unknown_category`.
    pub code: &'static str,
    /// What went wrong, in words.
    pub message: String,
    /// Seconds to wait before trying again, for 429 and 503.
    pub retry_after: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// What a client sent, quoted for an error message: at most a short prefix.
pub fn quoted(input: &str) -> String {
    format!("{:?}", aduan_text::excerpt(input, QUOTE_CHARACTERS))
}

/// A message from a library's rejection, cut to a length fit for an answer.
fn bounded(message: String) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX { message } else { aduan_text::excerpt(&message, MAX) }
}

impl ApiError {
    /// A client error with `status` and a stable `code`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// 422 with `code`: the body parsed but a value is not acceptable.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 404 with `code`.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with `code`: the request conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 403 with `code`: the caller may not do this.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 503 with `code` and a `Retry-After`: try again in a moment.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self { retry_after: Some(RETRY_AFTER_SECONDS), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message) }
    }

    /// 500: logs `error` in full and tells the client only that it failed.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; try again")
    }

    /// A free text checked by the one validator (`aduan_text`), or a 422
    /// with `code` naming `field`.
    pub fn check_text(
        value: &str,
        field: &str,
        code: &'static str,
        rule: aduan_text::TextRule,
    ) -> Result<String, ApiError> {
        aduan_text::clean(value, rule).map_err(|error| Self::invalid(code, format!("{field} {error}")))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        match classify(&error) {
            Failure::Unavailable => {
                tracing::warn!(%error, "the database is unavailable");
                Self::unavailable("database_unavailable", "the service cannot reach its database; try again shortly")
            }
            Failure::Constraint => {
                tracing::info!(%error, "a request conflicted with what is stored");
                Self::conflict(
                    "conflict",
                    "this conflicts with something done at the same moment; read again and retry",
                )
            }
            Failure::Other => Self::internal(error),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        if let Some(database) = error.downcast_ref::<sea_orm::DbErr>() {
            return Self::from(database.clone());
        }
        Self::internal(format!("{error:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message } };
        let mut response = (self.status, Json(body)).into_response();
        if unauthorized {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let message = bounded(rejection.body_text());
        match rejection {
            JsonRejection::JsonDataError(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message),
            JsonRejection::JsonSyntaxError(_) => Self::new(StatusCode::BAD_REQUEST, "malformed_json", message),
            JsonRejection::MissingJsonContentType(_) => {
                Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            _ => Self::new(StatusCode::BAD_REQUEST, "unreadable_body", message),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_query", bounded(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_short() {
        let long = "x".repeat(500);
        assert!(quoted(&long).chars().count() < 50, "{}", quoted(&long));
        assert_eq!(quoted("roads"), r#""roads""#);
    }

    #[test]
    fn unavailable_answers_carry_retry_after() {
        let response = ApiError::unavailable("database_unavailable", "down").into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("5"));
    }

    #[test]
    fn a_lost_connection_is_a_503_not_a_500() {
        let error = sea_orm::DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        assert_eq!(ApiError::from(error).status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
