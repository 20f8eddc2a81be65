//! Citizens' photos: a report's citizen adds them (with the report's
//! secret, or through Open311 with the filing), each checked and stripped
//! of its metadata ([`cleaning`]) and kept in the file store ([`FileStore`]).
//! They are shown as the report's words are: to its citizen, to the staff
//! who handle it, and to everyone once the report is on the public record.

pub mod cleaning;
mod store;

use aduan_access::StaffRole;
use aduan_platform::auth::bearer_token;
use aduan_platform::http::{ApiError, ApiJson, ErrorBody};
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use aduan_platform::http::{MAX_PHOTO_BYTES, MAX_PHOTOS, MAX_UPLOAD_BYTES};
pub use cleaning::CleanPhoto;
pub use store::FileStore;

use crate::IntakeState;
use crate::api::{find_by_code, owner_secret};
use crate::entities::{photo, report};
use crate::publication;

/// A photo of a report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    /// Its id.
    pub id: Uuid,
    /// image/jpeg or image/png.
    pub content_type: String,
    /// Its size in bytes, as stored (without its metadata).
    pub size_bytes: i64,
    /// Where to fetch it.
    pub url: String,
}

fn view(code: &str, row: photo::Model) -> PhotoView {
    PhotoView {
        url: format!("/api/v1/reports/{code}/photos/{}", row.id),
        id: row.id,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
    }
}

fn files_unavailable(error: &object_store::Error) -> ApiError {
    tracing::warn!(%error, "the file store failed");
    ApiError::unavailable("files_unavailable", "photos cannot be stored or read now; try again shortly")
}

/// A photo in the file store, its row not written yet.
#[derive(Debug, Clone)]
pub struct StoredPhoto {
    id: Uuid,
    content_type: &'static str,
    size_bytes: i64,
    sha256: String,
    object_key: String,
}

impl StoredPhoto {
    /// Its row, for `report_id`.
    pub fn row(&self, report_id: Uuid) -> photo::ActiveModel {
        photo::ActiveModel {
            id: Set(self.id),
            report_id: Set(report_id),
            content_type: Set(self.content_type.to_owned()),
            size_bytes: Set(self.size_bytes),
            sha256: Set(self.sha256.clone()),
            object_key: Set(self.object_key.clone()),
            added_at: Set(chrono::Utc::now()),
        }
    }
}

/// Puts `photos` in the file store. Rows are written after, in the
/// transaction that adds them to a report, so a row never names bytes that
/// are not there (bytes without a row, from a failed filing, harm nobody).
pub async fn store(files: &FileStore, photos: Vec<CleanPhoto>) -> Result<Vec<StoredPhoto>, ApiError> {
    if photos.len() > MAX_PHOTOS {
        return Err(too_many());
    }
    let mut stored = Vec::with_capacity(photos.len());
    for clean in photos {
        let id = Uuid::now_v7();
        let object_key = format!("photos/{id}");
        let size_bytes = i64::try_from(clean.bytes.len()).unwrap_or(i64::MAX);
        let sha256 = hex::encode(Sha256::digest(&clean.bytes));
        files.put(&object_key, clean.bytes).await.map_err(|error| files_unavailable(&error))?;
        stored.push(StoredPhoto { id, content_type: clean.content_type, size_bytes, sha256, object_key });
    }
    Ok(stored)
}

/// 409 `too_many_photos`.
pub fn too_many() -> ApiError {
    ApiError::conflict("too_many_photos", format!("a report carries {MAX_PHOTOS} photos at most"))
}

/// Adds `photos` to `report`, unless that would make more than
/// [`MAX_PHOTOS`]: counted with the report locked, so two uploads at once
/// cannot both pass.
async fn add(state: &IntakeState, report: &report::Model, photos: Vec<CleanPhoto>) -> Result<Vec<PhotoView>, ApiError> {
    let stored = store(&state.files, photos).await?;
    let txn = aduan_platform::database::begin_write(&state.db).await?;
    report::Entity::find_by_id(report.id).lock_exclusive().one(&txn).await?;
    let held = photo::Entity::find().filter(photo::Column::ReportId.eq(report.id)).count(&txn).await?;
    if usize::try_from(held).unwrap_or(usize::MAX).saturating_add(stored.len()) > MAX_PHOTOS {
        return Err(too_many());
    }
    let mut added = Vec::with_capacity(stored.len());
    for photo in &stored {
        added.push(view(&report.tracking_code, photo.row(report.id).insert(&txn).await?));
    }
    txn.commit().await?;
    Ok(added)
}

/// The photos of a multipart body: every part named `photo`, each cleaned.
/// A part of another name is refused, so a typo never loses a photo silently.
pub async fn read_photos(mut multipart: Multipart) -> Result<Vec<CleanPhoto>, ApiError> {
    let mut photos = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("photo") {
            return Err(ApiError::invalid("unknown_field", "send each photo as a part named photo"));
        }
        let bytes: Bytes = field.bytes().await.map_err(multipart_error)?;
        if bytes.is_empty() {
            continue; // A file input left empty.
        }
        photos.push(cleaning::clean(bytes)?);
    }
    Ok(photos)
}

/// A body that is not the multipart form it claims to be.
pub fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    let status = error.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(status, "body_too_large", format!("an upload is {MAX_UPLOAD_BYTES} bytes at most"));
    }
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", "the body is not a readable multipart form")
}

/// Whether the request may see `report`'s photos, as its words may be
/// seen: its citizen (the secret); anyone once it is published; staff with
/// a token: for a confidential report, those [`aduan_access::sees_confidential`]
/// lets read it (as resolution does), for any other, a national verifier or
/// auditor and the staff of the holding institution, its units and the
/// levels above it (not an administrator).
async fn may_see(state: &IntakeState, headers: &HeaderMap, report: &report::Model) -> Result<(), ApiError> {
    if owner_secret(headers, report)? {
        return Ok(());
    }
    if publication::is_published(report) {
        return Ok(());
    }
    if let Some(token) = bearer_token(headers) {
        let claims = state.authenticator.verify(token).await?;
        let registry = state.registry.current();
        let is_below = |id: &str, ancestor: &str| registry.is_below(id, ancestor);
        let national_verifier =
            claims.grants.iter().any(|grant| grant.role == StaffRole::Verifier && grant.institution.is_none());
        let handles = match (report.privacy.as_str(), report.institution_id.as_deref()) {
            ("confidential", Some(institution)) => {
                aduan_access::sees_confidential(&claims.grants, institution, is_below)
            }
            // Not assigned yet: only the national verifier has it.
            (_, None) => national_verifier,
            (_, Some(institution)) => {
                claims.grants.iter().any(|grant| match (grant.role, grant.institution.as_deref()) {
                    (StaffRole::Administrator, _) => false,
                    (StaffRole::Verifier | StaffRole::Auditor, None) => true,
                    (_, Some(scope)) => grant.covers(institution, is_below) || is_below(scope, institution),
                    (_, None) => false,
                })
            }
        };
        if handles {
            return Ok(());
        }
        return Err(ApiError::forbidden(
            "outside_scope",
            "this report is not handled by the institutions your roles cover",
        ));
    }
    Err(ApiError::forbidden(
        "photos_private",
        "this report's photos are shown to its citizen (with the secret) and to the staff who handle it",
    ))
}

/// Add photos to a report (multipart, parts named `photo`; JPEG or PNG, 5 MB
/// each, 5 per report). Their metadata (EXIF, GPS, XMP, comments) is removed.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{tracking_code}/photos",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing", max_length = 40),
        ("X-Report-Secret" = String, Header, description = "The secret given at filing"),
    ),
    request_body(content_type = "multipart/form-data", description = "Parts named photo"),
    responses(
        (status = 201, body = Vec<PhotoView>),
        (status = 403, description = "No secret, or a wrong one", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "too_many_photos", body = ErrorBody),
        (status = 413, description = "photo_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_photo_type", body = ErrorBody),
        (status = 422, description = "invalid_photo, no_photo or unknown_field", body = ErrorBody),
    )
)]
pub(crate) async fn upload(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    if !owner_secret(&headers, &report)? {
        return Err(ApiError::forbidden("secret_required", "send the report's secret in the X-Report-Secret header"));
    }
    let multipart = multipart.map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", "send the photos as multipart/form-data")
    })?;
    let photos = read_photos(multipart).await?;
    if photos.is_empty() {
        return Err(ApiError::invalid("no_photo", "the form holds no photo"));
    }
    let added = add(&state, &report, photos).await?;
    tracing::info!(report_id = %report.id, photos = added.len(), "photos added");
    Ok((StatusCode::CREATED, ApiJson(added)).into_response())
}

/// A report's photos, for whoever may see them.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/photos",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing", max_length = 40),
        ("X-Report-Secret" = Option<String>, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, body = Vec<PhotoView>),
        (status = 403, description = "photos_private or wrong_secret", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security((), ("access_token" = []))
)]
pub(crate) async fn list(
    State(state): State<IntakeState>,
    Path(tracking_code): Path<String>,
    headers: HeaderMap,
) -> Result<ApiJson<Vec<PhotoView>>, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    may_see(&state, &headers, &report).await?;
    let rows = photo::Entity::find()
        .filter(photo::Column::ReportId.eq(report.id))
        .order_by_asc(photo::Column::Id)
        .all(&state.db)
        .await?;
    Ok(ApiJson(rows.into_iter().map(|row| view(&report.tracking_code, row)).collect()))
}

/// One photo's bytes, for whoever may see the report's photos.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{tracking_code}/photos/{photo_id}",
    tag = "citizens",
    params(
        ("tracking_code" = String, Path, description = "The code given at filing", max_length = 40),
        ("photo_id" = String, Path, description = "The photo's id"),
        ("X-Report-Secret" = Option<String>, Header, description = "The secret given at filing"),
    ),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 403, description = "photos_private or wrong_secret", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security((), ("access_token" = []))
)]
pub(crate) async fn fetch(
    State(state): State<IntakeState>,
    Path((tracking_code, photo_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let report = find_by_code(&state.db, &tracking_code).await?;
    may_see(&state, &headers, &report).await?;
    let not_found = || ApiError::not_found("photo_not_found", "this report has no such photo");
    let photo_id = Uuid::parse_str(&photo_id).map_err(|_| not_found())?;
    let row = photo::Entity::find_by_id(photo_id)
        .one(&state.db)
        .await?
        .filter(|row| row.report_id == report.id)
        .ok_or_else(not_found)?;
    let bytes = state.files.get(&row.object_key).await.map_err(|error| files_unavailable(&error))?;
    Ok(([(header::CONTENT_TYPE, row.content_type)], bytes).into_response())
}
