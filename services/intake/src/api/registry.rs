//! What a report can be filed under and where: the registry's categories and regions.

use aduan_platform::http::ApiJson;
use axum::extract::State;
use serde::Serialize;

use crate::IntakeState;

/// A category a report can be filed under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    /// Send this as `category`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The resolution tier it implies until a verifier sets another (which
    /// sets how long the institution has to resolve it).
    pub tier: String,
}

/// The categories a report can be filed under.
#[utoipa::path(get, path = "/api/v1/categories", tag = "citizens", responses((status = 200, body = Vec<CategoryView>)))]
pub(super) async fn list_categories(State(state): State<IntakeState>) -> ApiJson<Vec<CategoryView>> {
    ApiJson(
        state
            .registry
            .current()
            .categories()
            .iter()
            .map(|category| CategoryView {
                id: category.id.clone(),
                name: category.name.clone(),
                tier: category.tier.as_str().to_owned(),
            })
            .collect(),
    )
}

/// A region a report can be filed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegionView {
    /// Official code; send this as `region`.
    pub code: String,
    /// Name.
    pub name: String,
    /// The containing region's code.
    pub parent: Option<String>,
}

/// The regions a report can be filed in.
#[utoipa::path(get, path = "/api/v1/regions", tag = "citizens", responses((status = 200, body = Vec<RegionView>)))]
pub(super) async fn list_regions(State(state): State<IntakeState>) -> ApiJson<Vec<RegionView>> {
    ApiJson(
        state
            .registry
            .current()
            .regions()
            .iter()
            .map(|region| RegionView {
                code: region.code.clone(),
                name: region.name.clone(),
                parent: region.parent.clone(),
            })
            .collect(),
    )
}
