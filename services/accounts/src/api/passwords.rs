//! Passwords: the caller changing their own, an administrator issuing a
//! one-time reset link, and the link's holder setting a new one.

use aduan_platform::database::begin_write;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::Caller;
use crate::AccountsState;
use crate::authorization::{Action, authority, outside_scope};
use crate::entities::{password_reset, user};
use crate::events::{self, Change};
use crate::passwords::check_new_password;
use crate::{grants, secrets, sessions, throttle, users};

/// A new password for the caller.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password now.
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    /// The new one: 12 to 128 characters, not a common one, not the username.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest(..)")
    }
}

/// Changes the caller's password and ends their other sessions.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "wrong_password", body = ErrorBody),
        (status = 422, description = "weak_password", body = ErrorBody),
        (status = 429, description = "too_many_attempts", body = ErrorBody),
    )
)]
pub(super) async fn change_password(
    State(state): State<AccountsState>,
    caller: Caller,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let user = caller.user(&state).await?;
    let key = throttle::key_for(&user.username);
    throttle::check(&state.db, &key).await?;
    if !state.passwords.verify(&request.current_password, user.password_hash.as_deref()).await? {
        if let Some(locked) = throttle::record_failure(&state.db, &state.settings, &key, Some(&user.id)).await? {
            state.outbox.wake();
            return Err(locked);
        }
        return Err(ApiError::forbidden("wrong_password", "the current password is not right"));
    }
    check_new_password(&request.new_password, &user.username)?;
    let hash = state.passwords.hash(&request.new_password).await?;
    let txn = begin_write(&state.db).await?;
    set_password(&txn, &user.id, hash).await?;
    sessions::revoke_all(&txn, &user.id, caller.claims.sid.as_deref()).await?;
    let actor = events::the_user(&user.id, &grants::from_json(&user.grants));
    events::record(&txn, actor, &user.id, Change::PasswordChanged, &[]).await?;
    txn.commit().await?;
    throttle::clear(&state.db, &key).await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

async fn set_password<C: sea_orm::ConnectionTrait>(conn: &C, user_id: &str, hash: String) -> Result<(), ApiError> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(Some(hash)))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A reset link's token, to hand to the user.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasswordResetIssued {
    /// The one-time token: the user sends it to `POST /api/v1/password-resets`.
    pub reset_token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PasswordResetIssued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetIssued").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

/// Issues a one-time password-reset token for a user (administrators, inside
/// their reach); earlier unused ones stop working.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/password-reset",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's pseudonymous id")),
    responses(
        (status = 201, description = "Hand the token to the user", body = PasswordResetIssued),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
    )
)]
pub(super) async fn issue_password_reset(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageUsers)?;
    let user = users::find(&state.db, &id).await?;
    if !reach.may_manage(user.institution.as_deref(), &grants::from_json(&user.grants), &state.registry.current()) {
        return Err(outside_scope("this user"));
    }
    let token = secrets::random_secret();
    let digest = secrets::digest(&token).ok_or_else(|| ApiError::internal("a reset token has no digest"))?;
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(state.settings.password_reset_lifetime).unwrap_or_default();
    let txn = begin_write(&state.db).await?;
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user.id.as_str()))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    password_reset::ActiveModel {
        token_digest: Set(digest),
        user_id: Set(user.id.clone()),
        issued_by: Set(caller.claims.sub.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    events::record(&txn, events::administrator(&caller.claims.sub), &user.id, Change::PasswordResetIssued, &[]).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, "password reset issued");
    Ok((StatusCode::CREATED, ApiJson(PasswordResetIssued { reset_token: token, expires_at })))
}

/// A new password set with a reset token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsePasswordResetRequest {
    /// The token the administrator handed over.
    #[schema(min_length = 1, max_length = 200)]
    pub reset_token: String,
    /// The new password: 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

impl std::fmt::Debug for UsePasswordResetRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UsePasswordResetRequest(..)")
    }
}

fn reset_token_invalid() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "reset_token_invalid",
        "the reset token is unknown, used or expired; ask an administrator for a new one",
    )
}

/// Sets a new password with a one-time reset token, and ends every session
/// of the user.
#[utoipa::path(
    post,
    path = "/api/v1/password-resets",
    tag = "accounts",
    request_body = UsePasswordResetRequest,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 401, description = "reset_token_invalid", body = ErrorBody),
        (status = 422, description = "weak_password", body = ErrorBody),
    )
)]
pub(super) async fn use_password_reset(
    State(state): State<AccountsState>,
    ApiJson(request): ApiJson<UsePasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    let digest = secrets::digest(&request.reset_token).ok_or_else(reset_token_invalid)?;
    let reset = password_reset::Entity::find_by_id(digest.clone())
        .one(&state.db)
        .await?
        .filter(|reset| reset.used_at.is_none() && reset.expires_at > Utc::now())
        .ok_or_else(reset_token_invalid)?;
    let user = users::find(&state.db, &reset.user_id).await.map_err(|_| reset_token_invalid())?;
    check_new_password(&request.new_password, &user.username)?;
    let hash = state.passwords.hash(&request.new_password).await?;
    let txn = begin_write(&state.db).await?;
    // Once only, even when two requests race.
    let used = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(password_reset::Column::TokenDigest.eq(digest))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(reset_token_invalid());
    }
    set_password(&txn, &user.id, hash).await?;
    sessions::revoke_all(&txn, &user.id, None).await?;
    let actor = events::the_user(&user.id, &grants::from_json(&user.grants));
    events::record(&txn, actor, &user.id, Change::PasswordChanged, &[]).await?;
    txn.commit().await?;
    throttle::clear(&state.db, &throttle::key_for(&user.username)).await?;
    state.outbox.wake();
    tracing::info!(user = %user.id, "password set with a reset token");
    Ok(StatusCode::NO_CONTENT)
}
