//! The overdue list that escalation feeds: for an institution's staff, the
//! open cases whose clocks ran out and were escalated to them (their own, as
//! coordinator, or those of the institutions below them, as the level
//! above), with how many working days late each is.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use aduan_procedure::Status;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::ResolutionState;
use crate::authorization::{Action, permit, sees_confidential};
use crate::entities::{case, escalation};

/// An overdue case on an institution's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverdueCase {
    /// The case.
    pub case_id: Uuid,
    /// Its tracking code.
    pub tracking_code: String,
    /// Title.
    pub title: String,
    /// Its status.
    pub status: String,
    /// The institution (or unit) that let the clock run out.
    pub late_institution_id: String,
    /// first_follow_up, resolution or unit_branch.
    pub clock: String,
    /// coordinator (its own coordinator is told) or parent_level (the level above is).
    pub step: String,
    /// The clock's last working day.
    pub due_on: Option<NaiveDate>,
    /// Working days past it, today, where the case is.
    pub days_late: u32,
    /// When it was escalated.
    pub escalated_at: DateTime<Utc>,
}

/// The overdue cases escalated to an institution's staff, oldest escalation first.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/overdue",
    tag = "institutions",
    params(("institution_id" = String, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<OverdueCase>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn overdue_cases(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<OverdueCase>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadOverdue, &institution_id, &state.clocks.registry.current())?;
    let limit = query.limit(100)?;
    let open: Vec<&str> =
        Status::ALL.into_iter().filter(|s| s.is_open() || s.clock_paused()).map(Status::as_str).collect();
    let to_case =
        escalation::Entity::belongs_to(case::Entity).from(escalation::Column::CaseId).to(case::Column::Id).into();
    let mut select = escalation::Entity::find()
        .join(JoinType::InnerJoin, to_case)
        .select_also(case::Entity)
        .filter(escalation::Column::ToldInstitutionId.eq(institution_id))
        .filter(case::Column::Status.is_in(open));
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(escalation::Column::EscalatedAt, at, escalation::Column::Id, id));
    }
    let rows = select
        .order_by_asc(escalation::Column::EscalatedAt)
        .order_by_asc(escalation::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(rows, limit, |(row, _)| Cursor::new(row.escalated_at.to_rfc3339(), row.id));
    let registry = state.clocks.registry.current();
    let items = page
        .items
        .into_iter()
        .filter_map(|(row, case)| {
            let case = case?;
            let today = state.clocks.today.date_at(registry.utc_offset_for(&case.region));
            let days_late = row
                .due_on
                .map(|due_on| registry.calendar_for(&case.region).working_days_between(due_on, today))
                .unwrap_or_default();
            let shown = case.privacy != "confidential" || sees_confidential(&caller, &case.institution_id, &registry);
            Some(OverdueCase {
                case_id: case.id,
                tracking_code: case.tracking_code,
                title: if shown { case.title } else { super::case::WITHHELD.to_owned() },
                status: case.status,
                late_institution_id: row.institution_id,
                clock: row.clock,
                step: row.step,
                due_on: row.due_on,
                days_late,
                escalated_at: row.escalated_at,
            })
        })
        .collect();
    Ok(ApiJson(Page { items, next: page.next }))
}
