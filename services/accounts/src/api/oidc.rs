//! Sign-in with the configured OpenID Connect provider.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::AccountsState;
use crate::sessions::SignedIn;

fn not_configured() -> ApiError {
    ApiError::not_found("oidc_not_configured", "sign-in with an OIDC provider is not configured here")
}

/// Whether sign-in with an OIDC provider is offered here.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OidcStatus {
    /// An OIDC provider is configured: the sign-in page offers it.
    pub enabled: bool,
}

/// Whether sign-in with an OIDC provider is offered here, for the sign-in
/// page to show its button.
#[utoipa::path(get, path = "/api/v1/oidc", tag = "accounts", responses((status = 200, body = OidcStatus)))]
pub(super) async fn oidc_status(State(state): State<AccountsState>) -> ApiJson<OidcStatus> {
    ApiJson(OidcStatus { enabled: state.oidc.is_some() })
}

/// Begins a sign-in with the OIDC provider: a redirect (302) to it.
#[utoipa::path(
    get,
    path = "/api/v1/oidc/authorization",
    tag = "accounts",
    responses(
        (status = 302, description = "Go to the provider (Location)"),
        (status = 404, description = "oidc_not_configured", body = ErrorBody),
        (status = 502, description = "oidc_provider_error", body = ErrorBody),
    )
)]
pub(super) async fn begin_oidc(State(state): State<AccountsState>) -> Result<impl IntoResponse, ApiError> {
    let provider = state.oidc.clone().ok_or_else(not_configured)?;
    let url = provider.begin(&state).await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url)]))
}

/// What the provider sends back.
#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct CallbackQuery {
    /// The authorization code.
    #[serde(default)]
    code: Option<String>,
    /// The state the sign-in began with.
    #[serde(default)]
    state: Option<String>,
    /// The provider's error, when it refused.
    #[serde(default)]
    error: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery").field("error", &self.error).finish_non_exhaustive()
    }
}

/// Finishes a sign-in with the provider's code: the same answer as a
/// password sign-in.
#[utoipa::path(
    get,
    path = "/api/v1/oidc/callback",
    tag = "accounts",
    params(CallbackQuery),
    responses(
        (status = 200, description = "Signed in", body = SignedIn),
        (status = 401, description = "oidc_denied, oidc_state_invalid or oidc_token_invalid", body = ErrorBody),
        (status = 403, description = "no_mapped_grants or account_disabled", body = ErrorBody),
        (status = 404, description = "oidc_not_configured", body = ErrorBody),
        (status = 502, description = "oidc_provider_error", body = ErrorBody),
    )
)]
pub(super) async fn finish_oidc(
    State(state): State<AccountsState>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<ApiJson<SignedIn>, ApiError> {
    let provider = state.oidc.clone().ok_or_else(not_configured)?;
    let Query(query) = query?;
    let (Some(code), Some(flow_state), None) = (query.code, query.state, query.error) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "oidc_denied",
            "the provider did not sign you in; begin again",
        ));
    };
    Ok(ApiJson(provider.finish(&state, &code, &flow_state).await?))
}
