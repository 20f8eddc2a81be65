//! The figures over HTTP: the country's (with each level of the tree), the
//! ranking of institutions, one institution's, and the open data. JSON, or
//! CSV with `format=csv` where a table is asked for.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_registry::Registry;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AuditState;
use crate::authorization::{Action, permit, permit_institution_figures};
use crate::entities::{audit_case, audit_report};
use crate::figures::{Inputs, InstitutionFigures, NationalFigures, Period, RankedInstitution, bounds};
use crate::open_data::{OpenData, is_quarter, open_data, to_csv};

/// The figures' routes.
pub fn router(state: AuditState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(national))
        .routes(routes!(ranking))
        .routes(routes!(institution))
        .routes(routes!(open))
        .with_state(state)
}

/// JSON or CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON (the default).
    #[default]
    Json,
    /// CSV, as a file to download.
    Csv,
}

/// Which period, and for tables how.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// A year (`2026`), a quarter (`2026-Q3`) or a month (`2026-07`); the
    /// current quarter by default.
    pub period: Option<String>,
    /// Only institutions at this level (`national`, `province`, `regency`, `unit`); ranking only.
    pub level: Option<String>,
    /// `json` (default) or `csv`; ranking and open data only.
    #[serde(default)]
    pub format: Format,
}

impl FiguresQuery {
    fn period(&self, state: &AuditState) -> Result<Period, ApiError> {
        match &self.period {
            Some(text) => Period::parse(text).map_err(|error| ApiError::invalid("invalid_period", error.to_string())),
            None => {
                let registry = state.registry.current();
                Ok(Period::quarter_of(state.today.date_at(registry.national_utc_offset())))
            }
        }
    }
}

/// What the figures of a period need read.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// One institution's cases only.
    pub institution: Option<&'a str>,
    /// The cases open now too (for the backlog), whenever they were given.
    pub open_cases: bool,
    /// The reports filed in the period (the verification stage's figures).
    pub reports: bool,
}

/// Reads the facts the figures of `period` need: the cases given in it (and
/// those open now, if wanted), and the reports filed in it (if wanted).
pub async fn load(
    db: &DatabaseConnection,
    registry: &Registry,
    period: &Period,
    wanted: Wanted<'_>,
) -> Result<(Vec<audit_report::Model>, Vec<audit_case::Model>), DbErr> {
    // The figures of the ledger as it stands, not as of the last round.
    crate::projection::catch_up(db).await?;
    let (from, until) = bounds(period, registry);
    let given =
        Condition::all().add(audit_case::Column::AssignedAt.gte(from)).add(audit_case::Column::AssignedAt.lt(until));
    let mut which = Condition::any().add(given);
    if wanted.open_cases {
        which = which.add(
            Condition::all().add(audit_case::Column::ReturnedAt.is_null()).add(audit_case::Column::ClosedAt.is_null()),
        );
    }
    let mut cases = audit_case::Entity::find().filter(which);
    if let Some(institution) = wanted.institution {
        cases = cases.filter(audit_case::Column::InstitutionId.eq(institution));
    }
    let cases = cases.all(db).await?;
    let reports = if wanted.reports {
        audit_report::Entity::find()
            .filter(audit_report::Column::FiledAt.gte(from))
            .filter(audit_report::Column::FiledAt.lt(until))
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    Ok((reports, cases))
}

fn csv_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
        ],
        body,
    )
        .into_response()
}

/// The country's figures in a period: every case given in it, every report
/// filed in it, each level of the tree, and the backlog now (national auditors).
#[utoipa::path(get, path = "/api/v1/figures", tag = "auditors", params(FiguresQuery), security(("access_token" = [])),
    responses((status = 200, body = NationalFigures), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn national(
    State(state): State<AuditState>,
    caller: Caller,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<ApiJson<NationalFigures>, ApiError> {
    permit(&caller, Action::ReadFigures)?;
    let Query(query) = query?;
    let period = query.period(&state)?;
    let registry = state.registry.current();
    let wanted = Wanted { institution: None, open_cases: true, reports: true };
    let (reports, cases) = load(&state.db, &registry, &period, wanted).await?;
    let inputs = Inputs { reports: &reports, cases: &cases, registry: &registry, now: state.today.now() };
    Ok(ApiJson(inputs.national(&period)))
}

/// Institutions ranked by their compliance index in a period; those with
/// fewer than five cases listed last, unranked (national auditors).
#[utoipa::path(get, path = "/api/v1/figures/ranking", tag = "auditors", params(FiguresQuery), security(("access_token" = [])),
    responses((status = 200, body = Vec<RankedInstitution>), (status = 200, description = "With format=csv", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ranking(
    State(state): State<AuditState>,
    caller: Caller,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    permit(&caller, Action::ReadFigures)?;
    let Query(query) = query?;
    let period = query.period(&state)?;
    if let Some(level) = &query.level
        && !crate::figures::LEVELS.contains(&level.as_str())
    {
        return Err(ApiError::invalid("invalid_level", "a level is national, province, regency or unit"));
    }
    let registry = state.registry.current();
    let wanted = Wanted { institution: None, open_cases: false, reports: false };
    let (reports, cases) = load(&state.db, &registry, &period, wanted).await?;
    let inputs = Inputs { reports: &reports, cases: &cases, registry: &registry, now: state.today.now() };
    let ranked = inputs.ranking(&period, query.level.as_deref());
    Ok(match query.format {
        Format::Json => ApiJson(ranked).into_response(),
        Format::Csv => csv_download(&format!("aduan-ranking-{}", period.label), ranking_csv(&period, &ranked)),
    })
}

fn ranking_csv(period: &Period, ranked: &[RankedInstitution]) -> String {
    use crate::csv::{field, number};
    let mut out = String::from(
        "period,rank,institution_id,name,level,cases,returned,misrouting_rate,first_follow_up_on_time,\
         follow_up_rate,follow_up_good,resolved,resolution_on_time,median_days_to_resolve,p90_days_to_resolve,\
         reopen_rate,appeal_rate,rated,mean_rating,escalations,compliance_index\n",
    );
    for entry in ranked {
        let f = &entry.figures;
        let fields = [
            field(&period.label),
            entry.rank.map(|rank| rank.to_string()).unwrap_or_default(),
            field(&entry.institution_id),
            field(&entry.name),
            field(&entry.level),
            f.cases.to_string(),
            f.returned.to_string(),
            number(f.misrouting_rate),
            number(f.first_follow_up_on_time),
            number(f.follow_up_rate),
            f.follow_up_good.map(|good| good.to_string()).unwrap_or_default(),
            f.resolved.to_string(),
            number(f.resolution_on_time),
            number(f.median_days_to_resolve),
            number(f.p90_days_to_resolve),
            number(f.reopen_rate),
            number(f.appeal_rate),
            f.rated.to_string(),
            number(f.mean_rating),
            f.escalations.to_string(),
            number(f.compliance_index),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// One institution's figures in a period and its backlog now (auditors, and
/// the coordinators and supervisors answering for it).
#[utoipa::path(get, path = "/api/v1/figures/institutions/{id}", tag = "auditors", params(("id" = String, Path), FiguresQuery),
    security(("access_token" = [])),
    responses((status = 200, body = InstitutionFigures), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn institution(
    State(state): State<AuditState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<ApiJson<InstitutionFigures>, ApiError> {
    let registry = state.registry.current();
    permit_institution_figures(&caller, &id, |a, b| registry.is_below(a, b))?;
    if registry.institution(&id).is_none() {
        return Err(ApiError::not_found("unknown_institution", format!("no institution {id:?} in the registry")));
    }
    let Query(query) = query?;
    let period = query.period(&state)?;
    let wanted = Wanted { institution: Some(&id), open_cases: true, reports: false };
    let (reports, cases) = load(&state.db, &registry, &period, wanted).await?;
    let inputs = Inputs { reports: &reports, cases: &cases, registry: &registry, now: state.today.now() };
    Ok(ApiJson(inputs.institution(&id, &period)))
}

/// The open data of a quarter, for anyone: per institution and per
/// category across the country, no free text, cells of fewer than five
/// cases suppressed.
#[utoipa::path(get, path = "/api/v1/open-data", tag = "public", params(FiguresQuery),
    responses((status = 200, body = OpenData), (status = 200, description = "With format=csv", content_type = "text/csv", body = String),
        (status = 422, body = ErrorBody)))]
async fn open(
    State(state): State<AuditState>,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let period = query.period(&state)?;
    if !is_quarter(&period) {
        return Err(ApiError::invalid("invalid_period", "the open data is published by quarter: 2026-Q3"));
    }
    let data = match state.open_data.get(&period.label) {
        Some(data) => data,
        None => {
            let registry = state.registry.current();
            let wanted = Wanted { institution: None, open_cases: false, reports: false };
            let (reports, cases) = load(&state.db, &registry, &period, wanted).await?;
            let inputs = Inputs { reports: &reports, cases: &cases, registry: &registry, now: state.today.now() };
            let data = std::sync::Arc::new(open_data(&inputs, &period));
            state.open_data.put(data.clone());
            data
        }
    };
    Ok(match query.format {
        Format::Json => ApiJson(data.as_ref().clone()).into_response(),
        Format::Csv => csv_download(&format!("aduan-open-data-{}", period.label), to_csv(&data)),
    })
}
