//! The caller's own account: who they are, their second factor, signing out
//! everywhere.

use aduan_access::Grant;
use aduan_platform::database::begin_write;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::Caller;
use crate::AccountsState;
use crate::entities::{session, user};
use crate::events::{self, Change};
use crate::{grants, second_factor, sessions, throttle};

/// The caller, as accounts knows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    /// The pseudonymous id.
    pub subject: String,
    /// The username.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The grants held (an enrolment-only session's tokens carry none of them).
    pub grants: Vec<Grant>,
    /// Whether a second factor is enrolled.
    pub totp_enabled: bool,
    /// Whether policy requires one.
    pub totp_required: bool,
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    responses(
        (status = 200, body = MeView),
        (status = 401, description = "No valid access token, or the session ended", body = ErrorBody),
        (status = 403, description = "users_only: an API token has no account", body = ErrorBody),
    )
)]
pub(super) async fn me(State(state): State<AccountsState>, caller: Caller) -> Result<ApiJson<MeView>, ApiError> {
    let user = caller.user(&state).await?;
    let grants = grants::from_json(&user.grants);
    Ok(ApiJson(MeView {
        totp_required: second_factor::required(&state.settings, &user, &grants),
        subject: user.id,
        username: user.username,
        display_name: user.display_name,
        grants,
        totp_enabled: user.totp_secret.is_some(),
    }))
}

/// Ends every session of the caller, this one included.
#[utoipa::path(
    post,
    path = "/api/v1/me/sessions/revocation",
    tag = "accounts",
    responses(
        (status = 204, description = "Every session ended"),
        (status = 401, description = "No valid access token", body = ErrorBody),
    )
)]
pub(super) async fn sign_out_everywhere(
    State(state): State<AccountsState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user(&state).await?;
    let txn = begin_write(&state.db).await?;
    let ended = sessions::revoke_all(&txn, &user.id, None).await?;
    let actor = events::the_user(&user.id, &grants::from_json(&user.grants));
    events::record(&txn, actor, &user.id, Change::SignedOutEverywhere, &[]).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, ended, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}

/// A second factor to add to an authenticator app.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret, base32, for typing in.
    pub secret: String,
    /// The same as an `otpauth://` URL, for a QR code.
    pub otpauth_url: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(..)")
    }
}

/// Begins enrolling a second factor: a new secret, pending until a code from
/// it is confirmed. Beginning again replaces a pending secret.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp",
    tag = "accounts",
    responses(
        (status = 201, description = "Add it to the app, then confirm a code", body = TotpEnrolment),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 409, description = "totp_already_enabled", body = ErrorBody),
    )
)]
pub(super) async fn begin_totp(
    State(state): State<AccountsState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    let user = caller.user(&state).await?;
    if user.totp_secret.is_some() {
        return Err(ApiError::conflict("totp_already_enabled", "a second factor is enrolled already; remove it first"));
    }
    let secret = second_factor::new_secret();
    let otpauth_url = second_factor::otpauth_url(&secret, &state.settings.totp_issuer, &user.username)
        .ok_or_else(|| ApiError::internal("an otpauth URL could not be made"))?;
    let mut active = user.into_active_model();
    active.totp_pending_secret = Set(Some(secret.clone()));
    active.updated_at = Set(Utc::now());
    active.update(&state.db).await?;
    Ok((StatusCode::CREATED, ApiJson(TotpEnrolment { secret, otpauth_url })))
}

/// A code from the authenticator app.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCodeRequest {
    /// The 6 digits the app shows now.
    #[schema(min_length = 6, max_length = 12)]
    pub code: String,
}

impl std::fmt::Debug for TotpCodeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpCodeRequest(..)")
    }
}

fn invalid_code() -> ApiError {
    ApiError::invalid("invalid_code", "the code is not right, or was used already; wait for the next one")
}

/// Confirms the pending second factor with a code from it. A session opened
/// only to enrol gets its grants from now on.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp/confirmation",
    tag = "accounts",
    request_body = TotpCodeRequest,
    responses(
        (status = 204, description = "Enrolled: sign-in asks for a code from now on"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 409, description = "no_totp_pending: begin with POST /api/v1/me/totp", body = ErrorBody),
        (status = 422, description = "invalid_code", body = ErrorBody),
    )
)]
pub(super) async fn confirm_totp(
    State(state): State<AccountsState>,
    caller: Caller,
    ApiJson(request): ApiJson<TotpCodeRequest>,
) -> Result<StatusCode, ApiError> {
    let user = caller.user(&state).await?;
    let Some(secret) = user.totp_pending_secret.clone() else {
        return Err(ApiError::conflict("no_totp_pending", "no second factor is being enrolled; begin one first"));
    };
    let step = second_factor::accept(&secret, &request.code, Utc::now().timestamp(), user.totp_last_step)
        .ok_or_else(invalid_code)?;
    let txn = begin_write(&state.db).await?;
    let grants = grants::from_json(&user.grants);
    let user_id = user.id.clone();
    let mut active = user.into_active_model();
    active.totp_secret = Set(Some(secret));
    active.totp_pending_secret = Set(None);
    active.totp_last_step = Set(Some(step));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    if let Some(sid) = &caller.claims.sid {
        session::Entity::update_many()
            .col_expr(session::Column::EnrolmentOnly, Expr::value(false))
            .filter(session::Column::Id.eq(sid.as_str()))
            .exec(&txn)
            .await?;
    }
    events::record(&txn, events::the_user(&user_id, &grants), &user_id, Change::TotpEnrolled, &[]).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user_id, "second factor enrolled");
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the second factor, with a current code from it; refused while
/// policy requires one.
#[utoipa::path(
    delete,
    path = "/api/v1/me/totp",
    tag = "accounts",
    request_body = TotpCodeRequest,
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 409, description = "totp_not_enabled, or totp_required_by_policy", body = ErrorBody),
        (status = 422, description = "invalid_code", body = ErrorBody),
        (status = 429, description = "too_many_attempts", body = ErrorBody),
    )
)]
pub(super) async fn remove_totp(
    State(state): State<AccountsState>,
    caller: Caller,
    ApiJson(request): ApiJson<TotpCodeRequest>,
) -> Result<StatusCode, ApiError> {
    let user = caller.user(&state).await?;
    let Some(secret) = user.totp_secret.clone() else {
        return Err(ApiError::conflict("totp_not_enabled", "no second factor is enrolled"));
    };
    let grants = grants::from_json(&user.grants);
    if second_factor::required(&state.settings, &user, &grants) {
        return Err(ApiError::conflict("totp_required_by_policy", "your roles require a second factor"));
    }
    let key = throttle::key_for(&user.username);
    throttle::check(&state.db, &key).await?;
    if !sessions::use_code(&state.db, &user, &secret, &request.code).await? {
        if let Some(locked) = throttle::record_failure(&state.db, &state.settings, &key, Some(&user.id)).await? {
            state.outbox.wake();
            return Err(locked);
        }
        return Err(invalid_code());
    }
    let txn = begin_write(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, Expr::value(Option::<String>::None))
        .col_expr(user::Column::TotpPendingSecret, Expr::value(Option::<String>::None))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id.as_str()))
        .exec(&txn)
        .await?;
    events::record(&txn, events::the_user(&user.id, &grants), &user.id, Change::TotpRemoved, &[]).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, "second factor removed");
    Ok(StatusCode::NO_CONTENT)
}
