//! An institution's response templates: the answers its officers give again
//! and again, kept by its coordinators and supervisors, offered when an
//! officer resolves a case.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery};
use aduan_text::TextRule;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::work_text;
use crate::ResolutionState;
use crate::authorization::{Action, permit};
use crate::entities::response_template;

/// How many templates an institution keeps: enough for every common answer,
/// few enough to choose from.
pub const MAX_TEMPLATES: u64 = 200;

const TEMPLATE_TITLE: TextRule = TextRule::line(3, 120);

/// A response template.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    /// The template's id.
    pub id: Uuid,
    /// What it is for.
    pub title: String,
    /// The answer.
    pub text: String,
    /// When it was written.
    pub written_at: DateTime<Utc>,
}

/// A new response template.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// What it is for, 3 to 120 characters on one line.
    #[schema(min_length = 3, max_length = 120)]
    pub title: String,
    /// The answer, 5 to 5,000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

impl From<response_template::Model> for TemplateView {
    fn from(template: response_template::Model) -> Self {
        Self { id: template.id, title: template.title, text: template.text, written_at: template.written_at }
    }
}

/// The institution's response templates, by title.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{institution_id}/response-templates",
    tag = "institutions",
    params(("institution_id" = String, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<TemplateView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn templates(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<TemplateView>>, ApiError> {
    let Query(query) = query?;
    permit(&caller, Action::ReadInbox, &institution_id, &state.clocks.registry.current())?;
    let limit = query.limit(MAX_TEMPLATES)?;
    let mut select =
        response_template::Entity::find().filter(response_template::Column::InstitutionId.eq(institution_id));
    if let Some(cursor) = query.cursor()? {
        select = select.filter(aduan_platform::page::after(
            response_template::Column::Title,
            cursor.key_as::<String>()?,
            response_template::Column::Id,
            cursor.id_as::<Uuid>()?,
        ));
    }
    let found = select
        .order_by_asc(response_template::Column::Title)
        .order_by_asc(response_template::Column::Id)
        .limit(limit + 1)
        .all(&state.db)
        .await?;
    let page = Page::from_rows(found, limit, |template| Cursor::new(&template.title, template.id));
    Ok(ApiJson(page.map(TemplateView::from)))
}

/// Add a response template for the institution's officers.
#[utoipa::path(
    post,
    path = "/api/v1/institutions/{institution_id}/response-templates",
    tag = "institutions",
    params(("institution_id" = String, Path)),
    security(("access_token" = [])),
    request_body = TemplateRequest,
    responses((status = 201, body = TemplateView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_template(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(institution_id): Path<String>,
    ApiJson(request): ApiJson<TemplateRequest>,
) -> Result<(StatusCode, ApiJson<TemplateView>), ApiError> {
    permit(&caller, Action::ManageTemplates, &institution_id, &state.clocks.registry.current())?;
    let title = ApiError::check_text(&request.title, "title", "invalid_text", TEMPLATE_TITLE)?;
    let text = work_text(&request.text, "text")?;
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    let held = response_template::Entity::find()
        .filter(response_template::Column::InstitutionId.eq(institution_id.as_str()))
        .count(&txn)
        .await?;
    if held >= MAX_TEMPLATES {
        return Err(ApiError::conflict(
            "too_many_templates",
            format!("an institution keeps at most {MAX_TEMPLATES} templates; remove one first"),
        ));
    }
    let template = response_template::ActiveModel {
        id: Set(Uuid::now_v7()),
        institution_id: Set(institution_id),
        title: Set(title),
        text: Set(text),
        author: Set(caller.subject.clone()),
        written_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, ApiJson(template.into())))
}

/// Remove one of the institution's response templates.
#[utoipa::path(
    delete,
    path = "/api/v1/institutions/{institution_id}/response-templates/{template_id}",
    tag = "institutions",
    params(("institution_id" = String, Path), ("template_id" = Uuid, Path)),
    security(("access_token" = [])),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn delete_template(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path((institution_id, template_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    permit(&caller, Action::ManageTemplates, &institution_id, &state.clocks.registry.current())?;
    let template_id =
        Uuid::parse_str(&template_id).map_err(|_| ApiError::invalid("invalid_template_id", "not a template id"))?;
    let removed = response_template::Entity::delete_many()
        .filter(response_template::Column::Id.eq(template_id))
        .filter(response_template::Column::InstitutionId.eq(institution_id))
        .exec(&state.db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(ApiError::not_found("template_not_found", "the institution has no template with this id"));
    }
    Ok(StatusCode::NO_CONTENT)
}
