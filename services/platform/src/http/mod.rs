//! HTTP plumbing shared by every service: the error body and its stable
//! codes, a JSON extractor whose rejections use them, health endpoints, the
//! layers every router gets, and the server that runs them.

mod error;
mod health;
mod layers;
mod rate_limit;
mod server;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

mod client;
pub use client::{FORWARDED_FOR, TrustedProxies};
pub use error::{
    ApiError, ErrorBody, ErrorDetail, MAX_BODY_BYTES, MAX_PHOTO_BYTES, MAX_PHOTOS, MAX_UPLOAD_BYTES,
    RETRY_AFTER_SECONDS, quoted,
};
pub use health::{Readiness, health_router};
pub use layers::{Limits, finish_router};
pub use rate_limit::per_client as rate_limit_per_client;
pub use server::{SHUTDOWN_GRACE, serve};

/// `Json<T>` whose rejections are [`ApiError`]s with stable codes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
