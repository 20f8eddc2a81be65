//! A case in full: what the citizen sent, what was written on it, its clocks.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::forwarding::BranchView;
use super::parse_case_id;
use crate::ResolutionState;
use crate::authorization::{Action, permit_any, sees_confidential};
use crate::entities::{case, case_branch, case_entry, case_supporter};
use crate::next_steps::{Parties, Step, next_steps};

/// What stands for a confidential report's words for those who may not read them.
pub const WITHHELD: &str = "(confidential: shown only to the verifier and the institution handling it)";

/// Entries shown with a case; the rest are a page away.
const FIRST_PAGE: u64 = 100;

/// A case in an inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    /// Case id.
    pub id: Uuid,
    /// The report's id.
    pub report_id: Uuid,
    /// The report's tracking code.
    pub tracking_code: String,
    /// Status.
    pub status: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// Title.
    pub title: String,
    /// When it entered this inbox.
    pub opened_at: DateTime<Utc>,
    /// Its resolution tier, which sets the resolution clock.
    pub tier: String,
    /// The nearest deadline of its running clocks; absent while every clock
    /// is paused or stopped.
    pub due_on: Option<NaiveDate>,
    /// Working days left until then where the case is (0 on the day
    /// itself), negative once it has passed.
    pub working_days_left: Option<i64>,
}

impl CaseSummary {
    /// The summary of `case`, its title withheld unless `shown`.
    pub fn of(state: &ResolutionState, case: case::Model, shown: bool) -> Self {
        let working_days_left = case.next_due_on.map(|due_on| {
            let registry = state.clocks.registry.current();
            let today = state.clocks.today.date_at(registry.utc_offset_for(&case.region));
            let calendar = registry.calendar_for(&case.region);
            let left = |from, to| i64::from(calendar.working_days_between(from, to));
            // Past its day is late by at least one, as the overdue filter says,
            // even seen on a weekend.
            if due_on >= today { left(today, due_on) } else { -left(due_on, today).max(1) }
        });
        Self {
            tier: case.tier,
            due_on: case.next_due_on,
            working_days_left,
            id: case.id,
            report_id: case.report_id,
            tracking_code: case.tracking_code,
            status: case.status,
            category: case.category,
            region: case.region,
            title: if shown || case.privacy != "confidential" { case.title } else { WITHHELD.to_owned() },
            opened_at: case.opened_at,
        }
    }

    /// The summaries of `cases` as `caller` may see them.
    pub fn for_caller(state: &ResolutionState, caller: &Caller, cases: Vec<case::Model>) -> Vec<Self> {
        let registry = state.clocks.registry.current();
        cases
            .into_iter()
            .map(|case| {
                let shown = sees_confidential(caller, &case.institution_id, &registry);
                Self::of(state, case, shown)
            })
            .collect()
    }
}

/// Something written on a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// follow_up, resolution, return, question, citizen_reply, unit_answer, support, ...
    pub kind: String,
    /// The institution that wrote it.
    pub institution_id: String,
    /// Who wrote it: a member of staff's pseudonymous id, or "citizen" / "verifier".
    pub author: String,
    /// The role they wrote in: officer, coordinator, supervisor, verifier, citizen.
    pub author_role: Option<String>,
    /// The text.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<case_entry::Model> for EntryView {
    fn from(entry: case_entry::Model) -> Self {
        Self {
            kind: entry.kind,
            institution_id: entry.institution_id,
            author: entry.author,
            author_role: entry.author_role,
            text: entry.text,
            at: entry.created_at,
        }
    }
}

/// A case in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// The case.
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// The institution holding it.
    pub institution_id: String,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// public, anonymous or confidential.
    pub privacy: String,
    /// The citizen's account.
    pub description: String,
    /// The citizen's rating of the answer, 1 to 5, once accepted.
    pub rating: Option<i32>,
    /// The citizen's "was it fixed?": yes, no or partly.
    pub fixed: Option<String>,
    /// A resolution proposed by an officer, waiting for a supervisor's approval.
    pub pending_resolution: Option<Uuid>,
    /// Whether the report's words are withheld from this caller (a
    /// confidential report, read by someone other than the verifier and the
    /// institution handling it).
    pub withheld: bool,
    /// What was written on it, oldest first: the first page.
    pub entries: Vec<EntryView>,
    /// More entries follow: `GET /api/v1/cases/{id}/entries?after=<this>`.
    pub entries_next: Option<String>,
    /// Its running clocks and when each runs out.
    pub clocks: Vec<ClockView>,
    /// Every branch it was forwarded down, answered or not, oldest first.
    pub branches: Vec<BranchView>,
    /// The institutions asked to support it.
    pub supporters: Vec<String>,
    /// What the caller may do on it now (the procedure and their roles allow it).
    pub next_steps: Vec<Step>,
}

/// A running clock of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// first_follow_up, resolution, citizen_silence or citizen_answer.
    pub clock: String,
    /// Its last working day (the institution's calendar); absent while paused,
    /// waiting for the citizen.
    pub due_on: Option<chrono::NaiveDate>,
    /// How many escalation steps have fired for it.
    pub escalations: usize,
}

/// The case with `case_id`, or 404.
pub(super) async fn find_case<C: ConnectionTrait>(conn: &C, case_id: Uuid) -> Result<case::Model, ApiError> {
    case::Entity::find_by_id(case_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))
}

async fn entries_page(
    state: &ResolutionState,
    case_id: Uuid,
    query: &PageQuery,
    shown: bool,
) -> Result<Page<EntryView>, ApiError> {
    let limit = query.limit(FIRST_PAGE)?;
    let mut select = case_entry::Entity::find().filter(case_entry::Column::CaseId.eq(case_id));
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(case_entry::Column::CreatedAt, at, case_entry::Column::Id, id));
    }
    let rows = select
        .order_by_asc(case_entry::Column::CreatedAt)
        .order_by_asc(case_entry::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(rows, limit, |entry| Cursor::new(entry.created_at.to_rfc3339(), entry.id));
    Ok(page.map(|entry| {
        let mut view = EntryView::from(entry);
        if !shown {
            view.text = WITHHELD.to_owned();
        }
        view
    }))
}

/// The branches of a case, oldest first.
async fn branches_of<C: ConnectionTrait>(conn: &C, case_id: Uuid) -> Result<Vec<case_branch::Model>, ApiError> {
    Ok(case_branch::Entity::find()
        .filter(case_branch::Column::CaseId.eq(case_id))
        .order_by_asc(case_branch::Column::ForwardedAt)
        .order_by_asc(case_branch::Column::Id)
        .all(conn)
        .await?)
}

/// The institutions asked to support a case.
async fn supporters_of<C: ConnectionTrait>(conn: &C, case_id: Uuid) -> Result<Vec<String>, ApiError> {
    Ok(case_supporter::Entity::find()
        .filter(case_supporter::Column::CaseId.eq(case_id))
        .order_by_asc(case_supporter::Column::AskedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|supporter| supporter.institution_id)
        .collect())
}

/// The institutions working on `case`: the one holding it, the units with a
/// branch of it, and those asked to support it.
pub(super) async fn involved_institutions(
    state: &ResolutionState,
    case: &case::Model,
) -> Result<Vec<String>, ApiError> {
    let mut involved = vec![case.institution_id.clone()];
    involved.extend(branches_of(&state.db, case.id).await?.into_iter().map(|branch| branch.unit_id));
    involved.extend(supporters_of(&state.db, case.id).await?);
    Ok(involved)
}

/// The case with `case_id` if `caller` may read it: staff of its holding
/// institution (or above it), of a unit with a branch in it, or of an
/// institution asked to support it; with whether its words are shown to them.
pub(super) async fn readable_case(
    state: &ResolutionState,
    caller: &Caller,
    case_id: Uuid,
) -> Result<(case::Model, bool), ApiError> {
    let case = find_case(&state.db, case_id).await?;
    let reachable = involved_institutions(state, &case).await?;
    let reachable: Vec<&str> = reachable.iter().map(String::as_str).collect();
    let registry = state.clocks.registry.current();
    permit_any(caller, Action::ReadCase, &reachable, &registry)?;
    let shown = case.privacy != "confidential" || sees_confidential(caller, &case.institution_id, &registry);
    Ok((case, shown))
}

/// The whole view of `case` for `caller`, its words withheld unless `shown`.
pub(super) async fn case_view(
    state: &ResolutionState,
    caller: &Caller,
    case: case::Model,
    shown: bool,
) -> Result<CaseView, ApiError> {
    let entries = entries_page(state, case.id, &PageQuery::default(), shown).await?;
    let clocks = state
        .clocks
        .deadlines(&state.db, &case)
        .await?
        .into_iter()
        .map(|deadline| ClockView {
            clock: deadline.clock.as_str().to_owned(),
            due_on: deadline.due_on,
            escalations: deadline.escalations,
        })
        .collect();
    let branches = branches_of(&state.db, case.id).await?;
    let supporters = supporters_of(&state.db, case.id).await?;
    let parties = Parties { branches: &branches, supporters: &supporters };
    let next_steps = next_steps(caller, &case, parties, &state.clocks.registry.current());
    Ok(CaseView {
        clocks,
        institution_id: case.institution_id.clone(),
        kind: case.kind.clone(),
        privacy: case.privacy.clone(),
        description: if shown { case.description.clone() } else { WITHHELD.to_owned() },
        rating: case.rating,
        fixed: case.fixed.clone(),
        pending_resolution: case.pending_resolution,
        withheld: !shown,
        summary: CaseSummary::of(state, case, shown),
        entries: entries.items,
        entries_next: entries.next,
        branches: branches
            .into_iter()
            .map(BranchView::from)
            .map(|mut branch| {
                if !shown {
                    branch.note = WITHHELD.to_owned();
                }
                branch
            })
            .collect(),
        supporters,
        next_steps,
    })
}

/// One case with everything written on it.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}",
    tag = "institutions",
    params(("case_id" = Uuid, Path, description = "The case")),
    security(("access_token" = [])),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn get_case(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Result<ApiJson<CaseView>, ApiError> {
    let (case, shown) = readable_case(&state, &caller, parse_case_id(&case_id)?).await?;
    Ok(ApiJson(case_view(&state, &caller, case, shown).await?))
}

/// What was written on a case, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/entries",
    tag = "institutions",
    params(("case_id" = Uuid, Path, description = "The case"), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<EntryView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn case_entries(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<EntryView>>, ApiError> {
    let Query(query) = query?;
    let (case, shown) = readable_case(&state, &caller, parse_case_id(&case_id)?).await?;
    Ok(ApiJson(entries_page(&state, case.id, &query, shown).await?))
}
