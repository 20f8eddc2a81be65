//! Routing's JSON API: the registry and where each report went.

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::{RoutingState, routed_report};

/// Routing's routes and their OpenAPI description.
pub fn router(state: RoutingState) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(list_institutions)).routes(routes!(get_route)).with_state(state)
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
    responses((status = 200, body = RouteView), (status = 404, body = ErrorBody))
)]
async fn get_route(
    State(state): State<RoutingState>,
    Path(report_id): Path<String>,
) -> Result<ApiJson<RouteView>, ApiError> {
    let report_id =
        Uuid::parse_str(&report_id).map_err(|_| ApiError::invalid("invalid_report_id", "not a report id"))?;
    let routed = routed_report::Entity::find_by_id(report_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("route_not_found", "this report has not been routed"))?;
    Ok(ApiJson(RouteView {
        report_id,
        returned_by: routed.returned_by(),
        institution_id: routed.institution_id,
        matched_by: routed.matched_by,
        routed_at: routed.routed_at,
    }))
}
