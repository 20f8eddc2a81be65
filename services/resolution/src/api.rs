//! Resolution's JSON API for institutions: the inbox, a case, and the work on it.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody, acting_staff};
use aduan_procedure::{Role, Status};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::ResolutionState;
use crate::casework::{Officer, Work, do_work};
use crate::entities::{case, case_branch, case_entry, case_supporter};
use crate::{forwarding, supporting};

/// The header naming the acting officer (a pseudonymous account id).
pub const OFFICER_HEADER: &str = "x-officer-id";
/// The header giving the officer's role: `officer` (default) or `coordinator`.
pub const ROLE_HEADER: &str = "x-officer-role";

/// Resolution's routes and their OpenAPI description.
pub fn router(state: ResolutionState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(get_case))
        .routes(routes!(post_follow_up))
        .routes(routes!(post_resolution))
        .routes(routes!(post_return))
        .routes(routes!(post_question))
        .routes(routes!(post_forward))
        .routes(routes!(post_branch_answer))
        .routes(routes!(unit_branches))
        .routes(routes!(post_supporter))
        .routes(routes!(post_contribution))
        .routes(routes!(supported_cases))
        .routes(routes!(ombudsman_export))
        .with_state(state)
}

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
}

impl From<case::Model> for CaseSummary {
    fn from(case: case::Model) -> Self {
        Self {
            id: case.id,
            report_id: case.report_id,
            tracking_code: case.tracking_code,
            status: case.status,
            category: case.category,
            region: case.region,
            title: case.title,
            opened_at: case.opened_at,
        }
    }
}

/// Which cases to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `open` (default: assigned or in follow-up), or a status name.
    #[serde(default)]
    pub status: Option<String>,
    /// At most this many, oldest first (default 100, at most 500).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// An institution's inbox.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/inbox",
    tag = "institutions",
    params(("institution_id" = String, Path, description = "The institution"), InboxQuery),
    responses((status = 200, body = Vec<CaseSummary>), (status = 422, body = ErrorBody))
)]
async fn inbox(
    State(state): State<ResolutionState>,
    Path(institution_id): Path<String>,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<Vec<CaseSummary>>, ApiError> {
    let Query(query) = query?;
    let statuses: Vec<&str> = match query.status.as_deref() {
        None | Some("open") => Status::ALL.into_iter().filter(|s| s.is_open()).map(Status::as_str).collect(),
        Some(name) => vec![
            Status::parse(name)
                .ok_or_else(|| ApiError::invalid("invalid_status", format!("{name:?} is not a status")))?
                .as_str(),
        ],
    };
    let cases = case::Entity::find()
        .filter(case::Column::InstitutionId.eq(institution_id))
        .filter(case::Column::Status.is_in(statuses))
        .order_by_asc(case::Column::OpenedAt)
        .limit(query.limit.unwrap_or(100).min(500))
        .all(&state.db)
        .await?;
    Ok(ApiJson(cases.into_iter().map(CaseSummary::from).collect()))
}

/// Something written on a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    /// follow_up, resolution or return.
    pub kind: String,
    /// The institution that wrote it.
    pub institution_id: String,
    /// The officer's pseudonymous id.
    pub author: String,
    /// The text.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
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
    /// The resolution tier, which sets the resolution clock.
    pub tier: String,
    /// The citizen's account.
    pub description: String,
    /// What was written on it, oldest first.
    pub entries: Vec<EntryView>,
    /// Its running clocks and when each runs out.
    pub clocks: Vec<ClockView>,
}

/// A running clock of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// first_follow_up, resolution or citizen_silence.
    pub clock: String,
    /// Its last working day (the institution's calendar); absent while paused,
    /// waiting for the citizen.
    pub due_on: Option<chrono::NaiveDate>,
    /// How many escalation steps have fired for it.
    pub escalations: usize,
}

async fn case_view(state: &ResolutionState, case: case::Model) -> Result<CaseView, ApiError> {
    let entries = case_entry::Entity::find()
        .filter(case_entry::Column::CaseId.eq(case.id))
        .order_by_asc(case_entry::Column::CreatedAt)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|entry| EntryView {
            kind: entry.kind,
            institution_id: entry.institution_id,
            author: entry.author,
            text: entry.text,
            at: entry.created_at,
        })
        .collect();
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
    Ok(CaseView {
        clocks,
        institution_id: case.institution_id.clone(),
        kind: case.kind.clone(),
        privacy: case.privacy.clone(),
        tier: case.tier.clone(),
        description: case.description.clone(),
        summary: CaseSummary::from(case),
        entries,
    })
}

fn parse_case_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid("invalid_case_id", "not a case id"))
}

/// One case with everything written on it.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}",
    tag = "institutions",
    params(("case_id" = Uuid, Path, description = "The case")),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody))
)]
async fn get_case(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
) -> Result<ApiJson<CaseView>, ApiError> {
    let case = case::Entity::find_by_id(parse_case_id(&case_id)?)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    Ok(ApiJson(case_view(&state, case).await?))
}

/// Text written on a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkRequest {
    /// 5 to 5000 characters.
    pub text: String,
}

fn officer(headers: &HeaderMap) -> Result<Officer, ApiError> {
    let id = acting_staff(headers, OFFICER_HEADER, "officer_required")?;
    let role = match headers.get(ROLE_HEADER).map(|value| value.to_str().unwrap_or_default()) {
        None | Some("officer") => Role::Officer,
        Some("coordinator") => Role::Coordinator,
        Some(other) => {
            return Err(ApiError::invalid("invalid_role", format!("{other:?} is not officer or coordinator")));
        }
    };
    Ok(Officer { id, role })
}

fn work_text(request: WorkRequest) -> Result<String, ApiError> {
    let text = request.text.trim().to_owned();
    let length = text.chars().count();
    if !(5..=5000).contains(&length) {
        return Err(ApiError::invalid("invalid_text", format!("text must be 5 to 5000 characters; it has {length}")));
    }
    Ok(text)
}

async fn work(
    state: ResolutionState,
    case_id: String,
    headers: HeaderMap,
    request: WorkRequest,
    work: Work,
) -> Result<ApiJson<CaseView>, ApiError> {
    let officer = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let text = work_text(request)?;
    let case = do_work(&state.db, &state.clocks, case_id, &officer, work, text).await?;
    state.outbox.wake();
    Ok(ApiJson(case_view(&state, case).await?))
}

/// Post a follow-up the citizen will see.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/follow-ups",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_follow_up(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::FollowUp).await
}

/// Resolve the case.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/resolution",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_resolution(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::Resolve).await
}

/// Return the case as not this institution's authority; routing places it again.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/return",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_return(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::Return).await
}

/// Ask the citizen for information; the case's clock pauses until the answer.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/questions",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_question(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<CaseView>, ApiError> {
    work(state, case_id, headers, request, Work::AskCitizen).await
}

/// Forward a case to a unit below the institution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// A unit below the case's institution, or below the unit of `from_branch_id`.
    pub unit_id: String,
    /// What the unit should do, 5 to 5000 characters.
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
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header), ("X-Officer-Role" = String, Header)),
    request_body = ForwardRequest,
    responses((status = 201, body = BranchView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_forward(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ForwardRequest>,
) -> Result<(StatusCode, ApiJson<BranchView>), ApiError> {
    let coordinator = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let note = work_text(WorkRequest { text: request.note })?;
    let branch = forwarding::forward(
        &state.db,
        &state.clocks,
        case_id,
        &coordinator,
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
    params(("case_id" = Uuid, Path), ("branch_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = WorkRequest,
    responses((status = 200, body = BranchView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_branch_answer(
    State(state): State<ResolutionState>,
    Path((case_id, branch_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<WorkRequest>,
) -> Result<ApiJson<BranchView>, ApiError> {
    let unit_officer = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let branch_id =
        Uuid::parse_str(&branch_id).map_err(|_| ApiError::invalid("invalid_branch_id", "not a branch id"))?;
    let text = work_text(request)?;
    let branch = forwarding::answer(&state.db, case_id, branch_id, &unit_officer, text).await?;
    state.outbox.wake();
    Ok(ApiJson(BranchView::from(branch)))
}

/// What has been forwarded to a unit and awaits its answer.
#[utoipa::path(
    get,
    path = "/api/v1/units/{unit_id}/branches",
    tag = "institutions",
    params(("unit_id" = String, Path)),
    responses((status = 200, body = Vec<BranchView>))
)]
async fn unit_branches(
    State(state): State<ResolutionState>,
    Path(unit_id): Path<String>,
) -> Result<ApiJson<Vec<BranchView>>, ApiError> {
    let branches = case_branch::Entity::find()
        .filter(case_branch::Column::UnitId.eq(unit_id))
        .filter(case_branch::Column::Status.eq("open"))
        .order_by_asc(case_branch::Column::LateAt)
        .limit(500)
        .all(&state.db)
        .await?;
    Ok(ApiJson(branches.into_iter().map(BranchView::from).collect()))
}

/// Everything resolution knows of a case, for the ombudsman. Holds no identity
/// of the reporter: that never left intake.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OmbudsmanExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The case with everything written on it.
    pub case: CaseView,
    /// Every branch it was forwarded down, answered or not.
    pub branches: Vec<BranchView>,
}

/// The export of a case the citizen referred to the ombudsman.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/ombudsman-export",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    responses((status = 200, body = OmbudsmanExport), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
async fn ombudsman_export(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
) -> Result<ApiJson<OmbudsmanExport>, ApiError> {
    let case = case::Entity::find_by_id(parse_case_id(&case_id)?)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    if case.status != Status::ReferredToOmbudsman.as_str() {
        return Err(ApiError::conflict("not_referred", "only a case referred to the ombudsman is exported"));
    }
    let branches = case_branch::Entity::find()
        .filter(case_branch::Column::CaseId.eq(case.id))
        .order_by_asc(case_branch::Column::ForwardedAt)
        .all(&state.db)
        .await?
        .into_iter()
        .map(BranchView::from)
        .collect();
    Ok(ApiJson(OmbudsmanExport { exported_at: Utc::now(), case: case_view(&state, case).await?, branches }))
}

/// Ask another institution to support a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRequest {
    /// The supporting institution: not the lead, nor one of its units.
    pub institution_id: String,
    /// What is asked of it, 5 to 5000 characters.
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
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header), ("X-Officer-Role" = String, Header)),
    request_body = SupportRequest,
    responses((status = 201, body = SupporterView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_supporter(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SupportRequest>,
) -> Result<(StatusCode, ApiJson<SupporterView>), ApiError> {
    let coordinator = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let note = work_text(WorkRequest { text: request.note })?;
    let asked =
        supporting::ask_support(&state.db, &state.clocks, case_id, &coordinator, &request.institution_id, note).await?;
    state.outbox.wake();
    let view = SupporterView { case_id: asked.case_id, institution_id: asked.institution_id, asked_at: asked.asked_at };
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// A supporting institution's contribution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionRequest {
    /// The supporting institution the officer writes for.
    pub institution_id: String,
    /// 5 to 5000 characters.
    pub text: String,
}

/// A supporting institution writes its contribution on the case, for the lead.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/contributions",
    tag = "institutions",
    params(("case_id" = Uuid, Path), ("X-Officer-Id" = String, Header)),
    request_body = ContributionRequest,
    responses((status = 201, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn post_contribution(
    State(state): State<ResolutionState>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ContributionRequest>,
) -> Result<(StatusCode, ApiJson<CaseView>), ApiError> {
    let supporter = officer(&headers)?;
    let case_id = parse_case_id(&case_id)?;
    let text = work_text(WorkRequest { text: request.text })?;
    supporting::contribute(&state.db, case_id, &supporter, &request.institution_id, text).await?;
    state.outbox.wake();
    let case = case::Entity::find_by_id(case_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    Ok((StatusCode::CREATED, ApiJson(case_view(&state, case).await?)))
}

/// The open cases an institution was asked to support.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/supporting",
    tag = "institutions",
    params(("institution_id" = String, Path)),
    responses((status = 200, body = Vec<CaseSummary>))
)]
async fn supported_cases(
    State(state): State<ResolutionState>,
    Path(institution_id): Path<String>,
) -> Result<ApiJson<Vec<CaseSummary>>, ApiError> {
    let case_ids: Vec<Uuid> = case_supporter::Entity::find()
        .filter(case_supporter::Column::InstitutionId.eq(institution_id))
        .order_by_desc(case_supporter::Column::AskedAt)
        .limit(500)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|supporter| supporter.case_id)
        .collect();
    let open: Vec<&str> = Status::ALL.into_iter().filter(|s| s.is_open()).map(Status::as_str).collect();
    let cases = case::Entity::find()
        .filter(case::Column::Id.is_in(case_ids))
        .filter(case::Column::Status.is_in(open))
        .order_by_asc(case::Column::OpenedAt)
        .all(&state.db)
        .await?;
    Ok(ApiJson(cases.into_iter().map(CaseSummary::from).collect()))
}
