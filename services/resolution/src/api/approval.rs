//! Supervisors' approvals: where an institution's procedure wants one, an
//! officer's resolution waits here until a supervisor approves it (the
//! citizen sees it then) or sends it back; the case's clocks keep running.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use aduan_text::TextRule;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use uuid::Uuid;

use super::case::{CaseSummary, CaseView, case_view};
use super::parse_case_id;
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::case;

/// A supervisor's decision on a proposed resolution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// true: the citizen gets the resolution now; false: back to the officer.
    pub approve: bool,
    /// Why it goes back (or anything to add), up to 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The resolutions waiting for a supervisor in an institution's subtree, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/approvals",
    tag = "institutions",
    params(("institution_id" = String, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<CaseSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn approvals(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<CaseSummary>>, ApiError> {
    let Query(query) = query?;
    let registry = state.clocks.registry.current();
    permit(&caller, Action::ReadApprovals, &institution_id, &registry)?;
    let limit = query.limit(100)?;
    let mut within = vec![institution_id.clone()];
    within.extend(
        registry.institutions().iter().filter(|i| registry.is_below(&i.id, &institution_id)).map(|i| i.id.clone()),
    );
    let mut select = case::Entity::find()
        .filter(case::Column::PendingResolution.is_not_null())
        .filter(case::Column::InstitutionId.is_in(within));
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(case::Column::UpdatedAt, at, case::Column::Id, id));
    }
    let cases = select
        .order_by_asc(case::Column::UpdatedAt)
        .order_by_asc(case::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(cases, limit, |case| Cursor::new(case.updated_at.to_rfc3339(), case.id));
    Ok(ApiJson(Page { items: CaseSummary::for_caller(&state, &caller, page.items), next: page.next }))
}

/// Approve a proposed resolution, or send it back to the officer.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/resolution/review",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = ReviewRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn review(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let note = ApiError::check_text(
        request.note.as_deref().unwrap_or_default(),
        "note",
        "invalid_text",
        TextRule::block(0, 2000),
    )?;
    let case = crate::casework::review(&state.db, &state.clocks, case_id, &caller, request.approve, note).await?;
    state.outbox.wake();
    Ok(ApiJson(case_view(&state, &caller, case, true).await?))
}
