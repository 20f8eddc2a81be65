//! Signing in and out, and exchanging a session or an API token for an
//! access token.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use super::SessionBearer;
use crate::AccountsState;
use crate::entities::session;
use crate::sessions::{self, IssuedToken, SignedIn, session_invalid};
use crate::{api_tokens, secrets};

/// A sign-in with username and password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The username (case does not matter).
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// The password.
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
    /// The code from the authenticator app, for an account with a second factor.
    #[serde(default)]
    #[schema(min_length = 6, max_length = 12)]
    pub totp: Option<String>,
}

/// Never prints the password or the code.
impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest").finish_non_exhaustive()
    }
}

/// Sign in: opens a session and issues its first access token. Wrong
/// usernames, passwords and codes all answer 401 `invalid_credentials`;
/// after repeated failures the username is locked for a while (429
/// `too_many_attempts` with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "accounts",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in", body = SignedIn),
        (status = 401, description = "invalid_credentials, or totp_required (send the code)", body = ErrorBody),
        (status = 422, description = "A field is missing", body = ErrorBody),
        (status = 429, description = "too_many_attempts: wait for Retry-After seconds", body = ErrorBody),
    )
)]
pub(super) async fn sign_in(
    State(state): State<AccountsState>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let signed_in = sessions::sign_in(&state, &request.username, &request.password, request.totp.as_deref()).await?;
    Ok((StatusCode::CREATED, ApiJson(signed_in)))
}

/// Sign out: ends the session whose token is sent as `Authorization: Bearer …`.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/current",
    tag = "accounts",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "session_invalid or unauthenticated", body = ErrorBody),
    )
)]
pub(super) async fn sign_out(
    State(state): State<AccountsState>,
    SessionBearer(token): SessionBearer,
) -> Result<StatusCode, ApiError> {
    let digest = secrets::digest(&token).ok_or_else(session_invalid)?;
    let session = session::Entity::find()
        .filter(session::Column::TokenDigest.eq(digest))
        .one(&state.db)
        .await?
        .ok_or_else(session_invalid)?;
    sessions::revoke(&state.db, &session.id).await?;
    tracing::info!(user = %session.user_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// What to exchange for an access token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenRequest {
    /// A session token from sign-in.
    Session {
        /// The session token.
        #[schema(min_length = 1, max_length = 200)]
        session_token: String,
    },
    /// A machine's API token.
    ApiToken {
        /// The API token (`aduan_pat_…`).
        #[schema(min_length = 1, max_length = 200)]
        api_token: String,
    },
}

/// Never prints the token.
impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenRequest::Session { .. } => "TokenRequest::Session",
            TokenRequest::ApiToken { .. } => "TokenRequest::ApiToken",
        })
    }
}

/// A new access token (at most 5 minutes long) for a live session or a valid
/// API token, carrying the grants held now: a disabled user, an ended or
/// revoked session, an expired or revoked API token get none.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A new access token", body = IssuedToken),
        (status = 401, description = "session_invalid or api_token_invalid", body = ErrorBody),
        (status = 422, description = "Unknown grant_type or a missing field", body = ErrorBody),
    )
)]
pub(super) async fn exchange(
    State(state): State<AccountsState>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<ApiJson<IssuedToken>, ApiError> {
    let issued = match request {
        TokenRequest::Session { session_token } => sessions::exchange(&state, &session_token).await?,
        TokenRequest::ApiToken { api_token } => api_tokens::exchange(&state, &api_token).await?,
    };
    Ok(ApiJson(issued))
}
