//! The ombudsman's export: the whole case, from the citizen's filing to the
//! referral, across every service's work, without the reporter's identity.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_procedure::Status;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::case::{CaseView, case_view, find_case};
use super::parse_case_id;
use crate::ResolutionState;
use crate::authorization::{Action, permit, sees_confidential};
use crate::entities::report_history;

/// One step of a report's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    /// When.
    pub at: DateTime<Utc>,
    /// Its place in the report's order.
    pub sequence: i64,
    /// The event: filed, assigned, deferred, returned, follow_up_posted, resolved, ...
    pub event: String,
    /// Who acted: citizen, verifier, coordinator, officer, system.
    pub actor_role: String,
    /// Their pseudonymous id.
    pub actor: String,
    /// What happened, with the words written.
    pub summary: String,
}

/// Everything known of a case, for the ombudsman. Holds no identity of the
/// reporter: that never left intake.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OmbudsmanExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The case with everything written on it.
    pub case: CaseView,
    /// The whole history of the report, in order: the citizen's filing and
    /// words, the verifier's and routing's decisions, returns, escalations,
    /// the institutions' work.
    pub history: Vec<HistoryView>,
}

/// The export of a case the citizen referred to the ombudsman.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/ombudsman-export",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    responses((status = 200, body = OmbudsmanExport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub(super) async fn ombudsman_export(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
) -> Result<ApiJson<OmbudsmanExport>, ApiError> {
    let case = find_case(&state.db, parse_case_id(&case_id)?).await?;
    let registry = state.clocks.registry.current();
    permit(&caller, Action::Export, &case.institution_id, &registry)?;
    // The ombudsman reads a confidential case in full through the verifier or
    // its institution; an export made by anyone else withholds its words.
    let shown = case.privacy != "confidential" || sees_confidential(&caller, &case.institution_id, &registry);
    if case.status != Status::ReferredToOmbudsman.as_str() {
        return Err(ApiError::conflict("not_referred", "only a case referred to the ombudsman is exported"));
    }
    let history = report_history::Entity::find()
        .filter(report_history::Column::ReportId.eq(case.report_id))
        .order_by_asc(report_history::Column::Sequence)
        .order_by_asc(report_history::Column::OccurredAt)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| HistoryView {
            at: row.occurred_at,
            sequence: row.sequence,
            event: row.event,
            actor_role: row.actor_role,
            actor: row.actor,
            summary: if shown { row.summary } else { super::case::WITHHELD.to_owned() },
        })
        .collect();
    let case = case_view(&state, &caller, case, shown).await?;
    Ok(ApiJson(OmbudsmanExport { exported_at: Utc::now(), case, history }))
}
