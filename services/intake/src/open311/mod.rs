//! Open311 GeoReport v2 at `/open311/v2`, for the apps and city portals that
//! already speak it: discovery, the categories as services, filing (with an
//! API key, which is an accounts API token) and the public record of
//! requests, each in JSON and XML, errors as the specification's list.
//!
//! A service request's id is the report's tracking code. Its `status` is
//! the specification's `open` or `closed`; `extensions=true` adds the
//! procedure's own status as `extended_attributes.detailed_status`, which
//! plain clients never see.

mod document;
mod requests;
mod services;

use aduan_platform::http::{ApiError, MAX_BODY_BYTES};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use crate::IntakeState;
use crate::photos;
pub use document::Node;

/// Where Open311 is served.
pub const BASE_PATH: &str = "/open311/v2";

/// The formats every endpoint answers in, chosen by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`
    Json,
    /// `.xml`
    Xml,
}

/// Splits `services.json` into `services` and its format. An unknown or
/// missing extension is a 404 (answered in JSON).
fn split_format(file: &str) -> Result<(&str, Format), Open311Error> {
    let not_found = || Open311Error::new(StatusCode::NOT_FOUND, "not_found", "ask for .json or .xml", Format::Json);
    let (name, extension) = file.rsplit_once('.').ok_or_else(not_found)?;
    let format = match extension.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return Err(not_found()),
    };
    Ok((name, format))
}

/// A successful answer: a node, written in the asked format under `root`.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    root: &'static str,
    body: Node,
    format: Format,
}

impl Reply {
    /// 200 with `body`.
    fn ok(root: &'static str, body: Node, format: Format) -> Self {
        Self { status: StatusCode::OK, root, body, format }
    }
}

fn written(status: StatusCode, root: &str, body: &Node, format: Format) -> Response {
    let (text, content_type) = match format {
        Format::Json => (document::to_json(body), "application/json; charset=utf-8"),
        Format::Xml => (document::to_xml(root, body), "text/xml; charset=utf-8"),
    };
    (status, [(header::CONTENT_TYPE, content_type)], text).into_response()
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        written(self.status, self.root, &self.body, self.format)
    }
}

/// An error as GeoReport v2 writes it: a list of `{code, description}`,
/// the code being the HTTP status. The description starts with aduan's own
/// stable code (`unknown_category: …`), so a client can branch on it.
#[derive(Debug)]
pub struct Open311Error {
    status: StatusCode,
    description: String,
    retry_after: Option<u64>,
    format: Format,
}

impl Open311Error {
    fn new(status: StatusCode, code: &str, message: &str, format: Format) -> Self {
        Self { status, description: format!("{code}: {message}"), retry_after: None, format }
    }

    /// `error` as Open311 states it: a refused value is a 400 and a refused
    /// key a 403, as the specification lists them; busy and down stay 429
    /// and 503, with their `Retry-After`.
    fn from_api(error: ApiError, format: Format) -> Self {
        let status = match error.status {
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE => StatusCode::BAD_REQUEST,
            StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
            status => status,
        };
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            // The detail was logged where it arose; the client gets the usual words.
            return Self::new(status, error.code, "something went wrong on our side", format);
        }
        Self { retry_after: error.retry_after, ..Self::new(status, error.code, &error.message, format) }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let code = Node::Integer(i64::from(self.status.as_u16()));
        let body =
            Node::List("error", vec![Node::Record(vec![("code", code), ("description", self.description.into())])]);
        let mut response = written(self.status, "errors", &body, self.format);
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The query or form fields of a request, in order, first value kept.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(encoded: &[u8]) -> Self {
        Self(form_urlencoded::parse(encoded).into_owned().collect())
    }

    fn from_query(query: Option<String>) -> Self {
        Self::parse(query.unwrap_or_default().as_bytes())
    }

    /// The first non-blank value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, value)| key == name && !value.trim().is_empty()).map(|(_, value)| value.trim())
    }

    /// Comma-separated values of `name`, each trimmed, blanks dropped.
    fn list(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .map(|value| value.split(',').map(str::trim).filter(|item| !item.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// The public address of this endpoint, as the client reached it.
fn endpoint_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .filter(|scheme| *scheme == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}{BASE_PATH}")
}

/// When the interface last changed, for `changeset` in discovery.
const CHANGESET: &str = "2026-11-30T00:00:00Z";

fn discovery(headers: &HeaderMap) -> Node {
    let formats = Node::List("format", vec!["text/xml".into(), "application/json".into()]);
    let endpoint = Node::Record(vec![
        ("specification", "http://wiki.open311.org/GeoReport_v2".into()),
        ("url", endpoint_url(headers).into()),
        ("changeset", CHANGESET.into()),
        ("type", "production".into()),
        ("formats", formats),
    ]);
    Node::Record(vec![
        ("changeset", CHANGESET.into()),
        ("contact", "The operator of this aduan installation".into()),
        ("key_service", "API keys are API tokens issued by an administrator in aduan's accounts service".into()),
        ("endpoints", Node::List("endpoint", vec![endpoint])),
    ])
}

/// `GET /open311/v2/{discovery|services|requests}.{json|xml}`.
async fn get_top(
    State(state): State<IntakeState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Reply, Open311Error> {
    let (name, format) = split_format(&file)?;
    let fields = Fields::from_query(query);
    match name {
        "discovery" => Ok(Reply::ok("discovery", discovery(&headers), format)),
        "services" => Ok(Reply::ok("services", services::list(&state), format)),
        "requests" => requests::list(&state, &fields, format).await,
        _ => Err(Open311Error::new(StatusCode::NOT_FOUND, "not_found", "no such resource", format)),
    }
}

/// The fields and the photos (`media` parts, as sent) of a multipart
/// filing; more photos than a report may carry are refused as they come.
async fn read_multipart(mut multipart: Multipart, format: Format) -> Result<(Fields, Vec<Bytes>), Open311Error> {
    let fail = |error: ApiError| Open311Error::from_api(error, format);
    let mut fields = Vec::new();
    let mut media = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|error| fail(photos::multipart_error(error)))? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|error| fail(photos::multipart_error(error)))?;
        if name == "media" {
            if media.len() == photos::MAX_PHOTOS {
                return Err(fail(photos::too_many()));
            }
            if !bytes.is_empty() {
                media.push(bytes);
            }
        } else {
            let value = String::from_utf8(bytes.to_vec()).map_err(|_| {
                Open311Error::new(StatusCode::BAD_REQUEST, "invalid_multipart", "a field is not UTF-8 text", format)
            })?;
            fields.push((name, value));
        }
    }
    Ok((Fields(fields), media))
}

/// `POST /open311/v2/requests.{json|xml}`: url-encoded, or multipart with
/// the photo as a `media` part.
async fn post_top(
    State(state): State<IntakeState>,
    Path(file): Path<String>,
    request: Request,
) -> Result<Response, Open311Error> {
    let (name, format) = split_format(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(StatusCode::NOT_FOUND, "not_found", "only requests can be posted", format));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (fields, media) = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, &()).await.map_err(|_| {
            Open311Error::new(
                StatusCode::BAD_REQUEST,
                "invalid_multipart",
                "the body is not a readable multipart form",
                format,
            )
        })?;
        read_multipart(multipart, format).await?
    } else if content_type.is_empty() || content_type.starts_with("application/x-www-form-urlencoded") {
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await.map_err(|_| {
            Open311Error::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the form is too large", format)
        })?;
        (Fields::parse(&body), Vec::new())
    } else {
        return Err(Open311Error::new(
            StatusCode::BAD_REQUEST,
            "unsupported_content_type",
            "send the request as application/x-www-form-urlencoded, or multipart/form-data with a media part",
            format,
        ));
    };
    requests::create(&state, &fields, media, format).await
}

/// `GET /open311/v2/services/{code}.{json|xml}`.
async fn get_service(State(state): State<IntakeState>, Path(file): Path<String>) -> Result<Reply, Open311Error> {
    let (code, format) = split_format(&file)?;
    services::definition(&state, code, format)
}

/// `GET /open311/v2/requests/{id}.{json|xml}`.
async fn get_request(
    State(state): State<IntakeState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Reply, Open311Error> {
    let (id, format) = split_format(&file)?;
    requests::one(&state, id, &Fields::from_query(query), format).await
}

/// `GET /open311/v2/tokens/{token}.{json|xml}`.
async fn get_token(State(state): State<IntakeState>, Path(file): Path<String>) -> Result<Reply, Open311Error> {
    let (token, format) = split_format(&file)?;
    requests::token(&state, token, format).await
}

/// Open311's routes (outside the OpenAPI document: GeoReport v2 is their specification).
pub fn router(state: IntakeState) -> OpenApiRouter {
    OpenApiRouter::new()
        .route(&format!("{BASE_PATH}/{{file}}"), get(get_top).post(post_top))
        .route(&format!("{BASE_PATH}/services/{{file}}"), get(get_service))
        .route(&format!("{BASE_PATH}/requests/{{file}}"), get(get_request))
        .route(&format!("{BASE_PATH}/tokens/{{file}}"), get(get_token))
        // A filing may carry a photo.
        .layer(DefaultBodyLimit::max(photos::MAX_UPLOAD_BYTES))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_picks_the_format() {
        assert_eq!(split_format("services.json").ok(), Some(("services", Format::Json)));
        assert_eq!(split_format("roads.maintenance.XML").ok(), Some(("roads.maintenance", Format::Xml)));
        assert!(split_format("services").is_err());
        assert!(split_format("services.html").is_err());
    }

    #[test]
    fn fields_keep_the_first_value_and_split_lists() {
        let fields = Fields::parse(b"status=open,%20closed&status=closed&attribute%5Bregion%5D=32.73&blank=%20");
        assert_eq!(fields.list("status"), vec!["open", "closed"]);
        assert_eq!(fields.get("attribute[region]"), Some("32.73"));
        assert_eq!(fields.get("blank"), None);
    }
}
