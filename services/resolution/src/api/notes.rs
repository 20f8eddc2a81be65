//! Internal notes on a case: what staff tell one another about it. The
//! citizen never sees them; they are not announced, exported or published.

use aduan_platform::auth::Caller;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use aduan_platform::page::{Cursor, Page, PageQuery};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::{WITHHELD, involved_institutions, readable_case};
use super::{parse_case_id, work_text};
use crate::ResolutionState;
use crate::authorization::{Action, permit_any};
use crate::entities::case_note;

/// A note on a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    /// The note's id.
    pub id: Uuid,
    /// Who wrote it (a pseudonym).
    pub author: String,
    /// The role they wrote it in.
    pub role: String,
    /// The note; withheld on a confidential case from those who may not read its words.
    pub text: String,
    /// When.
    pub written_at: DateTime<Utc>,
}

/// A new note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The note, 5 to 5,000 characters.
    #[schema(min_length = 5, max_length = 5000)]
    pub text: String,
}

fn view(note: case_note::Model, shown: bool) -> NoteView {
    NoteView {
        id: note.id,
        author: note.author,
        role: note.role,
        text: if shown { note.text } else { WITHHELD.to_owned() },
        written_at: note.written_at,
    }
}

/// The case's internal notes, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/notes",
    tag = "institutions",
    params(("case_id" = Uuid, Path), PageQuery),
    security(("access_token" = [])),
    responses((status = 200, body = Page<NoteView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn case_notes(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<ApiJson<Page<NoteView>>, ApiError> {
    let Query(query) = query?;
    let (case, shown) = readable_case(&state, &caller, parse_case_id(&case_id)?).await?;
    let limit = query.limit(100)?;
    let mut select = case_note::Entity::find().filter(case_note::Column::CaseId.eq(case.id));
    if let Some(cursor) = query.cursor()? {
        select = select.filter(case_note::Column::Id.gt(cursor.id_as::<Uuid>()?));
    }
    let notes = select.order_by_asc(case_note::Column::Id).limit(limit + 1).all(&state.db).await?;
    let page = Page::from_rows(notes, limit, |note| Cursor::new(note.id, note.id));
    Ok(ApiJson(page.map(|note| view(note, shown))))
}

/// Write an internal note on the case: officers, coordinators and
/// supervisors of the institutions working on it.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/notes",
    tag = "institutions",
    params(("case_id" = Uuid, Path)),
    security(("access_token" = [])),
    request_body = NoteRequest,
    responses((status = 201, body = NoteView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(super) async fn post_note(
    State(state): State<ResolutionState>,
    caller: Caller,
    Path(case_id): Path<String>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<(StatusCode, ApiJson<NoteView>), ApiError> {
    let (case, shown) = readable_case(&state, &caller, parse_case_id(&case_id)?).await?;
    let involved = involved_institutions(&state, &case).await?;
    let involved: Vec<&str> = involved.iter().map(String::as_str).collect();
    let role = permit_any(&caller, Action::WriteNote, &involved, &state.clocks.registry.current())?;
    let text = work_text(&request.text, "text")?;
    let note = case_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case.id),
        author: Set(caller.subject.clone()),
        role: Set(role.as_str().to_owned()),
        text: Set(text),
        written_at: Set(Utc::now()),
    }
    .insert(&state.db)
    .await?;
    Ok((StatusCode::CREATED, ApiJson(view(note, shown))))
}
