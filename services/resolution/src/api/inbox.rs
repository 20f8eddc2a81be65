//! An institution's inbox: its cases by status, fewest working days left
//! first, a page at a time, and how many it holds in each status.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use aduan_procedure::{Status, Tier};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{IntoCondition as _, NullOrdering};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::CaseSummary;
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::{case, case_branch};

/// Which cases to list, and in which order.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `open` (default: assigned, in follow-up or reopened), or a status name.
    #[serde(default)]
    #[param(pattern = "^[a-z_]{1,40}$")]
    pub status: Option<String>,
    /// Only cases of this tier.
    #[serde(default)]
    #[param(pattern = "^(simple|information_request|dispute_without_field_check|field_investigation)$")]
    pub tier: Option<String>,
    /// Only cases with a branch forwarded to this unit.
    #[serde(default)]
    #[param(max_length = 64)]
    pub unit: Option<String>,
    /// Only cases whose nearest deadline has passed.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// `due` (default: fewest working days left first, cases with no
    /// running deadline last) or `opened` (oldest first).
    #[serde(default)]
    #[param(pattern = "^(due|opened)$")]
    pub sort: Option<String>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// How many, 1 to 500 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// The order of an inbox page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Nearest deadline first; no deadline last.
    Due,
    /// Longest in the inbox first.
    Opened,
}

/// The cursor key of a case without a running deadline, which sorts after
/// every date.
const NO_DEADLINE: &str = "none";

impl Order {
    fn parse(name: Option<&str>) -> Result<Self, ApiError> {
        match name {
            None | Some("due") => Ok(Self::Due),
            Some("opened") => Ok(Self::Opened),
            Some(other) => Err(ApiError::invalid(
                "invalid_sort",
                format!("{} is not an order: due or opened", aduan_platform::http::quoted(other)),
            )),
        }
    }

    fn cursor(self, case: &case::Model) -> Cursor {
        match self {
            Self::Due => {
                Cursor::new(case.next_due_on.map_or_else(|| NO_DEADLINE.to_owned(), |day| day.to_string()), case.id)
            }
            Self::Opened => Cursor::new(case.opened_at.to_rfc3339(), case.id),
        }
    }

    /// The rows after `cursor` in this order.
    fn after(self, cursor: &Cursor) -> Result<Condition, ApiError> {
        let id = cursor.id_as::<Uuid>()?;
        Ok(match self {
            Self::Opened => after(case::Column::OpenedAt, cursor.key_as::<DateTime<Utc>>()?, case::Column::Id, id),
            // Dates ascending, then the cases with none: after a dated case
            // come later dates and every undated one.
            Self::Due if cursor.key_as::<String>()? == NO_DEADLINE => {
                Condition::all().add(case::Column::NextDueOn.is_null()).add(case::Column::Id.gt(id))
            }
            Self::Due => Condition::any()
                .add(after(case::Column::NextDueOn, cursor.key_as::<NaiveDate>()?, case::Column::Id, id))
                .add(case::Column::NextDueOn.is_null()),
        })
    }

    fn sorted(self, select: Select<case::Entity>) -> Select<case::Entity> {
        match self {
            Self::Due => select.order_by_with_nulls(case::Column::NextDueOn, sea_orm::Order::Asc, NullOrdering::Last),
            Self::Opened => select.order_by_asc(case::Column::OpenedAt),
        }
        .order_by_asc(case::Column::Id)
    }
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
    let registry = state.clocks.registry.current();
    permit(&caller, Action::ReadInbox, &institution_id, &registry)?;
    let status = match query.status.as_deref() {
        None | Some("open") => case::open_cases(),
        Some(name) => {
            let status = Status::parse(name).ok_or_else(|| {
                ApiError::invalid("invalid_status", format!("{} is not a status", aduan_platform::http::quoted(name)))
            })?;
            case::Column::Status.eq(status.as_str()).into_condition()
        }
    };
    let order = Order::parse(query.sort.as_deref())?;
    let page = PageQuery { after: query.after, limit: query.limit };
    let limit = page.limit(100)?;
    let mut select =
        case::Entity::find().filter(case::Column::InstitutionId.eq(institution_id.as_str())).filter(status);
    if let Some(name) = query.tier.as_deref() {
        let tier = Tier::parse(name).ok_or_else(|| {
            ApiError::invalid("invalid_tier", format!("{} is not a tier", aduan_platform::http::quoted(name)))
        })?;
        select = select.filter(case::Column::Tier.eq(tier.as_str()));
    }
    if let Some(unit) = query.unit.as_deref() {
        if registry.institution(unit).is_none() {
            return Err(ApiError::invalid(
                "unknown_unit",
                format!("{} is not a unit", aduan_platform::http::quoted(unit)),
            ));
        }
        let forwarded = sea_orm::sea_query::Query::select()
            .column(case_branch::Column::CaseId)
            .from(case_branch::Entity)
            .and_where(case_branch::Column::UnitId.eq(unit))
            .to_owned();
        select = select.filter(case::Column::Id.in_subquery(forwarded));
    }
    if query.overdue == Some(true) {
        // A deadline day ends where the case is; the country's day is close enough to list by.
        let today = state.clocks.today.date_at(registry.national_utc_offset());
        select = select.filter(case::Column::NextDueOn.lt(today));
    }
    if let Some(cursor) = page.cursor()? {
        select = select.filter(order.after(&cursor)?);
    }
    let cases = order.sorted(select).limit(limit + 1).all(&state.db).await?;
    let page = Page::from_rows(cases, limit, |case| order.cursor(case));
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

/// Which cases to count.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    /// `false` to leave the closed cases out (default `true`: every status).
    #[serde(default)]
    pub closed: Option<bool>,
}

/// How many cases an institution holds in each status (the statuses it
/// holds none in are left out); with `closed=false`, every status but closed.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/inbox/counts",
    tag = "institutions",
    params(("institution_id" = String, Path, description = "The institution"), CountsQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Vec<StatusCount>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub(super) async fn counts(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<CountsQuery>, QueryRejection>,
) -> Result<ApiJson<Vec<StatusCount>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadInbox, &institution_id, &state.clocks.registry.current())?;
    // The closed cases are most of an institution's after a few years (at
    // ten million reports a busy one's hundred thousand cases took 32-35 ms
    // to count, the rest a fifth of that): the inbox leaves them out. The
    // statuses kept are named, so the index is read for those alone.
    let statuses = if query.closed == Some(false) {
        let kept = Status::ALL.into_iter().filter(|status| *status != Status::Closed).map(Status::as_str);
        case::Column::Status.is_in(kept).into_condition()
    } else {
        Condition::all()
    };
    let rows: Vec<(String, i64)> = case::Entity::find()
        .select_only()
        .column(case::Column::Status)
        // COUNT(*), not COUNT(id): the (institution, status) index holds no id,
        // so only COUNT(*) is counted from the index alone.
        .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "count")
        .filter(case::Column::InstitutionId.eq(institution_id))
        .filter(statuses)
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
