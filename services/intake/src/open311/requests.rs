//! Open311 service requests: filing one (with an API key), the public
//! record of them, one by its id, and the id behind a token.
//!
//! Only what the public record holds is listed ([`crate::publication`]). A
//! report asked for by its id that is not published yet answers with its
//! status alone; a confidential one is not shown here at all (404).

use aduan_platform::http::ApiError;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Fields, Format, Node, Open311Error, Reply};
use crate::IntakeState;
use crate::entities::{report, report_update};
use crate::filing::{
    FileReportRequest, Location, NewReport, Privacy, ReportKind, ReporterRequest, file_report_with_photos,
};
use crate::publication;
use crate::tracking;

/// The most requests one answer lists (and the default): GeoReport v2's
/// "1000 requests or the last 90 days, whichever is fewer".
pub const MAX_REQUESTS: u64 = 1000;
/// The longest span of `requested_datetime` one query may cover.
const MOST_DAYS: i64 = 90;
/// The most ids one `service_request_id` may list.
const MOST_IDS: usize = 100;
/// The longest title taken from a description.
const DERIVED_TITLE_CHARACTERS: usize = 80;
/// Updates whose words are the institution's public answer: the newest is a
/// request's `status_notes`.
const ANSWER_KINDS: [&str; 2] = ["follow_up", "resolved"];

fn bad_request(code: &str, message: &str, format: Format) -> Open311Error {
    Open311Error::new(StatusCode::BAD_REQUEST, code, message, format)
}

fn timestamp(at: DateTime<Utc>) -> Node {
    Node::Text(at.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// A title from the first words of `description`, for clients that send none.
fn title_from(description: &str) -> String {
    let words = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() <= DERIVED_TITLE_CHARACTERS {
        return words;
    }
    let cut: String = words.chars().take(DERIVED_TITLE_CHARACTERS - 1).collect();
    let at_word = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{at_word}…")
}

fn kind_of(value: &str, format: Format) -> Result<ReportKind, Open311Error> {
    match value {
        "complaint" => Ok(ReportKind::Complaint),
        "aspiration" => Ok(ReportKind::Aspiration),
        "information_request" => Ok(ReportKind::InformationRequest),
        _ => {
            Err(bad_request("invalid_kind", "attribute[kind] is complaint, aspiration or information_request", format))
        }
    }
}

fn privacy_of(value: &str, format: Format) -> Result<Privacy, Open311Error> {
    match value {
        "public" => Ok(Privacy::Public),
        "anonymous" => Ok(Privacy::Anonymous),
        "confidential" => Ok(Privacy::Confidential),
        _ => Err(bad_request("invalid_privacy", "attribute[privacy] is public, anonymous or confidential", format)),
    }
}

fn location_of(fields: &Fields, format: Format) -> Result<Option<Location>, Open311Error> {
    let invalid = || bad_request("invalid_location", "lat and long are both needed, as decimal degrees", format);
    match (fields.get("lat"), fields.get("long")) {
        (None, None) => Ok(None),
        (Some(latitude), Some(longitude)) => {
            let latitude = latitude.parse::<f64>().map_err(|_| invalid())?;
            let longitude = longitude.parse::<f64>().map_err(|_| invalid())?;
            Ok(Some(Location { latitude, longitude }))
        }
        _ => Err(invalid()),
    }
}

/// The report a POSTed form describes, in the JSON API's terms, so one set
/// of checks ([`NewReport::parse`]) holds for both.
fn report_request(fields: &Fields, format: Format) -> Result<FileReportRequest, Open311Error> {
    if fields.get("media_url").is_some() {
        // Fetching a URL a client names would let it make us call anywhere.
        return Err(bad_request(
            "media_url_not_taken",
            "send the photo itself as a multipart media part, not a media_url",
            format,
        ));
    }
    let category = fields
        .get("service_code")
        .ok_or_else(|| bad_request("service_code_required", "service_code is required", format))?;
    let region = fields.get("attribute[region]").ok_or_else(|| {
        bad_request(
            "region_required",
            "attribute[region] is required: a region code (see the service definition)",
            format,
        )
    })?;
    let description = fields
        .get("description")
        .ok_or_else(|| bad_request("description_required", "description is required", format))?;
    let name = [fields.get("first_name"), fields.get("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let reporter = ReporterRequest {
        name: Some(name).filter(|name| !name.is_empty()),
        email: fields.get("email").map(str::to_owned),
        phone: fields.get("phone").map(str::to_owned),
    };
    Ok(FileReportRequest {
        kind: fields.get("attribute[kind]").map(|kind| kind_of(kind, format)).transpose()?,
        category: category.to_owned(),
        region: region.to_owned(),
        title: fields.get("attribute[title]").map_or_else(|| title_from(description), str::to_owned),
        description: description.to_owned(),
        privacy: fields.get("attribute[privacy]").map(|privacy| privacy_of(privacy, format)).transpose()?,
        reporter: Some(reporter),
        location: location_of(fields, format)?,
        address: fields.get("address_string").map(str::to_owned),
        language: None,
    })
}

/// `POST requests`: files a report for the holder of an API key, with its
/// photos (`media`, as sent: looked at only once the key is good).
pub(super) async fn create(
    state: &IntakeState,
    fields: &Fields,
    media: Vec<Bytes>,
    format: Format,
) -> Result<Response, Open311Error> {
    let fail = |error: ApiError| Open311Error::from_api(error, format);
    let partner = state.api_keys.check(fields.get("api_key").unwrap_or_default()).await.map_err(fail)?;
    let photos = media.into_iter().map(crate::photos::cleaning::clean).collect::<Result<Vec<_>, _>>().map_err(fail)?;
    let report = NewReport::parse(report_request(fields, format)?, &state.registry.current()).map_err(fail)?;
    let stored = crate::photos::store(&state.files, photos).await.map_err(fail)?;
    // Filings without photos go with the others arriving at the moment.
    let filed = if stored.is_empty() {
        state.filer.file(report, "open311").await
    } else {
        file_report_with_photos(&state.db, &state.identities, report, "open311", &stored).await
    }
    .map_err(fail)?;
    state.outbox.wake();
    tracing::info!(report_id = %filed.report_id, partner = %partner.sub, photos = stored.len(), "report filed through Open311");
    let location = format!("{}/requests/{}.{}", super::BASE_PATH, filed.tracking_code, extension(format));
    let body = Node::List(
        "request",
        vec![Node::Record(vec![
            ("service_request_id", filed.tracking_code.into()),
            ("token", filed.report_id.to_string().into()),
            (
                "service_notice",
                "Keep the tracking code and the secret: the secret proves the report is its citizen's, \
                 and it is shown only this once"
                    .into(),
            ),
            ("account_id", Node::Null),
            ("secret", filed.secret.into()),
        ])],
    );
    let mut response =
        Reply { status: StatusCode::CREATED, ..Reply::ok("service_requests", body, format) }.into_response();
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
    }
}

/// A report as a service request. `words` says whether its texts are on the
/// public record; without them it is its status and dates alone.
fn request_node(
    state: &IntakeState,
    report: &report::Model,
    notes: Option<&str>,
    words: bool,
    extensions: bool,
) -> Node {
    let service_name = state.registry.current().category(&report.category).map(|category| category.name.clone());
    let status = if publication::is_closed(&report.status) { "closed" } else { "open" };
    let shown = |value: Option<String>| if words { Node::text_or_null(value) } else { Node::Null };
    let mut fields = vec![
        ("service_request_id", report.tracking_code.clone().into()),
        ("status", status.into()),
        ("status_notes", shown(notes.map(str::to_owned))),
        ("service_name", Node::text_or_null(service_name)),
        ("service_code", report.category.clone().into()),
        ("description", shown(Some(publication::public_description(report).to_owned()))),
        ("agency_responsible", Node::text_or_null(report.institution_name.clone())),
        ("service_notice", Node::Null),
        ("requested_datetime", timestamp(report.filed_at)),
        ("updated_datetime", timestamp(report.status_changed_at)),
        ("expected_datetime", Node::Null),
        ("address", shown(report.address.clone())),
        ("address_id", Node::Null),
        ("zipcode", Node::Null),
        ("lat", if words { Node::number_or_null(report.latitude) } else { Node::Null }),
        ("long", if words { Node::number_or_null(report.longitude) } else { Node::Null }),
        ("media_url", Node::Null),
    ];
    if extensions {
        let extended = Node::Record(vec![
            ("detailed_status", report.status.clone().into()),
            ("kind", report.kind.clone().into()),
            ("region", report.region.clone().into()),
            ("title", shown(Some(publication::public_title(report).to_owned()))),
        ]);
        fields.push(("extended_attributes", extended));
    }
    Node::Record(fields)
}

/// The newest public answer of each of `reports`.
async fn answers(state: &IntakeState, reports: &[report::Model]) -> Result<Vec<(Uuid, String)>, ApiError> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let updates = report_update::Entity::find()
        .filter(report_update::Column::ReportId.is_in(reports.iter().map(|report| report.id)))
        .filter(report_update::Column::Kind.is_in(ANSWER_KINDS))
        .order_by_asc(report_update::Column::Sequence)
        .order_by_asc(report_update::Column::OccurredAt)
        .all(&state.db)
        .await?;
    let mut newest: Vec<(Uuid, String)> = Vec::new();
    for update in updates {
        match newest.iter_mut().find(|(id, _)| *id == update.report_id) {
            Some(entry) => entry.1 = update.text,
            None => newest.push((update.report_id, update.text)),
        }
    }
    Ok(newest)
}

fn date_field(fields: &Fields, name: &str, format: Format) -> Result<Option<DateTime<Utc>>, Open311Error> {
    fields
        .get(name)
        .map(|value| {
            DateTime::parse_from_rfc3339(value).map(|at| at.with_timezone(&Utc)).map_err(|_| {
                bad_request(
                    "invalid_date",
                    &format!("{name} is a W3C datetime, e.g. 2026-11-30T08:00:00+07:00"),
                    format,
                )
            })
        })
        .transpose()
}

/// The span of `requested_datetime` asked for: 90 days at most, the last 90
/// days when none is given.
fn window(fields: &Fields, format: Format) -> Result<(DateTime<Utc>, DateTime<Utc>), Open311Error> {
    let span = Duration::days(MOST_DAYS);
    let (start, end) = match (date_field(fields, "start_date", format)?, date_field(fields, "end_date", format)?) {
        (None, None) => {
            let now = Utc::now();
            (now - span, now)
        }
        (Some(start), None) => (start, start + span),
        (None, Some(end)) => (end - span, end),
        (Some(start), Some(end)) => (start, end),
    };
    if end < start {
        return Err(bad_request("invalid_date_range", "end_date is before start_date", format));
    }
    if end - start > span {
        return Err(bad_request("date_range_too_long", "start_date and end_date may be 90 days apart at most", format));
    }
    Ok((start, end))
}

/// The statuses the `status` filter (open, closed) lets through, among the published ones.
fn statuses(fields: &Fields, format: Format) -> Result<Vec<&'static str>, Open311Error> {
    let wanted = fields.list("status");
    if wanted.iter().any(|status| !matches!(*status, "open" | "closed")) {
        return Err(bad_request("invalid_status", "status is open, closed, or both separated by a comma", format));
    }
    Ok(publication::published_statuses()
        .map(aduan_procedure::Status::as_str)
        .filter(|status| {
            let side = if publication::is_closed(status) { "closed" } else { "open" };
            wanted.is_empty() || wanted.contains(&side)
        })
        .collect())
}

fn max_requests(fields: &Fields, format: Format) -> Result<u64, Open311Error> {
    match fields.get("max_requests") {
        None => Ok(MAX_REQUESTS),
        Some(value) => value.parse::<u64>().ok().filter(|count| (1..=MAX_REQUESTS).contains(count)).ok_or_else(|| {
            bad_request("invalid_max_requests", &format!("max_requests is a number from 1 to {MAX_REQUESTS}"), format)
        }),
    }
}

/// `GET requests`: the public record, newest first.
pub(super) async fn list(state: &IntakeState, fields: &Fields, format: Format) -> Result<Reply, Open311Error> {
    let fail = |error: ApiError| Open311Error::from_api(error, format);
    let extensions = fields.get("extensions") == Some("true");
    let limit = max_requests(fields, format)?;
    let mut query = report::Entity::find();
    let ids = fields.list("service_request_id");
    if ids.is_empty() {
        let (start, end) = window(fields, format)?;
        query = query
            .filter(publication::published_in(statuses(fields, format)?))
            .filter(report::Column::FiledAt.gte(start))
            .filter(report::Column::FiledAt.lte(end));
        let codes = fields.list("service_code");
        if !codes.is_empty() {
            query = query.filter(report::Column::Category.is_in(codes));
        }
    } else {
        // The ids override every other filter (GeoReport v2).
        if ids.len() > MOST_IDS {
            return Err(bad_request("too_many_ids", &format!("at most {MOST_IDS} ids at once"), format));
        }
        let codes = ids.iter().map(|id| tracking::normalise_tracking_code(id)).collect::<Vec<_>>();
        // Only what the public record holds, whatever ids are asked for.
        let published = publication::published_statuses().map(aduan_procedure::Status::as_str);
        query = query.filter(report::Column::TrackingCode.is_in(codes)).filter(publication::published_in(published));
    }
    let reports = query
        .order_by_desc(report::Column::FiledAt)
        .order_by_desc(report::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await
        .map_err(|error| fail(error.into()))?;
    let answers = answers(state, &reports).await.map_err(fail)?;
    let items = reports
        .iter()
        .map(|report| {
            let notes = answers.iter().find(|(id, _)| *id == report.id).map(|(_, text)| text.as_str());
            request_node(state, report, notes, true, extensions)
        })
        .collect();
    Ok(Reply::ok("service_requests", Node::List("request", items), format))
}

/// `GET requests/{id}`: one report by its tracking code.
pub(super) async fn one(state: &IntakeState, id: &str, fields: &Fields, format: Format) -> Result<Reply, Open311Error> {
    let fail = |error: ApiError| Open311Error::from_api(error, format);
    let report = crate::api::find_by_code(&state.db, id).await.map_err(fail)?;
    if report.privacy == "confidential" {
        // As if it did not exist: the answer must not tell that a code is a confidential report's.
        return Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            "report_not_found",
            "no report this endpoint shows has this id; a confidential report is followed on the tracking page",
            format,
        ));
    }
    let words = publication::is_published(&report);
    let answers = if words { answers(state, std::slice::from_ref(&report)).await.map_err(fail)? } else { Vec::new() };
    let notes = answers.first().map(|(_, text)| text.as_str());
    let node = request_node(state, &report, notes, words, fields.get("extensions") == Some("true"));
    Ok(Reply::ok("service_requests", Node::List("request", vec![node]), format))
}

/// `GET tokens/{token}`: the id of the request a `POST` answered with `token`.
pub(super) async fn token(state: &IntakeState, token: &str, format: Format) -> Result<Reply, Open311Error> {
    let not_found = || Open311Error::new(StatusCode::NOT_FOUND, "token_not_found", "no request has this token", format);
    let id = Uuid::parse_str(token).map_err(|_| not_found())?;
    // Tokens are what Open311 filings answered with; no other report is found by one.
    let report = report::Entity::find_by_id(id)
        .filter(report::Column::Channel.eq("open311"))
        .one(&state.db)
        .await
        .map_err(|error| Open311Error::from_api(error.into(), format))?
        .ok_or_else(not_found)?;
    let node = Node::Record(vec![("service_request_id", report.tracking_code.into()), ("token", token.into())]);
    Ok(Reply::ok("service_requests", Node::List("request", vec![node]), format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_the_first_words_of_the_description() {
        assert_eq!(title_from("  Broken   street light\non Jalan Braga "), "Broken street light on Jalan Braga");
        let long = "word ".repeat(40);
        let title = title_from(&long);
        assert!(title.chars().count() <= DERIVED_TITLE_CHARACTERS, "{title}");
        assert!(title.ends_with("word…"), "{title}");
    }

    #[test]
    fn a_window_is_ninety_days_at_most() {
        let (start, end) = window(&Fields::default(), Format::Json).expect("no dates: the last 90 days");
        assert_eq!(end - start, Duration::days(90));
        let fields = Fields::parse(b"start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z");
        assert!(window(&fields, Format::Json).is_err());
        let fields = Fields::parse(b"start_date=2026-01-01T00:00:00%2B07:00");
        let (start, end) = window(&fields, Format::Json).expect("a start alone is a window");
        assert_eq!(end - start, Duration::days(90));
        assert!(window(&Fields::parse(b"start_date=yesterday"), Format::Json).is_err());
    }

    #[test]
    fn the_status_filter_splits_published_statuses_into_open_and_closed() {
        let open = statuses(&Fields::parse(b"status=open"), Format::Json).expect("open");
        let closed = statuses(&Fields::parse(b"status=closed"), Format::Json).expect("closed");
        let both = statuses(&Fields::parse(b""), Format::Json).expect("all");
        assert!(open.contains(&"assigned") && !open.contains(&"resolved"));
        assert!(closed.contains(&"resolved") && !closed.contains(&"submitted"));
        assert_eq!(open.len() + closed.len(), both.len());
        assert!(statuses(&Fields::parse(b"status=pending"), Format::Json).is_err());
    }
}
