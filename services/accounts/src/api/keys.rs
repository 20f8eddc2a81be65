//! The public keys every service verifies access tokens with, and their rotation.

use aduan_access::Jwks;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use super::Caller;
use crate::AccountsState;
use crate::authorization::{Action, authority};
use crate::{events, keys};

/// The published keys (a JWK set): every key a valid access token may be
/// signed with now. Public; may be cached for a minute.
#[utoipa::path(
    get,
    path = "/api/v1/keys",
    tag = "accounts",
    responses((status = 200, description = "The JWK set", body = Jwks))
)]
pub(super) async fn published_keys(State(state): State<AccountsState>) -> Result<impl IntoResponse, ApiError> {
    let loaded = state.keys.loaded(&state.db).await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=60")], ApiJson(loaded.jwks.clone())))
}

/// The key made current.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedKey {
    /// Its key id.
    pub kid: String,
}

/// Makes a new signing key current (national administrators). The old key
/// stays published until every token it signed has expired.
#[utoipa::path(
    post,
    path = "/api/v1/keys/rotation",
    tag = "accounts",
    responses(
        (status = 201, description = "A new key signs from now on", body = RotatedKey),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted: national administrators only", body = ErrorBody),
    )
)]
pub(super) async fn rotate_keys(
    State(state): State<AccountsState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    authority(&caller.claims.grants, Action::RotateSigningKeys)?;
    let kid = keys::rotate(&state.db, events::administrator(&caller.claims.sub)).await?;
    state.keys.forget();
    state.outbox.wake();
    Ok((StatusCode::CREATED, ApiJson(RotatedKey { kid })))
}
