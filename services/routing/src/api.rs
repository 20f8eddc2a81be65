//! Routing's JSON API: the registry and where each report went.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use aduan_platform::proto::{self, Message as _};
use aduan_procedure::{Status, Tier};
use aduan_text::TextRule;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::authorization::{Action, Target, permit, sees_queued};
use crate::verification::{Decision, decide};
use crate::{RoutingState, routed_report};

/// Routing's routes and their OpenAPI description.
pub fn router(state: RoutingState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_institutions))
        .routes(routes!(get_route))
        .routes(routes!(verification_queue))
        .routes(routes!(queued))
        .routes(routes!(assign))
        .routes(routes!(defer))
        .routes(routes!(archive))
        .routes(routes!(merge))
        .routes(routes!(reassign))
        .routes(routes!(raise_privacy))
        .routes(routes!(decide_appeal))
        .routes(routes!(escalations))
        .merge(crate::registry_api::router())
        .with_state(state)
}

/// An institution in the tree.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InstitutionView {
    /// Stable id.
    pub id: String,
    /// Official name.
    pub name: String,
    /// national, province, regency or unit.
    pub level: String,
    /// The institution above it.
    pub parent: Option<String>,
}

/// The institutions reports are routed to.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "routing", responses((status = 200, body = Vec<InstitutionView>)))]
async fn list_institutions(State(state): State<RoutingState>) -> ApiJson<Vec<InstitutionView>> {
    ApiJson(
        state
            .registry
            .current()
            .institutions()
            .iter()
            .map(|institution| InstitutionView {
                id: institution.id.clone(),
                name: institution.name.clone(),
                level: serde_json::to_value(institution.level)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                parent: institution.parent.clone(),
            })
            .collect(),
    )
}

/// Where a report was routed, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RouteView {
    /// Status from the procedure (`submitted` while in the verification queue).
    pub status: String,
    /// The report.
    pub report_id: Uuid,
    /// The institution holding it now.
    pub institution_id: String,
    /// rule, region_fallback, parent_institution or national_verifier.
    pub matched_by: String,
    /// Institutions that returned it, in order.
    pub returned_by: Vec<String>,
    /// When it was last routed.
    pub routed_at: DateTime<Utc>,
}

/// Where a report was routed.
#[utoipa::path(
    get,
    path = "/api/v1/routes/{report_id}",
    tag = "routing",
    params(("report_id" = Uuid, Path, description = "The report's id")),
    security(("access_token" = [])),
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_route(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let report_id =
        Uuid::parse_str(&report_id).map_err(|_| ApiError::invalid("invalid_report_id", "not a report id"))?;
    let routed = routed_report::Entity::find_by_id(report_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("route_not_found", "this report has not been routed"))?;
    let registry = state.registry.current();
    // Its institution's staff, and the verifiers of where it came from (those
    // whose queue holds that region's reports): an agency that merely serves
    // the region sees only what is routed to it.
    permit(&caller, Action::ReadRoute, Target::Institution(&routed.institution_id), &registry)
        .or_else(|_| permit(&caller, Action::ReadQueue, Target::Region(&routed.region), &registry))?;
    Ok(ApiJson(route_view(routed)))
}

fn route_view(routed: routed_report::Model) -> RouteView {
    RouteView {
        report_id: routed.report_id,
        status: routed.status.clone(),
        returned_by: routed.returned_by(),
        institution_id: routed.institution_id,
        matched_by: routed.matched_by,
        routed_at: routed.routed_at,
    }
}

/// A report waiting for a verifier.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuedReport {
    /// The report.
    pub report_id: Uuid,
    /// Its tracking code.
    pub tracking_code: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Institutions that returned it.
    pub returned_by: Vec<String>,
    /// Since when it waits.
    pub waiting_since: DateTime<Utc>,
    /// The last working day to verify it, where it is; absent while the
    /// citizen is asked to clarify.
    pub verify_by: Option<chrono::NaiveDate>,
    /// Whether that day has passed (the national verifier has been told).
    pub overdue: bool,
    /// Earlier reports, still being handled, in the same category and
    /// region within the last 30 days, whose words are alike: the
    /// originals it may be merged into, most alike first.
    pub similar: Vec<SimilarReport>,
}

/// An earlier report a waiting one may duplicate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarReport {
    /// The earlier report.
    pub report_id: Uuid,
    /// Its tracking code.
    pub tracking_code: String,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: String,
    /// Shared word trigrams over all of them, 0 to 1.
    pub likeness: f64,
}

/// Which waiting reports to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Only this category.
    #[param(max_length = 64)]
    #[serde(default)]
    pub category: Option<String>,
    /// Only this region and the regions inside it (`32` is all of West Java).
    #[param(max_length = 64)]
    #[serde(default)]
    pub region: Option<String>,
    /// Only reports that have waited at least this many days.
    #[param(maximum = 3650)]
    #[serde(default)]
    pub waiting_days: Option<u32>,
}

/// The reports waiting for a verifier, oldest first, a page at a time.
///
/// A verifier delegated to an institution's subtree sees the reports from
/// the regions it serves.
#[utoipa::path(get, path = "/api/v1/verification-queue", tag = "verifiers", params(PageQuery, QueueFilter),
    security(("access_token" = [])),
    responses((status = 200, body = Page<QueuedReport>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn verification_queue(
    State(state): State<RoutingState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
    filter: Result<Query<QueueFilter>, QueryRejection>,
) -> Result<ApiJson<Page<QueuedReport>>, ApiError> {
    let (Query(query), Query(filter)) = (query?, filter?);
    for (name, value) in [("category", &filter.category), ("region", &filter.region)] {
        if value.as_ref().is_some_and(|value| value.chars().count() > 64) {
            return Err(ApiError::invalid("invalid_filter", format!("{name} is at most 64 characters")));
        }
    }
    let registry = state.registry.current();
    permit(&caller, Action::ReadQueue, Target::Anywhere, &registry)?;
    let limit = query.limit(100)?;
    let mut select = routed_report::Entity::find().filter(routed_report::waiting());
    if let Some(category) = filter.category.as_deref().map(str::trim).filter(|category| !category.is_empty()) {
        select = select.filter(routed_report::Column::Category.eq(category));
    }
    if let Some(region) = filter.region.as_deref().map(str::trim).filter(|region| !region.is_empty()) {
        // The region and every region whose chain of parents reaches it.
        let within = |code: &str| {
            let mut current = Some(code);
            while let Some(here) = current {
                if here == region {
                    return true;
                }
                current = registry.region(here).and_then(|found| found.parent.as_deref());
            }
            false
        };
        let codes: Vec<&str> =
            registry.regions().iter().map(|known| known.code.as_str()).filter(|code| within(code)).collect();
        select = select.filter(routed_report::Column::Region.is_in(codes));
    }
    if let Some(days) = filter.waiting_days {
        if days > 3650 {
            return Err(ApiError::invalid("invalid_filter", "waiting_days is at most 3650"));
        }
        let since = Utc::now() - chrono::Duration::days(i64::from(days));
        select = select.filter(routed_report::Column::RoutedAt.lte(since));
    }
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select = select.filter(after(routed_report::Column::RoutedAt, at, routed_report::Column::ReportId, id));
    }
    let waiting = select
        .order_by_asc(routed_report::Column::RoutedAt)
        .order_by_asc(routed_report::Column::ReportId)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(waiting, limit, |routed| Cursor::new(routed.routed_at.to_rfc3339(), routed.report_id));
    let seen: Vec<routed_report::Model> =
        page.items.into_iter().filter(|routed| sees_queued(&caller, &routed.region, &registry)).collect();
    let mut similar = crate::similar::suggestions_for(&state.db, &seen).await?;
    let mut queue = Vec::with_capacity(seen.len());
    for routed in seen {
        let suggestions = similar.remove(&routed.report_id).unwrap_or_default();
        queue.push(queued_report(&state, &caller, routed, suggestions)?);
    }
    Ok(ApiJson(Page { items: queue, next: page.next }))
}

/// What stands for a confidential original's title for a verifier who may
/// not read it (one delegated to another part of the tree).
const WITHHELD: &str = "(confidential)";

/// A waiting report as the queue shows it, with its possible duplicates.
fn queued_report(
    state: &RoutingState,
    caller: &Caller,
    routed: routed_report::Model,
    suggestions: Vec<crate::similar::Suggestion>,
) -> Result<QueuedReport, ApiError> {
    let content = proto::ReportContent::decode(routed.content.as_slice()).map_err(ApiError::internal)?;
    let due = state.verification.due(&routed);
    let registry = state.registry.current();
    let mut similar = Vec::new();
    for suggestion in suggestions {
        let original =
            proto::ReportContent::decode(suggestion.original.content.as_slice()).map_err(ApiError::internal)?;
        let confidential = original.privacy == proto::Privacy::Confidential as i32;
        let readable = !confidential
            || crate::authorization::sees_confidential(caller, &suggestion.original.institution_id, &registry);
        similar.push(SimilarReport {
            report_id: suggestion.original.report_id,
            tracking_code: original.tracking_code,
            title: if readable { original.title } else { WITHHELD.to_owned() },
            status: suggestion.original.status,
            likeness: (suggestion.likeness * 100.0).round() / 100.0,
        });
    }
    Ok(QueuedReport {
        similar,
        verify_by: due.verify_by,
        overdue: due.overdue,
        report_id: routed.report_id,
        tracking_code: content.tracking_code,
        category: routed.category.clone(),
        region: routed.region.clone(),
        title: content.title,
        description: content.description,
        returned_by: routed.returned_by(),
        waiting_since: routed.routed_at,
    })
}

/// One report waiting for a verifier.
#[utoipa::path(get, path = "/api/v1/verification-queue/{report_id}", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])),
    responses((status = 200, body = QueuedReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn queued(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
) -> Result<ApiJson<QueuedReport>, ApiError> {
    let report_id = parse_report_id(&report_id)?;
    let registry = state.registry.current();
    let not_waiting = || ApiError::not_found("not_in_queue", "no report with this id waits for a verifier");
    let routed = routed_report::Entity::find_by_id(report_id).one(&state.db).await?.ok_or_else(not_waiting)?;
    permit(&caller, Action::ReadQueue, Target::Region(&routed.region), &registry)?;
    if routed.status != Status::Submitted.as_str() {
        return Err(not_waiting());
    }
    let suggestions = crate::similar::suggestions(&state.db, &routed).await?;
    Ok(ApiJson(queued_report(&state, &caller, routed, suggestions)?))
}

fn parse_report_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid("invalid_report_id", "not a report id"))
}

/// A verifier's question, reason or note for the citizen or an institution.
const VERIFIER_TEXT: TextRule = TextRule::block(5, 1000);
/// A note with an archival, which may be empty.
const ARCHIVE_NOTE: TextRule = TextRule::block(0, 1000);

fn verifier_text(text: &str, field: &str) -> Result<String, ApiError> {
    ApiError::check_text(text, field, "invalid_text", VERIFIER_TEXT)
}

async fn verify(
    state: &RoutingState,
    report_id: &str,
    caller: &Caller,
    decision: Decision,
) -> Result<ApiJson<RouteView>, ApiError> {
    let report_id = parse_report_id(report_id)?;
    let routed = decide(&state.db, &state.registry.current(), &state.verification, report_id, caller, decision).await?;
    state.outbox.wake();
    Ok(ApiJson(route_view(routed)))
}

/// Assign a report to an institution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The institution's id.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution_id: String,
    /// The resolution tier, when not the one the category implies (an
    /// information request's is `information_request`).
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(simple|information_request|dispute_without_field_check|field_investigation)$")]
    pub tier: Option<String>,
}

/// Assign a waiting report to an institution.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/assignment", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = AssignRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let tier = match request.tier.as_deref() {
        None => None,
        Some(name) => Some(Tier::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Tier::ALL.into_iter().map(Tier::as_str).collect();
            ApiError::invalid("invalid_tier", format!("tier must be one of {}", names.join(", ")))
        })?),
    };
    verify(&state, &report_id, &caller, Decision::Assign { institution_id: request.institution_id, tier }).await
}

/// Ask the citizen to clarify.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeferRequest {
    /// 5 to 1000 characters.
    #[schema(min_length = 5, max_length = 1000)]
    pub question: String,
}

/// Defer a waiting report, asking the citizen to clarify; its clock pauses.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/deferral", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = DeferRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn defer(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<DeferRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let question = verifier_text(&request.question, "question")?;
    verify(&state, &report_id, &caller, Decision::Defer { question }).await
}

/// Do not take a report up.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// not_public_service, too_vague or spam.
    #[schema(pattern = "^(not_public_service|too_vague|spam)$")]
    pub reason: String,
    /// Up to 1000 characters for the citizen.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Archive a waiting or deferred report.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/archival", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = ArchiveRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn archive(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<ArchiveRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let note = ApiError::check_text(request.note.as_deref().unwrap_or_default(), "note", "invalid_text", ARCHIVE_NOTE)?;
    verify(&state, &report_id, &caller, Decision::Archive { reason: request.reason, note }).await
}

/// Merge a report into an earlier one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The original report's id.
    pub into_report_id: Uuid,
}

/// Merge a waiting or deferred report into the earlier report it duplicates.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/merger", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = MergeRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<MergeRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    verify(&state, &report_id, &caller, Decision::Merge { into_report_id: request.into_report_id }).await
}

/// Reassign an escalated case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The institution that is to answer it now.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution_id: String,
    /// Why, 5 to 1000 characters; the new institution reads it on the case.
    #[schema(min_length = 5, max_length = 1000)]
    pub reason: String,
}

/// Take a case escalated to the national verifier from its institution and
/// give it to another; its clocks start again there.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/reassignment", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = ReassignRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reassign(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<ReassignRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let reason = verifier_text(&request.reason, "reason")?;
    verify(&state, &report_id, &caller, Decision::Reassign { institution_id: request.institution_id, reason }).await
}

/// A case whose clocks ran out up to the national verifier.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EscalatedReport {
    /// The report.
    pub report_id: Uuid,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// The institution that let it run out, or whose answer is appealed.
    pub institution_id: String,
    /// Why: the clock that ran out (first_follow_up, resolution, ...) or `appeal`.
    pub reason: String,
    /// Since when it is escalated.
    pub escalated_at: DateTime<Utc>,
}

/// The cases escalated to the national verifier, oldest first, a page at a time.
///
/// A verifier delegated to an institution's subtree sees the cases of that subtree.
#[utoipa::path(get, path = "/api/v1/escalations", tag = "verifiers", params(PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<EscalatedReport>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn escalations(
    State(state): State<RoutingState>,
    caller: Caller,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<EscalatedReport>>, ApiError> {
    let Query(query) = query?;
    let registry = state.registry.current();
    permit(&caller, Action::ReadEscalations, Target::Anywhere, &registry)?;
    let limit = query.limit(100)?;
    let mut select = routed_report::Entity::find().filter(routed_report::Column::EscalatedToVerifierAt.is_not_null());
    if let Some(cursor) = query.cursor()? {
        let (at, id) = (cursor.key_as::<DateTime<Utc>>()?, cursor.id_as::<Uuid>()?);
        select =
            select.filter(after(routed_report::Column::EscalatedToVerifierAt, at, routed_report::Column::ReportId, id));
    }
    let escalated = select
        .order_by_asc(routed_report::Column::EscalatedToVerifierAt)
        .order_by_asc(routed_report::Column::ReportId)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(escalated, limit, |routed| {
        Cursor::new(routed.escalated_to_verifier_at.map(|at| at.to_rfc3339()).unwrap_or_default(), routed.report_id)
    });
    let items = page
        .items
        .into_iter()
        .filter(|routed| {
            permit(&caller, Action::ReadEscalations, Target::Institution(&routed.institution_id), &registry).is_ok()
        })
        .filter_map(|routed| {
            Some(EscalatedReport {
                escalated_at: routed.escalated_to_verifier_at?,
                reason: routed.escalation_reason.unwrap_or_default(),
                report_id: routed.report_id,
                category: routed.category,
                region: routed.region,
                institution_id: routed.institution_id,
            })
        })
        .collect();
    Ok(ApiJson(Page { items, next: page.next }))
}

/// The national verifier's decision on an appeal against an institution with no parent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionRequest {
    /// Why the answer stands, 5 to 1000 characters; the citizen reads it.
    #[schema(min_length = 5, max_length = 1000)]
    pub reason: String,
}

/// Uphold the answer to an appeal that reached the national verifier (the
/// institution that answered has no level above it): the case closes and
/// the citizen may refer it to the ombudsman. To give the case to another
/// institution instead, reassign it.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/appeal-decision", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = AppealDecisionRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide_appeal(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<AppealDecisionRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let reason = verifier_text(&request.reason, "reason")?;
    verify(&state, &report_id, &caller, Decision::UpholdAppeal { reason }).await
}

/// Raise a report's privacy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyRequest {
    /// anonymous or confidential: higher than the report's now.
    #[schema(pattern = "^(public|anonymous|confidential)$")]
    pub privacy: String,
    /// Why, 5 to 1000 characters; the citizen reads it.
    #[schema(min_length = 5, max_length = 1000)]
    pub reason: String,
}

/// Raise the privacy of a report (never lower it); the citizen and the
/// institution holding it are told, and the change is recorded as an event.
#[utoipa::path(post, path = "/api/v1/verification/{report_id}/privacy", tag = "verifiers",
    params(("report_id" = Uuid, Path)), security(("access_token" = [])), request_body = PrivacyRequest,
    responses((status = 200, body = RouteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn raise_privacy(
    State(state): State<RoutingState>,
    caller: Caller,
    Path(report_id): Path<String>,
    ApiJson(request): ApiJson<PrivacyRequest>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let report_id = parse_report_id(&report_id)?;
    let privacy = proto::Privacy::from_name(&request.privacy)
        .ok_or_else(|| ApiError::invalid("invalid_privacy", "privacy must be public, anonymous or confidential"))?;
    let reason = verifier_text(&request.reason, "reason")?;
    let registry = state.registry.current();
    let routed = crate::verification::raise_privacy(&state.db, &registry, report_id, &caller, privacy, reason).await?;
    state.outbox.wake();
    Ok(ApiJson(route_view(routed)))
}
