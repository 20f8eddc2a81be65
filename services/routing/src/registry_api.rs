//! The administrators' JSON API over the registry: read it whole, read its
//! changes, make a change. Each change becomes the next version and is
//! published as a `registry_changed` event.

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery};
use aduan_registry::{RegistryChange, RegistryDocument};
use aduan_registry_store::store::{self, RegistryVersion};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RoutingState;
use crate::authorization::{Action, Target, may_change, permit};
use crate::registry_keeping::make_change;

/// The registry's routes.
pub fn router() -> OpenApiRouter<RoutingState> {
    OpenApiRouter::new()
        .routes(routes!(get_registry))
        .routes(routes!(get_rules))
        .routes(routes!(get_calendar))
        .routes(routes!(list_changes, post_change))
        .routes(routes!(explain_route))
}

/// The registry in use.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistryView {
    /// Its version: 1 is the file routing first started with.
    pub version: i64,
    /// Institutions, regions, categories, rules and calendar, as in the registry file.
    #[schema(value_type = Object)]
    pub document: RegistryDocument,
}

/// The registry as routing uses it now.
#[utoipa::path(get, path = "/api/v1/registry", tag = "administrators", responses((status = 200, body = RegistryView)))]
async fn get_registry(State(state): State<RoutingState>) -> ApiJson<RegistryView> {
    let (version, registry) = state.registry.snapshot();
    ApiJson(RegistryView { version, document: registry.document().clone() })
}

/// Which rules to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RulesQuery {
    /// Only the rules that send reports to this institution.
    #[param(max_length = 64)]
    pub institution: String,
}

/// The rules of the registry in use that send reports to one institution.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesView {
    /// The registry's version.
    pub version: i64,
    /// The rules, by category then region.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<aduan_registry::Rule>,
}

/// The rules that send reports to an institution (a slice of the registry:
/// the whole of a country's is megabytes).
#[utoipa::path(get, path = "/api/v1/registry/rules", tag = "administrators", params(RulesQuery),
    responses((status = 200, body = RulesView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_rules(
    State(state): State<RoutingState>,
    query: Result<Query<RulesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<RulesView>, ApiError> {
    let Query(query) = query?;
    let (version, registry) = state.registry.snapshot();
    if registry.institution(&query.institution).is_none() {
        return Err(ApiError::invalid("unknown_institution", "no institution has this id"));
    }
    let mut rules: Vec<aduan_registry::Rule> =
        registry.document().rule.iter().filter(|rule| rule.institution == query.institution).cloned().collect();
    rules.sort_by(|a, b| (&a.category, &a.region).cmp(&(&b.category, &b.region)));
    Ok(ApiJson(RulesView { version, rules }))
}

/// Which year of the calendar.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// The year whose holidays to list.
    #[param(minimum = 1900, maximum = 2200)]
    pub year: i32,
}

/// The working week and one year's holidays, national and regional.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    /// The registry's version.
    pub version: i64,
    /// The working weekdays (`mon` ... `sun`).
    pub working_days: Vec<String>,
    /// The year's holidays, by day then region.
    #[schema(value_type = Vec<Object>)]
    pub holidays: Vec<aduan_registry::Holiday>,
}

/// The calendar of a year.
#[utoipa::path(get, path = "/api/v1/registry/calendar", tag = "administrators", params(CalendarQuery),
    responses((status = 200, body = CalendarView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_calendar(
    State(state): State<RoutingState>,
    query: Result<Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<CalendarView>, ApiError> {
    use chrono::Datelike as _;
    let Query(query) = query?;
    if !(1900..=2200).contains(&query.year) {
        return Err(ApiError::invalid("invalid_year", "year is 1900 to 2200"));
    }
    let (version, registry) = state.registry.snapshot();
    let calendar = registry.document().calendar.as_ref();
    let working_days = calendar
        .map(|calendar| calendar.working_days.iter().map(|day| day.to_string().to_lowercase()).collect())
        .unwrap_or_default();
    let mut holidays: Vec<aduan_registry::Holiday> = calendar
        .map(|calendar| calendar.holiday.iter().filter(|holiday| holiday.date.year() == query.year).cloned().collect())
        .unwrap_or_default();
    holidays.sort_by(|a, b| (a.date, &a.region).cmp(&(b.date, &b.region)));
    Ok(ApiJson(CalendarView { version, working_days, holidays }))
}

/// A change to make.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    /// What to change.
    pub change: RegistryChange,
    /// The version the change was prepared against; if the registry has moved
    /// on since, the change is refused with 409 and nothing changes.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// A change made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    /// The version it made.
    pub version: i64,
    /// The change, as it was asked for (`{"kind": "seed"}` for version 1).
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
    /// Who made it.
    pub changed_by: String,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<RegistryVersion> for ChangeView {
    fn from(version: RegistryVersion) -> Self {
        Self {
            version: version.version,
            change: serde_json::from_str(&version.change).unwrap_or(serde_json::Value::Null),
            changed_by: version.actor,
            changed_at: version.changed_at,
        }
    }
}

/// Make a change to the registry; it applies to reports routed from now on.
#[utoipa::path(post, path = "/api/v1/registry/changes", tag = "administrators",
    security(("access_token" = [])), request_body = ChangeRequest,
    responses((status = 201, body = ChangeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_change(
    State(state): State<RoutingState>,
    caller: Caller,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> Result<(StatusCode, ApiJson<ChangeView>), ApiError> {
    may_change(&caller, &request.change, &state.registry.current())?;
    let made = make_change(
        &state.db,
        &state.registry,
        &state.verification,
        &request.change,
        request.expected_version,
        caller.actor(StaffRole::Administrator),
    )
    .await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, ApiJson(made.into())))
}

/// The registry's changes, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/registry/changes", tag = "administrators", params(PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<ChangeView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_changes(
    State(state): State<RoutingState>,
    caller: Caller,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<Page<ChangeView>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadRegistryChanges, Target::Anywhere, &state.registry.current())?;
    let limit = query.limit(100)?;
    let before = query.cursor()?.map(|cursor| cursor.key_as::<i64>()).transpose()?;
    let changes = store::history(&state.db, before, limit + 1).await?;
    let page = Page::from_rows(changes, limit, |version| Cursor::new(version.version, version.version));
    Ok(ApiJson(page.map(ChangeView::from)))
}

/// A category and a region, to see where a report of them would go.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteQuestion {
    /// A category id.
    #[param(max_length = 64)]
    pub category: String,
    /// A region code.
    #[param(max_length = 64)]
    pub region: String,
    /// Institutions that returned the report as not their authority,
    /// comma-separated: the rules skip them, as routing does.
    #[param(max_length = 1000)]
    #[serde(default)]
    pub returned_by: Option<String>,
}

/// Where a report would go, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RouteExplanation {
    /// The institution that would have to answer it.
    pub institution_id: String,
    /// Its name.
    pub institution_name: String,
    /// rule (a rule for the region itself), region_fallback (a rule for a
    /// region containing it, or `*`), or national_verifier (no rule: placed by hand).
    pub matched_by: String,
    /// The region of the rule that decided it, when one did.
    pub rule_region: Option<String>,
    /// The registry version the answer comes from.
    pub version: i64,
}

/// Where a report of `category` in `region` would go now, and by which rule:
/// the routing rules' tester. Anyone may ask, as anyone may read the registry.
#[utoipa::path(get, path = "/api/v1/registry/route", tag = "administrators", params(RouteQuestion),
    responses((status = 200, body = RouteExplanation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn explain_route(
    State(state): State<RoutingState>,
    question: Result<Query<RouteQuestion>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<RouteExplanation>, ApiError> {
    let Query(question) = question?;
    let registry = state.registry.current();
    if registry.category(&question.category).is_none() {
        return Err(ApiError::not_found(
            "unknown_category",
            format!("there is no category {}", aduan_platform::http::quoted(&question.category)),
        ));
    }
    if registry.region(&question.region).is_none() {
        return Err(ApiError::not_found(
            "unknown_region",
            format!("there is no region {}", aduan_platform::http::quoted(&question.region)),
        ));
    }
    let returned: Vec<String> = question
        .returned_by
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .take(50)
        .map(str::to_owned)
        .collect();
    let decision = registry.route(&question.category, &question.region, &returned);
    Ok(ApiJson(RouteExplanation {
        institution_id: decision.institution.id.clone(),
        institution_name: decision.institution.name.clone(),
        matched_by: decision.matched_by.as_str().to_owned(),
        rule_region: decision.rule_region.map(str::to_owned),
        version: state.registry.version(),
    }))
}
