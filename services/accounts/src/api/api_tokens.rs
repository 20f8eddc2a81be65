//! API tokens for machines: issue (shown once), list, revoke.

use aduan_access::Grant;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery};
use aduan_text::TextRule;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::Caller;
use super::users::check_may_place;
use crate::AccountsState;
use crate::api_tokens::{self, EXPIRY_DAYS, NewApiToken};
use crate::authorization::{Action, authority, outside_scope};
use crate::entities::api_token;
use crate::events;
use crate::grants::{self, check_grants};

/// An API token to issue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueApiTokenRequest {
    /// What it is for (e.g. the partner's name).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The institution it belongs to; required from an administrator of a
    /// subtree; absent: national.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub institution: Option<String>,
    /// Its grants; none for a partner that only files reports.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Days it works, 1 to 365.
    pub expires_in_days: u32,
}

/// An issued token.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedApiToken {
    /// The machine's pseudonymous id (also the token's id).
    pub id: String,
    /// The token, shown this once: exchange it at `POST /api/v1/tokens`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedApiToken").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Issues an API token (administrators; grants inside their reach).
#[utoipa::path(
    post,
    path = "/api/v1/api-tokens",
    tag = "accounts",
    request_body = IssueApiTokenRequest,
    responses(
        (status = 201, description = "Issued; the token is shown once", body = IssuedApiToken),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted, outside_scope or grant_outside_scope", body = ErrorBody),
        (status = 422, description = "invalid_name, invalid_expiry, invalid_grant, unknown_institution, institution_required", body = ErrorBody),
    )
)]
pub(super) async fn issue_api_token(
    State(state): State<AccountsState>,
    caller: Caller,
    ApiJson(request): ApiJson<IssueApiTokenRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageApiTokens)?;
    let registry = state.registry.current();
    let name = ApiError::check_text(&request.name, "name", "invalid_name", TextRule::line(1, 100))?;
    if !EXPIRY_DAYS.contains(&request.expires_in_days) {
        return Err(ApiError::invalid(
            "invalid_expiry",
            format!("expires_in_days must be {} to {}", EXPIRY_DAYS.start(), EXPIRY_DAYS.end()),
        ));
    }
    check_may_place(&reach, request.institution.as_deref(), &registry)?;
    let grants = check_grants(request.grants, &registry)?;
    if let Some(grant) = grants.iter().find(|grant| !reach.may_grant(grant, &registry)) {
        return Err(ApiError::forbidden(
            "grant_outside_scope",
            format!("you cannot grant {}: it reaches beyond what you administer", grants::grant_label(grant)),
        ));
    }
    let new = NewApiToken { name, institution: request.institution, grants, expires_in_days: request.expires_in_days };
    let issued =
        api_tokens::issue_token(&state, new, &caller.claims.sub, events::administrator(&caller.claims.sub)).await?;
    let body = IssuedApiToken { id: issued.id, token: issued.token, expires_at: issued.expires_at };
    Ok((StatusCode::CREATED, ApiJson(body)))
}

/// An API token as listed (never the token itself).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    /// The machine's pseudonymous id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The institution it belongs to; absent: national.
    pub institution: Option<String>,
    /// Its grants.
    pub grants: Vec<Grant>,
    /// Who issued it (a pseudonymous id).
    pub issued_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for ApiTokenView {
    fn from(row: api_token::Model) -> Self {
        Self {
            grants: grants::from_json(&row.grants),
            id: row.id,
            name: row.name,
            institution: row.institution,
            issued_by: row.issued_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// The API tokens the caller administers, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/api-tokens",
    tag = "accounts",
    params(PageQuery),
    responses(
        (status = 200, body = Page<ApiTokenView>),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted", body = ErrorBody),
    )
)]
pub(super) async fn list_api_tokens(
    State(state): State<AccountsState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<ApiTokenView>>, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageApiTokens)?;
    let Query(query) = query?;
    let limit = query.limit(50)?;
    let mut select = api_token::Entity::find();
    if let Some(cursor) = query.cursor()? {
        select = select.filter(api_token::Column::Id.gt(cursor.id));
    }
    if let Some(institutions) = reach.institutions(&state.registry.current()) {
        select = select.filter(api_token::Column::Institution.is_in(institutions));
    }
    let rows = select.order_by_asc(api_token::Column::Id).limit(limit + 1).all(&state.db).await?;
    Ok(ApiJson(Page::from_rows(rows, limit, |row| Cursor::new(&row.id, &row.id)).map(ApiTokenView::from)))
}

/// Revokes an API token: its next exchange is refused, so it stops working
/// within one access token's lifetime.
#[utoipa::path(
    delete,
    path = "/api/v1/api-tokens/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The token's id (m-…)")),
    responses(
        (status = 204, description = "Revoked (or already was)"),
        (status = 401, description = "No valid access token", body = ErrorBody),
        (status = 403, description = "not_permitted or outside_scope", body = ErrorBody),
        (status = 404, description = "api_token_not_found", body = ErrorBody),
    )
)]
pub(super) async fn revoke_api_token(
    State(state): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let reach = authority(&caller.claims.grants, Action::ManageApiTokens)?;
    let not_found = || ApiError::not_found("api_token_not_found", "no API token has this id");
    if id.len() > 64 {
        return Err(not_found());
    }
    let row = api_token::Entity::find_by_id(id.clone()).one(&state.db).await?.ok_or_else(not_found)?;
    if !reach.may_manage(row.institution.as_deref(), &grants::from_json(&row.grants), &state.registry.current()) {
        return Err(outside_scope("this API token"));
    }
    api_tokens::revoke_token(&state, &row.id, events::administrator(&caller.claims.sub)).await?;
    Ok(StatusCode::NO_CONTENT)
}
