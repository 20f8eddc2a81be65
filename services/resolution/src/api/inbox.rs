//! An institution's inbox: its cases by status, oldest first, a page at a
//! time, and how many it holds in each status.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use aduan_procedure::Status;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::CaseSummary;
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::case;

/// Which cases to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `open` (default: assigned, in follow-up or reopened), or a status name.
    #[serde(default)]
    #[param(pattern = "^[a-z_]{1,40}$")]
    pub status: Option<String>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// How many, 1 to 500 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// An institution's inbox.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/inbox",
    tag = "institutions",
    params(("institution_id" = String, Path, description = "The institution"), InboxQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<CaseSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn inbox(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<ApiJson<Page<CaseSummary>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadInbox, &institution_id, &state.clocks.registry.current())?;
    let statuses: Vec<&str> = match query.status.as_deref() {
        None | Some("open") => Status::ALL.into_iter().filter(|s| s.is_open()).map(Status::as_str).collect(),
        Some(name) => vec![
            Status::parse(name)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "invalid_status",
                        format!("{} is not a status", aduan_platform::http::quoted(name)),
                    )
                })?
                .as_str(),
        ],
    };
    let page = PageQuery { after: query.after, limit: query.limit };
    let limit = page.limit(100)?;
    let mut select = case::Entity::find()
        .filter(case::Column::InstitutionId.eq(institution_id))
        .filter(case::Column::Status.is_in(statuses));
    if let Some(cursor) = page.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(case::Column::OpenedAt, at, case::Column::Id, id));
    }
    let cases = select
        .order_by_asc(case::Column::OpenedAt)
        .order_by_asc(case::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(cases, limit, |case| Cursor::new(case.opened_at.to_rfc3339(), case.id));
    Ok(ApiJson(Page { items: CaseSummary::for_caller(&state, &caller, page.items), next: page.next }))
}

/// How many of an institution's cases are in one status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusCount {
    /// The status.
    pub status: String,
    /// How many cases are in it.
    pub count: u64,
}

/// How many cases an institution holds in each status (the statuses it holds none in are left out).
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/inbox/counts",
    tag = "institutions",
    params(("institution_id" = String, Path, description = "The institution")),
    security(("access_token" = [])),
    responses((status = 200, body = Vec<StatusCount>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub(super) async fn counts(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
) -> Result<ApiJson<Vec<StatusCount>>, ApiError> {
    permit(&caller, Action::ReadInbox, &institution_id, &state.clocks.registry.current())?;
    let rows: Vec<(String, i64)> = case::Entity::find()
        .select_only()
        .column(case::Column::Status)
        .column_as(case::Column::Id.count(), "count")
        .filter(case::Column::InstitutionId.eq(institution_id))
        .group_by(case::Column::Status)
        .order_by_asc(case::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(ApiJson(
        rows.into_iter()
            .map(|(status, count)| StatusCount { status, count: u64::try_from(count).unwrap_or_default() })
            .collect(),
    ))
}
