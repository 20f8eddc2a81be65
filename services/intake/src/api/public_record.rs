//! The public record: public and anonymous reports once a verifier assigned
//! them ([`crate::publication`]), with search and filters, each with its
//! progress and the institutions' public answers. Never a confidential
//! report, never a report still waiting for verification, and never an
//! identity (intake keeps identities apart, sealed).

use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery, before};
use aduan_registry::Registry;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::tracking::UpdateView;
use crate::IntakeState;
use crate::entities::{report, report_update};
use crate::filing::Location;
use crate::publication::{self, PROGRESS_KINDS};
use crate::tracking;

/// Reports on one page unless `limit` says otherwise.
const DEFAULT_LIMIT: u64 = 20;
/// The longest search text.
const MAX_SEARCH_CHARACTERS: usize = 100;
/// Updates shown with a published report.
const MAX_UPDATES: u64 = 200;

/// A published report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishedReport {
    /// The tracking code.
    pub tracking_code: String,
    /// complaint, aspiration or information_request.
    pub kind: String,
    /// Category id.
    pub category: String,
    /// Region code.
    pub region: String,
    /// Title.
    pub title: String,
    /// What the citizen wrote.
    pub description: String,
    /// Where it stands.
    pub status: String,
    /// `open` or `closed`.
    pub open_or_closed: String,
    /// The institution holding it.
    pub institution: Option<String>,
    /// Where it happened, if the citizen said.
    pub address: Option<String>,
    /// The map point, if the citizen marked one.
    pub location: Option<Location>,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<report::Model> for PublishedReport {
    fn from(report: report::Model) -> Self {
        let location =
            report.latitude.zip(report.longitude).map(|(latitude, longitude)| Location { latitude, longitude });
        let (title, description) =
            (publication::public_title(&report).to_owned(), publication::public_description(&report).to_owned());
        Self {
            open_or_closed: if publication::is_closed(&report.status) { "closed" } else { "open" }.to_owned(),
            tracking_code: report.tracking_code,
            kind: report.kind,
            category: report.category,
            region: report.region,
            title,
            description,
            status: report.status,
            institution: report.institution_name,
            address: report.address,
            location,
            filed_at: report.filed_at,
            updated_at: report.status_changed_at,
        }
    }
}

/// A published report with its progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishedReportWithUpdates {
    /// The report.
    #[serde(flatten)]
    pub report: PublishedReport,
    /// Its progress and the institutions' answers, oldest first.
    pub updates: Vec<UpdateView>,
}

/// Which published reports to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PublicQuery {
    /// Words to find in the title or the description.
    #[param(max_length = 100)]
    #[serde(default)]
    pub q: Option<String>,
    /// A category id.
    #[param(max_length = 64)]
    #[serde(default)]
    pub category: Option<String>,
    /// A region code: the region and every region inside it.
    #[param(max_length = 64)]
    #[serde(default)]
    pub region: Option<String>,
    /// An institution id.
    #[param(max_length = 64)]
    #[serde(default)]
    pub institution: Option<String>,
    /// `open` or `closed`.
    #[param(pattern = "^(open|closed)$")]
    #[serde(default)]
    pub status: Option<String>,
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// `code` and the codes of every region inside it.
fn region_and_below(registry: &Registry, code: &str) -> Vec<String> {
    let inside = |region: &aduan_registry::Region| {
        let mut current = Some(region);
        // Each step goes one level up; the registry refuses cycles.
        while let Some(region) = current {
            if region.code == code {
                return true;
            }
            current = region.parent.as_deref().and_then(|parent| registry.region(parent));
        }
        false
    };
    registry.regions().iter().filter(|region| inside(region)).map(|region| region.code.clone()).collect()
}

/// `%text%` for LIKE, with LIKE's own characters taken literally.
fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

fn filters(query: &PublicQuery, registry: &Registry) -> Result<Condition, ApiError> {
    let statuses: Vec<&str> = publication::published_statuses()
        .map(aduan_procedure::Status::as_str)
        .filter(|status| match given(query.status.as_deref()) {
            None => true,
            Some("closed") => publication::is_closed(status),
            Some(_) => !publication::is_closed(status),
        })
        .collect();
    if let Some(status) = given(query.status.as_deref())
        && !matches!(status, "open" | "closed")
    {
        return Err(ApiError::invalid("invalid_status", "status is open or closed"));
    }
    let mut condition = publication::published_in(statuses);
    if let Some(category) = given(query.category.as_deref()) {
        condition = condition.add(report::Column::Category.eq(category));
    }
    if let Some(region) = given(query.region.as_deref()) {
        if registry.region(region).is_none() {
            return Err(ApiError::invalid("unknown_region", "region is not a region code"));
        }
        condition = condition.add(report::Column::Region.is_in(region_and_below(registry, region)));
    }
    if let Some(institution) = given(query.institution.as_deref()) {
        condition = condition.add(report::Column::InstitutionId.eq(institution));
    }
    if let Some(words) = given(query.q.as_deref()) {
        let words =
            ApiError::check_text(words, "q", "invalid_search", aduan_text::TextRule::line(1, MAX_SEARCH_CHARACTERS))?;
        let pattern = like_pattern(&words);
        let [title, description] = publication::searchable_texts();
        condition = condition.add(
            Condition::any()
                .add(title.like(LikeExpr::new(pattern.clone()).escape('\\')))
                .add(description.like(LikeExpr::new(pattern).escape('\\'))),
        );
    }
    Ok(condition)
}

/// The public record: published reports, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/public/reports",
    tag = "public record",
    params(PublicQuery, PageQuery),
    responses(
        (status = 200, body = Page<PublishedReport>),
        (status = 422, description = "A bad filter, cursor or limit", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
    )
)]
pub(super) async fn list_published(
    State(state): State<IntakeState>,
    query: Result<Query<PublicQuery>, QueryRejection>,
    page: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<PublishedReport>>, ApiError> {
    let (Query(query), Query(page)) = (query?, page?);
    let limit = page.limit(DEFAULT_LIMIT)?;
    let mut select = report::Entity::find().filter(filters(&query, &state.registry.current())?);
    if let Some(cursor) = page.cursor()? {
        let filed_at = cursor.key_as::<DateTime<Utc>>()?;
        let id = cursor.id_as::<uuid::Uuid>()?;
        select = select.filter(before(report::Column::FiledAt, filed_at, report::Column::Id, id));
    }
    let rows = select
        .order_by_desc(report::Column::FiledAt)
        .order_by_desc(report::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(rows, limit, |row| Cursor::new(row.filed_at.to_rfc3339(), row.id));
    Ok(ApiJson(page.map(PublishedReport::from)))
}

/// One published report with its progress. A report that is not on the
/// public record answers 404, whether or not it exists.
#[utoipa::path(
    get,
    path = "/api/v1/public/reports/{tracking_code}",
    tag = "public record",
    params(("tracking_code" = String, Path, description = "The report's tracking code", max_length = 40)),
    responses(
        (status = 200, body = PublishedReportWithUpdates),
        (status = 404, description = "Not on the public record", body = ErrorBody),
    )
)]
pub(super) async fn get_published(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
) -> Result<ApiJson<PublishedReportWithUpdates>, ApiError> {
    let not_published = || ApiError::not_found("report_not_published", "no published report has this tracking code");
    let report = report::Entity::find()
        .filter(report::Column::TrackingCode.eq(tracking::normalise_tracking_code(&tracking_code)))
        .one(&state.db)
        .await?
        .filter(publication::is_published)
        .ok_or_else(not_published)?;
    // The newest, should there be more than a page holds: the answer is the news.
    let mut updates = report_update::Entity::find()
        .filter(report_update::Column::ReportId.eq(report.id))
        .filter(report_update::Column::Kind.is_in(PROGRESS_KINDS))
        .order_by_desc(report_update::Column::Sequence)
        .order_by_desc(report_update::Column::Id)
        .limit(MAX_UPDATES)
        .all(&state.db)
        .await?;
    updates.reverse();
    Ok(ApiJson(PublishedReportWithUpdates {
        report: PublishedReport::from(report),
        updates: updates.into_iter().map(UpdateView::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_province_holds_its_regencies_and_cities() {
        let registry = Registry::demo();
        let province = registry.regions().iter().find(|region| region.parent.is_none()).expect("a province");
        let below = region_and_below(&registry, &province.code);
        assert!(below.contains(&province.code));
        assert!(
            registry
                .regions()
                .iter()
                .filter(|region| region.parent.as_deref() == Some(province.code.as_str()))
                .all(|region| below.contains(&region.code))
        );
        let regency = registry.regions().iter().find(|region| region.parent.is_some()).expect("a regency");
        assert_eq!(region_and_below(&registry, &regency.code), vec![regency.code.clone()]);
    }

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(like_pattern("100%_Jl\\"), "%100\\%\\_jl\\\\%");
    }
}
