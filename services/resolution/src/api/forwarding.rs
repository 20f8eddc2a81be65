//! Forwarding a case down the tree to units, and the units' answers.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::work::WorkRequest;
use super::{parse_case_id, work_text};
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::case_branch;

/// Forward a case to a unit below the institution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// A unit below the case's institution, or below the unit of `from_branch_id`.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub unit_id: String,
    /// What the unit should do, 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub note: String,
    /// A unit's open branch to forward further down (the unit's coordinator
    /// forwards); absent when the institution forwards the case.
    #[serde(default)]
    pub from_branch_id: Option<Uuid>,
}

/// A branch of a case's tree: the part forwarded to one unit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BranchView {
    /// Branch id.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// The branch it hangs from, when a unit forwarded it further down.
    pub parent_branch_id: Option<Uuid>,
    /// The unit.
    pub unit_id: String,
    /// What was asked of it.
    pub note: String,
    /// open, answered, or withdrawn (the case was reassigned).
    pub status: String,
    /// The last day for its answer.
    pub due_on: chrono::NaiveDate,
}

impl From<case_branch::Model> for BranchView {
    fn from(branch: case_branch::Model) -> Self {
        Self {
            id: branch.id,
            case_id: branch.case_id,
            parent_branch_id: branch.parent_branch_id,
            unit_id: branch.unit_id,
            note: branch.note,
            status: branch.status,
            due_on: branch.due_on,
        }
    }
}

/// Forward the case to a unit, or a unit's branch further down (coordinators only); each branch gets its own clock.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/forwards",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = ForwardRequest,
    responses((status = 201, body = BranchView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_forward(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<ForwardRequest>,
) -> Result<(StatusCode, ApiJson<BranchView>), ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let note = work_text(&request.note, "note")?;
    let branch = crate::forwarding::forward(
        &state.db,
        &state.clocks,
        case_id,
        &caller,
        &request.unit_id,
        request.from_branch_id,
        note,
    )
    .await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, ApiJson(BranchView::from(branch))))
}

/// The unit answers the branch forwarded to it.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/forwards/{branch_id}/answer",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("branch_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = WorkRequest,
    responses((status = 200, body = BranchView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_branch_answer(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path((case_id, branch_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<BranchView>, ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let branch_id =
        Uuid::parse_str(&branch_id).map_err(|_| ApiError::invalid("invalid_branch_id", "not a branch id"))?;
    let text = work_text(&request.text, "text")?;
    let registry = state.clocks.registry.current();
    let branch = crate::forwarding::answer(&state.db, &registry, case_id, branch_id, &caller, text).await?;
    state.outbox.wake();
    Ok(ApiJson(BranchView::from(branch)))
}

/// What has been forwarded to a unit and awaits its answer, soonest due first.
#[utoipa::path(
    get,
    path = "/api/v1/units/{unit_id}/branches",
    tag = "institutions",
    params(("unit_id" = String, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<BranchView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn unit_branches(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(unit_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<BranchView>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadBranches, &unit_id, &state.clocks.registry.current())?;
    let limit = query.limit(100)?;
    let mut select = case_branch::Entity::find()
        .filter(case_branch::Column::UnitId.eq(unit_id))
        .filter(case_branch::Column::Status.eq("open"));
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(case_branch::Column::LateAt, at, case_branch::Column::Id, id));
    }
    let branches = select
        .order_by_asc(case_branch::Column::LateAt)
        .order_by_asc(case_branch::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(branches, limit, |branch| Cursor::new(branch.late_at.to_rfc3339(), branch.id));
    Ok(ApiJson(page.map(BranchView::from)))
}
