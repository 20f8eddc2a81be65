//! API tokens for machines (integrations, Open311 partners): issued by an
//! administrator with grants inside their reach, shown once, stored as a
//! digest, expiring, revocable; exchanged for access tokens like sessions.

use aduan_access::{Grant, SubjectKind};
use aduan_platform::database::begin_write;
use aduan_platform::http::ApiError;
use aduan_platform::proto::Actor;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::AccountsState;
use crate::entities::api_token;
use crate::events::{self, Change};
use crate::grants;
use crate::secrets;
use crate::sessions::{IssuedToken, issue};

/// The fewest and most days a token may be issued for.
pub const EXPIRY_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// A token to issue, checked.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// What it is for.
    pub name: String,
    /// The institution it belongs to; `None`: national.
    pub institution: Option<String>,
    /// Its grants, checked.
    pub grants: Vec<Grant>,
    /// Days it works.
    pub expires_in_days: u32,
}

/// An issued token: its id, the token (shown once) and its expiry.
pub struct Issued {
    /// The machine's pseudonymous id.
    pub id: String,
    /// The token.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").field("id", &self.id).finish_non_exhaustive()
    }
}

/// 401 `api_token_invalid`.
pub fn api_token_invalid() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "api_token_invalid", "the API token is unknown, expired or revoked")
}

/// Issues `new` by `issued_by` (acting as `actor`), with its event.
pub async fn issue_token(
    state: &AccountsState,
    new: NewApiToken,
    issued_by: &str,
    actor: Actor,
) -> Result<Issued, ApiError> {
    let token = secrets::new_api_token();
    let digest = secrets::digest(&token).ok_or_else(|| ApiError::internal("a new API token has no digest"))?;
    let id = secrets::new_machine_id();
    let now = Utc::now();
    let expires_at = now + chrono::Duration::days(i64::from(new.expires_in_days));
    let txn = begin_write(&state.db).await?;
    api_token::ActiveModel {
        id: Set(id.clone()),
        token_digest: Set(digest),
        name: Set(new.name),
        institution: Set(new.institution),
        grants: Set(grants::to_json(&new.grants)),
        issued_by: Set(issued_by.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    events::record(&txn, actor, &id, Change::ApiTokenIssued, &new.grants).await?;
    txn.commit().await?;
    state.outbox.wake();
    tracing::info!(machine = %id, "API token issued");
    Ok(Issued { id, token, expires_at })
}

/// Revokes the token with `id` (already checked to be the caller's to
/// revoke); answers whether it was live.
pub async fn revoke_token(state: &AccountsState, id: &str, actor: Actor) -> Result<bool, ApiError> {
    let txn = begin_write(&state.db).await?;
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let revoked = result.rows_affected == 1;
    if revoked {
        events::record(&txn, actor, id, Change::ApiTokenRevoked, &[]).await?;
    }
    txn.commit().await?;
    if revoked {
        state.outbox.wake();
        tracing::info!(machine = %id, "API token revoked");
    }
    Ok(revoked)
}

/// An access token for the machine whose API token is `token`.
pub async fn exchange(state: &AccountsState, token: &str) -> Result<IssuedToken, ApiError> {
    let digest = secrets::digest(token).ok_or_else(api_token_invalid)?;
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenDigest.eq(digest))
        .one(&state.db)
        .await?
        .filter(|row| row.revoked_at.is_none() && row.expires_at > Utc::now())
        .ok_or_else(api_token_invalid)?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(Utc::now())))
        .filter(api_token::Column::Id.eq(row.id.as_str()))
        .exec(&state.db)
        .await?;
    issue(state, &row.id, SubjectKind::Machine, grants::from_json(&row.grants), &row.id).await
}
