//! Sampled reviews over HTTP: draw a sample, read samples with their
//! reviews, review a case of a sample. Auditors draw and review within
//! their grants' subtrees; the institution's coordinators and supervisors
//! read what was found.

use std::collections::BTreeMap;

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::envelope::{new_envelope, new_registry_envelope};
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::proto::envelope::Event;
use aduan_platform::proto::{CaseReviewed, ReviewSampleDrawn, RubricScore};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AuditState;
use crate::authorization::permit_institution_figures;
use crate::entities::{audit_case, case_review, review_sample};
use crate::figures::{Period, bounds};
use crate::reviews::{MAX_SAMPLE, MAX_SCORE, RUBRIC, draw, new_seed};

/// The longest findings.
pub const MAX_FINDINGS: usize = 5000;

/// The reviews' routes.
pub fn router(state: AuditState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_samples, draw_sample))
        .routes(routes!(sample))
        .routes(routes!(review))
        .routes(routes!(rubric))
        .with_state(state)
}

/// One criterion of the rubric.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CriterionView {
    /// Its stable name.
    pub name: &'static str,
    /// What the auditor asks.
    pub question: &'static str,
    /// The highest score (0 no, 1 partly, 2 yes).
    pub max_score: u32,
}

/// The rubric every case is reviewed against.
#[utoipa::path(get, path = "/api/v1/review-rubric", tag = "auditors", responses((status = 200, body = Vec<CriterionView>)))]
async fn rubric() -> ApiJson<Vec<CriterionView>> {
    ApiJson(
        RUBRIC
            .iter()
            .map(|criterion| CriterionView { name: criterion.name, question: criterion.question, max_score: MAX_SCORE })
            .collect(),
    )
}

/// What a sample is drawn of.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawSample {
    /// The institution.
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub institution_id: String,
    /// The period its cases closed in: `2026`, `2026-Q3`, `2026-07`.
    #[schema(pattern = "^[0-9]{4}(-(Q[1-4]|[0-9]{2}))?$", max_length = 7)]
    pub period: String,
    /// How many cases, 1 to 100 (10 by default).
    #[serde(default)]
    pub size: Option<u32>,
}

/// One review of a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The rubric's scores by criterion.
    pub scores: BTreeMap<String, u32>,
    /// Their sum.
    pub total: u32,
    /// The most it could be.
    pub out_of: u32,
    /// The auditor's findings.
    pub findings: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
}

/// A case drawn into a sample.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SampledCase {
    /// Its report.
    pub report_id: String,
    /// Resolution's case id, for the case's page.
    pub case_id: Option<String>,
    /// When it closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The citizen's rating.
    pub rating: Option<i32>,
    /// The review, once written.
    pub review: Option<ReviewView>,
}

/// A sample and its reviews.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SampleView {
    /// Its id.
    pub id: String,
    /// The institution.
    pub institution_id: String,
    /// The period.
    pub period: String,
    /// The seed that drew it (anyone can draw it again: see `reviews`).
    pub seed: String,
    /// The cases drawn, in rank order.
    pub cases: Vec<SampledCase>,
    /// How many are reviewed.
    pub reviewed: usize,
    /// When it was drawn.
    pub drawn_at: DateTime<Utc>,
}

fn permit_draw(caller: &Caller, institution: &str, state: &AuditState) -> Result<(), ApiError> {
    let registry = state.registry.current();
    let covering =
        caller.grants_of(StaffRole::Auditor).any(|grant| grant.covers(institution, |a, b| registry.is_below(a, b)));
    if covering {
        Ok(())
    } else if caller.holds(StaffRole::Auditor) {
        Err(ApiError::forbidden("outside_scope", "your grants do not cover this institution"))
    } else {
        Err(ApiError::forbidden("not_permitted", "only auditors draw samples and review cases"))
    }
}

async fn view_of(state: &AuditState, sample: review_sample::Model) -> Result<SampleView, ApiError> {
    let report_ids: Vec<String> = serde_json::from_str(&sample.report_ids)
        .map_err(|error| ApiError::internal(format!("sample {} has a damaged list of reports: {error}", sample.id)))?;
    let cases: BTreeMap<String, audit_case::Model> = audit_case::Entity::find()
        .filter(audit_case::Column::InstitutionId.eq(&sample.institution_id))
        .filter(audit_case::Column::ReportId.is_in(report_ids.clone()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|case| (case.report_id.clone(), case))
        .collect();
    let reviews: BTreeMap<String, case_review::Model> = case_review::Entity::find()
        .filter(case_review::Column::SampleId.eq(&sample.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|review| (review.report_id.clone(), review))
        .collect();
    let out_of = MAX_SCORE * RUBRIC.len() as u32;
    let cases: Vec<SampledCase> = report_ids
        .into_iter()
        .map(|report_id| {
            let case = cases.get(&report_id);
            let review = reviews.get(&report_id).map(|review| ReviewView {
                scores: serde_json::from_str(&review.scores).unwrap_or_default(),
                total: u32::try_from(review.total).unwrap_or(0),
                out_of,
                findings: review.findings.clone(),
                reviewed_at: review.reviewed_at,
            });
            SampledCase {
                case_id: case.and_then(|case| case.case_id.clone()),
                closed_at: case.and_then(|case| case.closed_at),
                rating: case.and_then(|case| case.rating),
                review,
                report_id,
            }
        })
        .collect();
    Ok(SampleView {
        reviewed: cases.iter().filter(|case| case.review.is_some()).count(),
        id: sample.id,
        institution_id: sample.institution_id,
        period: sample.period,
        seed: sample.seed,
        cases,
        drawn_at: sample.drawn_at,
    })
}

/// Draws a reproducible random sample of the cases an institution closed
/// in a period (auditors whose grants cover it).
#[utoipa::path(post, path = "/api/v1/review-samples", tag = "auditors", request_body = DrawSample, security(("access_token" = [])),
    responses((status = 201, body = SampleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn draw_sample(
    State(state): State<AuditState>,
    caller: Caller,
    ApiJson(body): ApiJson<DrawSample>,
) -> Result<(StatusCode, ApiJson<SampleView>), ApiError> {
    let registry = state.registry.current();
    permit_draw(&caller, &body.institution_id, &state)?;
    if body.institution_id.len() > 64 || registry.institution(&body.institution_id).is_none() {
        return Err(ApiError::invalid("unknown_institution", format!("no institution {:?}", body.institution_id)));
    }
    let period = Period::parse(&body.period).map_err(|error| ApiError::invalid("invalid_period", error.to_string()))?;
    let size = body.size.unwrap_or(10);
    if !(1..=MAX_SAMPLE).contains(&size) {
        return Err(ApiError::invalid("invalid_size", format!("a sample holds 1 to {MAX_SAMPLE} cases")));
    }
    let (from, until) = bounds(&period, &registry);
    crate::projection::catch_up(&state.db).await?;
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    let closed: Vec<String> = audit_case::Entity::find()
        .filter(audit_case::Column::InstitutionId.eq(&body.institution_id))
        .filter(audit_case::Column::ClosedAt.gte(from))
        .filter(audit_case::Column::ClosedAt.lt(until))
        .all(&txn)
        .await?
        .into_iter()
        .map(|case| case.report_id)
        .collect();
    if closed.is_empty() {
        return Err(ApiError::invalid("nothing_to_sample", "the institution closed no case in this period"));
    }
    let seed = new_seed();
    let drawn = draw(&seed, closed.iter().map(String::as_str), size as usize);
    let sample = review_sample::Model {
        id: uuid::Uuid::now_v7().to_string(),
        institution_id: body.institution_id.clone(),
        period: period.label.clone(),
        seed: seed.clone(),
        size: i32::try_from(size).unwrap_or(i32::MAX),
        report_ids: serde_json::to_string(&drawn).map_err(|error| ApiError::internal(error.to_string()))?,
        drawn_at: state.today.now(),
        drawn_by: caller.subject.clone(),
    };
    let event = Event::ReviewSampleDrawn(ReviewSampleDrawn {
        sample_id: sample.id.clone(),
        institution_id: sample.institution_id.clone(),
        period: sample.period.clone(),
        seed,
        size,
        report_ids: drawn,
        // The ledger's size when it was drawn: the candidates are the cases
        // the entries below it make closed in the period.
        tree_size: crate::appending::size(&txn).await?,
    });
    review_sample::Entity::insert(review_sample::ActiveModel::from(sample.clone())).exec(&txn).await?;
    announce(&txn, new_registry_envelope(caller.actor(StaffRole::Auditor), event)).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, ApiJson(view_of(&state, sample).await?)))
}

async fn announce(txn: &DatabaseTransaction, envelope: aduan_platform::proto::Envelope) -> Result<(), ApiError> {
    aduan_platform::outbox::enqueue(txn, envelope).await?;
    Ok(())
}

/// Whose samples.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SamplesQuery {
    /// The institution.
    pub institution: String,
}

/// An institution's samples and their reviews, newest first (auditors, and
/// the coordinators and supervisors answering for it).
#[utoipa::path(get, path = "/api/v1/review-samples", tag = "auditors", params(SamplesQuery), security(("access_token" = [])),
    responses((status = 200, body = Vec<SampleView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_samples(
    State(state): State<AuditState>,
    caller: Caller,
    query: Result<Query<SamplesQuery>, QueryRejection>,
) -> Result<ApiJson<Vec<SampleView>>, ApiError> {
    let Query(query) = query?;
    let registry = state.registry.current();
    permit_institution_figures(&caller, &query.institution, |a, b| registry.is_below(a, b))?;
    let samples = review_sample::Entity::find()
        .filter(review_sample::Column::InstitutionId.eq(&query.institution))
        .order_by_desc(review_sample::Column::DrawnAt)
        .all(&state.db)
        .await?;
    let mut views = Vec::with_capacity(samples.len());
    for sample in samples {
        views.push(view_of(&state, sample).await?);
    }
    Ok(ApiJson(views))
}

async fn find_sample(state: &AuditState, id: &str) -> Result<review_sample::Model, ApiError> {
    review_sample::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("unknown_sample", "no such sample"))
}

/// A sample and its reviews.
#[utoipa::path(get, path = "/api/v1/review-samples/{id}", tag = "auditors", params(("id" = String, Path)), security(("access_token" = [])),
    responses((status = 200, body = SampleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn sample(
    State(state): State<AuditState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<SampleView>, ApiError> {
    let sample = find_sample(&state, &id).await?;
    let registry = state.registry.current();
    permit_institution_figures(&caller, &sample.institution_id, |a, b| registry.is_below(a, b))?;
    Ok(ApiJson(view_of(&state, sample).await?))
}

/// An auditor's review of one case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteReview {
    /// The report of the case reviewed (one of the sample's).
    pub report_id: uuid::Uuid,
    /// A score for every criterion of the rubric: 0 no, 1 partly, 2 yes.
    pub scores: BTreeMap<String, u32>,
    /// What the auditor found, for the institution to read.
    #[schema(min_length = 1, max_length = 5000)]
    pub findings: String,
}

/// Reviews one case of a sample against the rubric (auditors whose grants
/// cover the institution); each case is reviewed once.
#[utoipa::path(post, path = "/api/v1/review-samples/{id}/reviews", tag = "auditors", params(("id" = String, Path)),
    request_body = WriteReview, security(("access_token" = [])),
    responses((status = 201, body = SampleView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review(
    State(state): State<AuditState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WriteReview>,
) -> Result<(StatusCode, ApiJson<SampleView>), ApiError> {
    let sample = find_sample(&state, &id).await?;
    permit_draw(&caller, &sample.institution_id, &state)?;
    let report_id = body.report_id.to_string();
    let drawn: Vec<String> = serde_json::from_str(&sample.report_ids).unwrap_or_default();
    if !drawn.contains(&report_id) {
        return Err(ApiError::invalid("not_in_sample", "that case is not in this sample"));
    }
    let unknown = body.scores.keys().find(|name| !RUBRIC.iter().any(|criterion| criterion.name == name.as_str()));
    let missing = RUBRIC.iter().find(|criterion| !body.scores.contains_key(criterion.name));
    if let Some(name) = unknown {
        return Err(ApiError::invalid("invalid_scores", format!("{name:?} is not a criterion of the rubric")));
    }
    if let Some(criterion) = missing {
        return Err(ApiError::invalid("invalid_scores", format!("no score for {:?}", criterion.name)));
    }
    if body.scores.values().any(|score| *score > MAX_SCORE) {
        return Err(ApiError::invalid("invalid_scores", format!("a score is 0, 1 or {MAX_SCORE}")));
    }
    let findings = body.findings.trim();
    if findings.is_empty() || findings.chars().count() > MAX_FINDINGS {
        return Err(ApiError::invalid("invalid_findings", format!("findings are 1 to {MAX_FINDINGS} characters")));
    }
    let total: u32 = body.scores.values().sum();
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    let inserted = case_review::Entity::insert(case_review::ActiveModel {
        sample_id: Set(sample.id.clone()),
        report_id: Set(report_id.clone()),
        institution_id: Set(sample.institution_id.clone()),
        scores: Set(serde_json::to_string(&body.scores).map_err(|error| ApiError::internal(error.to_string()))?),
        total: Set(i32::try_from(total).unwrap_or(i32::MAX)),
        findings: Set(findings.to_owned()),
        reviewed_at: Set(state.today.now()),
        reviewed_by: Set(caller.subject.clone()),
    })
    // Two auditors at once: one review stands, the other is told.
    .on_conflict(
        OnConflict::columns([case_review::Column::SampleId, case_review::Column::ReportId]).do_nothing().to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Err(ApiError::conflict("already_reviewed", "this case of the sample is reviewed already"));
    }
    let event = Event::CaseReviewed(CaseReviewed {
        sample_id: sample.id.clone(),
        institution_id: sample.institution_id.clone(),
        scores: body
            .scores
            .iter()
            .map(|(criterion, score)| RubricScore { criterion: criterion.clone(), score: *score })
            .collect(),
        findings: findings.to_owned(),
    });
    announce(&txn, new_envelope(body.report_id, caller.actor(StaffRole::Auditor), event)).await?;
    txn.commit().await?;
    state.outbox.wake();
    Ok((StatusCode::CREATED, ApiJson(view_of(&state, sample).await?)))
}
