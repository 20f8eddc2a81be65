//! Following a report by its tracking code: its status and who holds it for
//! anyone with the code (but a confidential report's), its text for the
//! holder of the secret, its timeline a page at a time, and, for a duplicate
//! merged into an earlier report, that report's progress.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, after};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::SECRET_HEADER;
use crate::IntakeState;
use crate::entities::{report, report_update};
use crate::following::DeadlineView;
use crate::publication::PROGRESS_KINDS;
use crate::tracking;

/// Updates shown with a report; the rest are a page away.
const FIRST_PAGE: u64 = 50;

/// One step of a report's history, as the citizen sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpdateView {
    /// When.
    pub at: DateTime<Utc>,
    /// assigned, received, returned, follow_up, question, resolved, closed, deferred, archived, merged, escalated, ...
    pub kind: String,
    /// The institution that acted, if one did.
    pub institution: Option<String>,
    /// What happened, or what the institution wrote.
    pub text: String,
}

impl From<report_update::Model> for UpdateView {
    fn from(update: report_update::Model) -> Self {
        Self { at: update.occurred_at, kind: update.kind, institution: update.institution_name, text: update.text }
    }
}

/// The progress of the earlier report a duplicate was merged into.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowedView {
    /// Where it stands.
    pub status: String,
    /// The institution holding it.
    pub institution: Option<String>,
    /// Its progress, oldest first; an institution's words only when that
    /// report is public.
    pub updates: Vec<UpdateView>,
}

/// A report as its citizen follows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// The tracking code.
    pub tracking_code: String,
    /// The report's id, for its owner only: the audit ledger's receipts of
    /// its steps are found by it (`GET /api/v1/ledger/receipts`).
    pub report_id: Option<uuid::Uuid>,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// public, anonymous or confidential.
    pub privacy: String,
    /// Where it stands.
    pub status: String,
    /// The institution holding it.
    pub institution: Option<String>,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// Title, shown to the holder of the secret.
    pub title: Option<String>,
    /// Description, shown to the holder of the secret.
    pub description: Option<String>,
    /// The citizen's rating of the answer, 1 to 5, once accepted.
    pub rating: Option<i32>,
    /// The citizen's "was it fixed?": yes, no or partly.
    pub fixed: Option<String>,
    /// What has happened, oldest first: the first page.
    pub updates: Vec<UpdateView>,
    /// More updates follow: `GET …/updates?after=<this>`.
    pub updates_next: Option<String>,
    /// For a duplicate: the progress of the report it was merged into.
    pub followed: Option<FollowedView>,
    /// When each running step is due (the case's clocks), as resolution last announced them.
    pub deadlines: Vec<DeadlineView>,
    /// For the holder of the secret: the steps the procedure lets them take
    /// now (`acceptance`, `clarification`, `replies`, `dispute`, `appeal`,
    /// `ombudsman`: the paths to post them to); empty for anyone else.
    pub next_steps: Vec<String>,
}

/// The citizen's steps, by the path they are posted to, and the procedure's action for each.
const CITIZEN_STEPS: [(&str, aduan_procedure::Action); 6] = [
    ("replies", aduan_procedure::Action::CitizenReplies),
    ("clarification", aduan_procedure::Action::Clarify),
    ("acceptance", aduan_procedure::Action::Accept),
    ("dispute", aduan_procedure::Action::Dispute),
    ("appeal", aduan_procedure::Action::Appeal),
    ("ombudsman", aduan_procedure::Action::ReferToOmbudsman),
];

/// The steps the procedure lets the citizen take on a report in `status`.
fn citizen_steps(status: &str) -> Vec<String> {
    let Some(status) = aduan_procedure::Status::parse(status) else { return Vec::new() };
    CITIZEN_STEPS
        .iter()
        .filter(|(_, action)| aduan_procedure::transition(status, *action, aduan_procedure::Role::Citizen).is_ok())
        .map(|(path, _)| (*path).to_owned())
        .collect()
}

/// The report with `code`, read through `conn` (the caller's transaction, when it has one).
pub(crate) async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> Result<report::Model, ApiError> {
    let code = tracking::normalise_tracking_code(code);
    report::Entity::find()
        .filter(report::Column::TrackingCode.eq(code))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("report_not_found", "no report has this tracking code"))
}

/// Whether the request proves ownership; a wrong secret is an error, none is not.
pub(crate) fn owner_secret(headers: &HeaderMap, report: &report::Model) -> Result<bool, ApiError> {
    match headers.get(SECRET_HEADER) {
        None => Ok(false),
        Some(value) => {
            let secret = value.to_str().unwrap_or_default();
            if tracking::secret_matches(secret, &report.secret_hash) {
                Ok(true)
            } else {
                Err(ApiError::forbidden("wrong_secret", "the secret does not match this report"))
            }
        }
    }
}

/// The report with `code` as the request may see it: a confidential report
/// only with its secret. Answers the report and whether the caller owns it.
async fn readable(state: &IntakeState, code: &str, headers: &HeaderMap) -> Result<(report::Model, bool), ApiError> {
    let report = find_by_code(&state.db, code).await?;
    let is_owner = owner_secret(headers, &report)?;
    if !is_owner && report.privacy == "confidential" {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "secret_required",
            "this report is confidential: send its secret in the X-Report-Secret header",
        ));
    }
    Ok((report, is_owner))
}

/// Follow a report by its tracking code.
///
/// Status and the institutions' answers are shown to anyone with the code,
/// except for confidential reports; the title and description only to the
/// holder of the secret (header `X-Report-Secret`).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing", max_length = 40),
        ("X-Report-Secret" = Option<String>, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, body = ReportView),
        (status = 403, description = "Wrong secret, or a confidential report without one", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
    )
)]
pub(super) async fn get_report(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
) -> Result<ApiJson<ReportView>, ApiError> {
    let (report, is_owner) = readable(&state, &tracking_code, &headers).await?;
    Ok(ApiJson(report_view(&state.db, report, is_owner).await?))
}

/// A page of a report's timeline, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/updates",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing", max_length = 40),
        ("X-Report-Secret" = Option<String>, Header, description = "The secret given at filing"),
        PageQuery,
    ),
    responses(
        (status = 200, body = Page<UpdateView>),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
    )
)]
pub(super) async fn report_updates(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<Page<UpdateView>>, ApiError> {
    let Query(query) = query?;
    let (report, _) = readable(&state, &tracking_code, &headers).await?;
    Ok(ApiJson(updates_page(&state.db, report.id, &query, FIRST_PAGE).await?))
}

async fn updates_page<C: ConnectionTrait>(
    conn: &C,
    report_id: uuid::Uuid,
    query: &PageQuery,
    default_limit: u64,
) -> Result<Page<UpdateView>, ApiError> {
    let limit = query.limit(default_limit)?;
    let mut select = report_update::Entity::find().filter(report_update::Column::ReportId.eq(report_id));
    if let Some(cursor) = query.cursor()? {
        let (sequence, id) = (cursor.key_as::<i64>()?, cursor.id_as::<uuid::Uuid>()?);
        select = select.filter(after(report_update::Column::Sequence, sequence, report_update::Column::Id, id));
    }
    let rows = select
        .order_by_asc(report_update::Column::Sequence)
        .order_by_asc(report_update::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    Ok(Page::from_rows(rows, limit, |row| Cursor::new(row.sequence, row.id)).map(UpdateView::from))
}

/// The progress of `original`, as a duplicate's citizen may follow it.
async fn followed<C: ConnectionTrait>(conn: &C, original: report::Model) -> Result<FollowedView, ApiError> {
    let mut updates: Vec<report_update::Model> = report_update::Entity::find()
        .filter(report_update::Column::ReportId.eq(original.id))
        .filter(report_update::Column::Kind.is_in(PROGRESS_KINDS))
        .order_by_desc(report_update::Column::Sequence)
        .order_by_desc(report_update::Column::Id)
        .limit(FIRST_PAGE)
        .all(conn)
        .await?;
    updates.reverse();
    // Another citizen's words only where the public record shows them.
    let public = crate::publication::is_published(&original);
    let updates = updates
        .into_iter()
        .map(|update| {
            let mut view = UpdateView::from(update);
            if !public {
                // Another citizen's case: its progress, not its words.
                view.text = progress_text(&view.kind).to_owned();
            }
            view
        })
        .collect();
    Ok(FollowedView { status: original.status, institution: original.institution_name, updates })
}

fn progress_text(kind: &str) -> &'static str {
    match kind {
        "assigned" => "Sent to an institution.",
        "received" => "Received in the institution's inbox.",
        "returned" => "The institution says it is not its authority; finding the right one.",
        "follow_up" => "The institution answered.",
        "resolved" => "The institution resolved it.",
        "closed" => "Closed.",
        "escalated" => "A step was late and was escalated.",
        _ => "The report moved on.",
    }
}

/// The citizen's view of `report`; its text only for its owner.
pub(crate) async fn report_view<C: ConnectionTrait>(
    conn: &C,
    report: report::Model,
    is_owner: bool,
) -> Result<ReportView, ApiError> {
    let page = updates_page(conn, report.id, &PageQuery::default(), FIRST_PAGE).await?;
    let followed = match report.merged_into {
        Some(original) => match report::Entity::find_by_id(original).one(conn).await? {
            Some(original) => Some(followed(conn, original).await?),
            None => None,
        },
        None => None,
    };
    let deadlines = report
        .deadlines
        .as_deref()
        .and_then(|json| serde_json::from_str::<Vec<DeadlineView>>(json).ok())
        .unwrap_or_default();
    Ok(ReportView {
        report_id: is_owner.then_some(report.id),
        deadlines,
        tracking_code: report.tracking_code,
        kind: report.kind,
        category: report.category,
        region: report.region,
        privacy: report.privacy,
        institution: report.institution_name,
        filed_at: report.filed_at,
        title: is_owner.then_some(report.title),
        description: is_owner.then_some(report.description),
        rating: report.rating,
        fixed: report.fixed,
        updates: page.items,
        updates_next: page.next,
        followed,
        next_steps: if is_owner { citizen_steps(&report.status) } else { Vec::new() },
        status: report.status,
    })
}
