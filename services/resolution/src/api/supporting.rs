//! Supporting institutions: asked by the lead, they read the case and write
//! their part on it.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, before};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::{CaseSummary, CaseView, case_view, readable_case};
use super::{parse_case_id, work_text};
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::{case, case_supporter};

/// Ask another institution to support a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRequest {
    /// The supporting institution: not the lead, nor one of its units.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution_id: String,
    /// What is asked of it, 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub note: String,
}

/// An institution asked to support a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SupporterView {
    /// The case.
    pub case_id: Uuid,
    /// The supporting institution.
    pub institution_id: String,
    /// When it was asked.
    pub asked_at: DateTime<Utc>,
}

/// Ask another institution to support the case (the lead's coordinators only);
/// the case stays the lead's.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/supporters",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = SupportRequest,
    responses((status = 201, body = SupporterView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_supporter(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<SupportRequest>,
) -> Result<(StatusCode, ApiJson<SupporterView>), ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let note = work_text(&request.note, "note")?;
    let asked =
        crate::supporting::ask_support(&state.db, &state.clocks, case_id, &caller, &request.institution_id, note)
            .await?;
    state.outbox.wake();
    let view = SupporterView { case_id: asked.case_id, institution_id: asked.institution_id, asked_at: asked.asked_at };
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// A supporting institution's contribution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionRequest {
    /// The supporting institution the officer writes for.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution_id: String,
    /// 5 to 5000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

/// A supporting institution writes its contribution on the case, for the lead.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/contributions",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = ContributionRequest,
    responses((status = 201, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_contribution(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<ContributionRequest>,
) -> Result<(StatusCode, ApiJson<CaseView>), ApiError> {
    let case_id = parse_case_id(&case_id)?;
    let text = work_text(&request.text, "text")?;
    let registry = state.clocks.registry.current();
    crate::supporting::contribute(&state.db, &registry, case_id, &caller, &request.institution_id, text).await?;
    state.outbox.wake();
    let (case, shown) = readable_case(&state, &caller, case_id).await?;
    Ok((StatusCode::CREATED, ApiJson(case_view(&state, &caller, case, shown).await?)))
}

/// The open cases an institution was asked to support, most recently asked first.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/supporting",
    tag = "institutions",
    params(("institution_id" = String, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<CaseSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn supported_cases(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<CaseSummary>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadSupporting, &institution_id, &state.clocks.registry.current())?;
    let limit = query.limit(100)?;
    // Joined here, not declared as a relation: a declared one would add a
    // foreign key to the table made from the entity.
    let to_case = case_supporter::Entity::belongs_to(case::Entity)
        .from(case_supporter::Column::CaseId)
        .to(case::Column::Id)
        .into();
    let mut select = case_supporter::Entity::find()
        .join(JoinType::InnerJoin, to_case)
        .select_also(case::Entity)
        .filter(case_supporter::Column::InstitutionId.eq(institution_id))
        .filter(case::open_cases());
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(before(case_supporter::Column::AskedAt, at, case_supporter::Column::CaseId, id));
    }
    let rows = select
        .order_by_desc(case_supporter::Column::AskedAt)
        .order_by_desc(case_supporter::Column::CaseId)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page =
        Page::from_rows(rows, limit, |(supporter, _)| Cursor::new(supporter.asked_at.to_rfc3339(), supporter.case_id));
    // A supporter never reads a confidential report's words.
    let cases = page.items.into_iter().filter_map(|(_, case)| case).collect();
    Ok(ApiJson(Page { items: CaseSummary::for_caller(&state, &caller, cases), next: page.next }))
}
