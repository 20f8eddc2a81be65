//! Photos on the pages: the forms that carry them (filing, and adding more
//! from the tracking page), and the images themselves, fetched from intake
//! for whoever may see them (a report's citizen with the secret kept in
//! their session, the staff with their token, anyone once it is published).

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tower_sessions::Session;

use super::citizen::secret_of;
use super::{Flash, PageError, path_segment, refusal_message, see_other};
use crate::WebState;
use crate::api::{ApiFailure, UploadedPhoto};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;

/// A form that came as multipart: its text fields (as a JSON object, for
/// reading into a form struct) and the files of its `photo` inputs.
pub async fn read_form(mut multipart: Multipart) -> Result<(Value, Vec<UploadedPhoto>), PageError> {
    let refused = |_| {
        PageError::Api(ApiFailure::Refused {
            status: 400,
            code: "invalid_multipart".into(),
            message: "the form could not be read".into(),
        })
    };
    let mut fields = Map::new();
    let mut photos = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(refused)?;
        match file_name {
            Some(file_name) if name == "photo" => {
                // An input left empty still sends a part, with no bytes.
                if !bytes.is_empty() {
                    photos.push(UploadedPhoto { bytes, file_name });
                }
            }
            _ => {
                fields.insert(name, Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    Ok((Value::Object(fields), photos))
}

fn image(content_type: String, bytes: bytes::Bytes) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

fn photo_path(code: &str, id: &str) -> String {
    format!("/api/v1/reports/{}/photos/{}", path_segment(code), path_segment(id))
}

/// `GET /track/{code}/photos/{id}`: for the citizen whose secret the session keeps.
pub async fn citizens_photo(
    State(state): State<WebState>,
    session: Session,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let secret = secret_of(&session, &code).await?;
    let (content_type, bytes) = state.services.photo(&photo_path(&code, &id), secret.as_deref(), None).await?;
    Ok(image(content_type, bytes))
}

/// `GET /reports/{code}/photos/{id}`: a published report's photo, for anyone.
pub async fn published_photo(
    State(state): State<WebState>,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (content_type, bytes) = state.services.photo(&photo_path(&code, &id), None, None).await?;
    Ok(image(content_type, bytes))
}

/// `GET /staff/reports/{code}/photos/{id}`: for the staff who handle the report.
pub async fn staff_photo(
    State(state): State<WebState>,
    staff: Staff,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (content_type, bytes) = state.services.photo(&photo_path(&code, &id), None, staff.token()).await?;
    Ok(image(content_type, bytes))
}

/// `POST /track/{code}/photos`: more photos from the report's citizen.
pub async fn add_photos(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let page_path = format!("/track/{}", path_segment(&code));
    let Some(secret) = secret_of(&session, &code).await? else {
        return Ok(see_other(&format!("/track?code={}", super::query_value(&code))));
    };
    let (_, photos) = read_form(multipart).await?;
    let flash = if photos.is_empty() {
        Flash::refused("photos", tr.t("error-no_photo"), None)
    } else {
        match state.services.upload_photos(&code, &secret, photos).await {
            Ok(_) => Flash::done(tr.t("photos-added")),
            Err(failure @ ApiFailure::Refused { .. }) => Flash::refused("photos", refusal_message(tr, &failure), None),
            Err(failure) => return Err(failure.into()),
        }
    };
    flash.keep(&session).await?;
    Ok(see_other(&format!("{page_path}#photos")))
}
