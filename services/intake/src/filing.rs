//! Filing a report: parse what the citizen sent into domain values, then store
//! the report, its sealed reporter and the `filed` event in one transaction.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::{ApiError, quoted};
use aduan_platform::outbox::{self, Outgoing};
use aduan_platform::proto::{self, Actor, Role, envelope::Event};
use aduan_platform::telemetry;
use aduan_procedure::Status;
use aduan_registry::Registry;
use aduan_text::TextRule;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Set, SqlErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{report, reporter_identity};
use crate::photos::StoredPhoto;
use crate::sealing::{Identity, IdentityKeys};
use crate::tracking;

/// A report's title: one line.
pub const TITLE: TextRule = TextRule::line(5, 200);
/// A report's description.
pub const DESCRIPTION: TextRule = TextRule::block(10, 5000);
/// A reporter's name.
const NAME: TextRule = TextRule::line(1, 100);

/// What kind of report it is (PROCEDURE.md, "Kinds of report").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Something went wrong in a public service.
    Complaint,
    /// A suggestion or request for a policy or service.
    Aspiration,
    /// A question to an institution.
    InformationRequest,
}

impl ReportKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complaint => "complaint",
            Self::Aspiration => "aspiration",
            Self::InformationRequest => "information_request",
        }
    }
    fn to_proto(self) -> proto::ReportKind {
        match self {
            Self::Complaint => proto::ReportKind::Complaint,
            Self::Aspiration => proto::ReportKind::Aspiration,
            Self::InformationRequest => proto::ReportKind::InformationRequest,
        }
    }
}

/// Who may see what (PROCEDURE.md, "Privacy of the reporter").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Text published after verification; identity never.
    Public,
    /// As public, and no officer ever sees the identity.
    Anonymous,
    /// Never published; only the verifier and assigned officers see it.
    Confidential,
}

impl Privacy {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Anonymous => "anonymous",
            Self::Confidential => "confidential",
        }
    }
    fn to_proto(self) -> proto::Privacy {
        match self {
            Self::Public => proto::Privacy::Public,
            Self::Anonymous => proto::Privacy::Anonymous,
            Self::Confidential => proto::Privacy::Confidential,
        }
    }
}

/// A report as the citizen sends it. Texts are trimmed and normalised
/// (NFC) before their length is counted, in characters; control characters
/// (but newlines and tabs in the description), direction overrides and
/// zero-width characters are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileReportRequest {
    /// Defaults to `complaint`.
    #[serde(default)]
    pub kind: Option<ReportKind>,
    /// A category id (see `GET /api/v1/categories`).
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub category: String,
    /// A region code (see `GET /api/v1/regions`; Kemendagri codes in Indonesia).
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", max_length = 64)]
    pub region: String,
    /// 5 to 200 characters, one line.
    #[schema(min_length = 5, max_length = 200)]
    pub title: String,
    /// 10 to 5000 characters.
    #[schema(min_length = 10, max_length = 5000)]
    pub description: String,
    /// Defaults to `confidential`, the safest choice.
    #[serde(default)]
    pub privacy: Option<Privacy>,
    /// Who files it; kept sealed in intake. Optional.
    #[serde(default)]
    pub reporter: Option<ReporterRequest>,
    /// Where it happened, as a map point. Optional.
    #[serde(default)]
    pub location: Option<Location>,
    /// Where it happened, in words (a street, a landmark): up to 300 characters, one line. Optional.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// The language to write to the citizen in; Indonesian unless said otherwise.
    #[serde(default)]
    pub language: Option<Language>,
}

/// The languages aduan writes to citizens in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Language {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// From a stored name; Indonesian for anything else.
    pub fn parse(name: &str) -> Self {
        if name == "en" { Self::En } else { Self::Id }
    }
}

/// A point on the map (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// -90 to 90.
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    /// -180 to 180.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
}

impl Location {
    /// The point, if both degrees are on the globe.
    pub fn checked(self) -> Result<Self, ApiError> {
        let on_globe = self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude);
        if on_globe {
            Ok(self)
        } else {
            Err(ApiError::invalid(
                "invalid_location",
                "location needs a latitude from -90 to 90 and a longitude from -180 to 180",
            ))
        }
    }
}

/// Where it happened, in words.
pub const ADDRESS: TextRule = TextRule::line(1, 300);

/// The reporter's identity and contact details, all optional.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterRequest {
    /// Up to 100 characters, one line.
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// An e-mail address, up to 254 characters.
    #[schema(max_length = 254, format = "email")]
    pub email: Option<String>,
    /// A phone number: 6 to 15 digits, with spaces, `+`, `-`, `(`, `)`.
    #[schema(max_length = 30, pattern = "^[0-9 +()-]*$")]
    pub phone: Option<String>,
}

impl std::fmt::Debug for ReporterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReporterRequest(<sealed>)")
    }
}

/// A report that passed every check, ready to store.
#[derive(Debug)]
pub struct NewReport {
    kind: ReportKind,
    category: String,
    region: String,
    title: String,
    description: String,
    privacy: Privacy,
    reporter: Option<Identity>,
    location: Option<Location>,
    address: Option<String>,
    language: Language,
}

fn optional_field(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// The reporter's identity, or `None` when nothing was given.
fn parse_reporter(request: &ReporterRequest) -> Result<Option<Identity>, ApiError> {
    let name = optional_field(request.name.as_deref())
        .map(|name| ApiError::check_text(name, "reporter.name", "invalid_reporter_name", NAME))
        .transpose()?;
    let email = optional_field(request.email.as_deref())
        .map(|email| {
            let valid = email.len() <= 254
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                })
                && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\u{0}')
                && aduan_text::clean(email, TextRule::line(3, 254)).is_ok();
            if valid {
                Ok(email.to_owned())
            } else {
                Err(ApiError::invalid("invalid_reporter_email", "reporter.email is not an e-mail address"))
            }
        })
        .transpose()?;
    let phone = optional_field(request.phone.as_deref())
        .map(|phone| {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let valid = phone.chars().count() <= 30
                && (6..=15).contains(&digits)
                && phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if valid {
                Ok(phone.to_owned())
            } else {
                Err(ApiError::invalid("invalid_reporter_phone", "reporter.phone must be 6 to 15 digits"))
            }
        })
        .transpose()?;
    let given = name.is_some() || email.is_some() || phone.is_some();
    Ok(given.then_some(Identity { name, email, phone }))
}

impl NewReport {
    /// Checks every field against the rules and the registry.
    pub fn parse(request: FileReportRequest, registry: &Registry) -> Result<Self, ApiError> {
        if registry.category(request.category.trim()).is_none() {
            return Err(ApiError::invalid(
                "unknown_category",
                format!("{} is not a category", quoted(&request.category)),
            ));
        }
        if registry.region(request.region.trim()).is_none() {
            return Err(ApiError::invalid(
                "unknown_region",
                format!("{} is not a region code", quoted(&request.region)),
            ));
        }
        let title = ApiError::check_text(&request.title, "title", "invalid_title", TITLE)?;
        let description =
            ApiError::check_text(&request.description, "description", "invalid_description", DESCRIPTION)?;
        let reporter = request.reporter.as_ref().map(parse_reporter).transpose()?.flatten();
        let location = request.location.map(Location::checked).transpose()?;
        let address = optional_field(request.address.as_deref())
            .map(|address| ApiError::check_text(address, "address", "invalid_address", ADDRESS))
            .transpose()?;
        Ok(Self {
            kind: request.kind.unwrap_or(ReportKind::Complaint),
            category: request.category.trim().to_owned(),
            region: request.region.trim().to_owned(),
            title,
            description,
            privacy: request.privacy.unwrap_or(Privacy::Confidential),
            reporter,
            location,
            address,
            language: request.language.unwrap_or_default(),
        })
    }
}

/// What the citizen gets back once the report is stored.
#[derive(Debug)]
pub struct Filed {
    /// The report's id.
    pub report_id: Uuid,
    /// To follow it.
    pub tracking_code: String,
    /// To act on it (accept, reply); shown once.
    pub secret: String,
}

/// Stores `report`, its sealed reporter and its `filed` event in one transaction.
pub async fn file_report(
    db: &DatabaseConnection,
    keys: &IdentityKeys,
    report: NewReport,
    channel: &str,
) -> Result<Filed, ApiError> {
    file_report_with_photos(db, keys, report, channel, &[]).await
}

/// As [`file_report`], with photos already in the file store, whose rows
/// are written in the same transaction as the report.
pub async fn file_report_with_photos(
    db: &DatabaseConnection,
    keys: &IdentityKeys,
    report: NewReport,
    channel: &str,
    photos: &[StoredPhoto],
) -> Result<Filed, ApiError> {
    // A tracking code collision is astronomically rare, but a unique index
    // turns it into a retry rather than a lost report.
    for _ in 0..3 {
        match try_file(db, keys, &report, channel, photos).await {
            Ok(filed) => return Ok(filed),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::internal("could not allocate a unique tracking code"))
}

async fn try_file(
    db: &DatabaseConnection,
    keys: &IdentityKeys,
    report: &NewReport,
    channel: &str,
    photos: &[StoredPhoto],
) -> Result<Filed, sea_orm::DbErr> {
    let prepared = prepare(keys, report, channel, telemetry::current_traceparent())?;
    let txn = aduan_platform::database::begin_write(db).await?;
    let filed = write_all(&txn, vec![prepared]).await?.pop().ok_or(sea_orm::DbErr::RecordNotInserted)?;
    for photo in photos {
        photo.row(filed.report_id).insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(filed)
}

/// A report ready to be written: its ids, secret, rows and event decided,
/// its reporter sealed, nothing written yet.
pub(crate) struct Prepared {
    filed: Filed,
    event: Outgoing,
    report: report::ActiveModel,
    reporter: Option<reporter_identity::ActiveModel>,
}

#[cfg(test)]
impl Prepared {
    /// The same filing's rows under `code` (its `filed` event keeps the
    /// code it drew), to make its write meet a code already taken.
    pub(crate) fn with_tracking_code(mut self, code: &str) -> Self {
        self.report.tracking_code = Set(code.to_owned());
        code.clone_into(&mut self.filed.tracking_code);
        self
    }
}

/// Decides everything about filing `report` that needs no database: sealing
/// happens here, before any transaction, so nothing slow happens while one
/// is open. `traceparent` is the filing request's trace.
pub(crate) fn prepare(
    keys: &IdentityKeys,
    report: &NewReport,
    channel: &str,
    traceparent: Option<String>,
) -> Result<Prepared, sea_orm::DbErr> {
    let report_id = Uuid::now_v7();
    let tracking_code = tracking::new_tracking_code();
    let secret = tracking::new_secret();
    let now = chrono::Utc::now();
    let reporter = match &report.reporter {
        Some(identity) => {
            let sealed =
                keys.seal(report_id, identity).map_err(|error| sea_orm::DbErr::Custom(format!("{error:#}")))?;
            Some(reporter_identity::ActiveModel {
                report_id: Set(report_id),
                key_id: Set(sealed.key_id),
                wrapped_key: Set(sealed.wrapped_key),
                sealed: Set(sealed.sealed),
                sealed_at: Set(now),
            })
        }
        None => None,
    };
    let content = proto::ReportContent {
        kind: report.kind.to_proto() as i32,
        category: report.category.clone(),
        region: report.region.clone(),
        title: report.title.clone(),
        description: report.description.clone(),
        privacy: report.privacy.to_proto() as i32,
        tracking_code: tracking_code.clone(),
    };
    let actor = Actor { role: Role::Citizen as i32, pseudonym: tracking::citizen_pseudonym(report_id) };
    let event = Event::Filed(proto::ReportFiled { content: Some(content), channel: channel.to_owned() });
    let row = report::ActiveModel {
        id: Set(report_id),
        tracking_code: Set(tracking_code.clone()),
        secret_hash: Set(tracking::hash_secret(&secret)),
        kind: Set(report.kind.as_str().to_owned()),
        category: Set(report.category.clone()),
        region: Set(report.region.clone()),
        title: Set(report.title.clone()),
        description: Set(report.description.clone()),
        privacy: Set(report.privacy.as_str().to_owned()),
        channel: Set(channel.to_owned()),
        status: Set(Status::Submitted.as_str().to_owned()),
        status_changed_at: Set(now),
        // Set by `write_all`, once the event has its sequence.
        status_sequence: Set(0),
        merged_into: Set(None),
        rating: Set(None),
        fixed: Set(None),
        institution_id: Set(None),
        institution_name: Set(None),
        filed_at: Set(now),
        latitude: Set(report.location.map(|point| point.latitude)),
        longitude: Set(report.location.map(|point| point.longitude)),
        address: Set(report.address.clone()),
        language: Set(report.language.as_str().to_owned()),
        // Only someone who left an address is written to, and may stop it.
        notify_token: Set(report
            .reporter
            .as_ref()
            .filter(|identity| identity.email.is_some() || identity.phone.is_some())
            .map(|_| tracking::new_secret())),
        notifications_stopped_at: Set(None),
        public_title: Set(None),
        public_description: Set(None),
        withdrawn_at: Set(None),
        deadlines: Set(None),
        deadlines_sequence: Set(0),
    };
    Ok(Prepared {
        filed: Filed { report_id, tracking_code, secret },
        event: Outgoing { envelope: new_envelope(report_id, actor, event), traceparent },
        report: row,
        reporter,
    })
}

/// Writes `prepared` through `txn`: their `filed` events, reports and
/// sealed reporters, in a few statements whatever their number.
pub(crate) async fn write_all(
    txn: &DatabaseTransaction,
    prepared: Vec<Prepared>,
) -> Result<Vec<Filed>, sea_orm::DbErr> {
    let events = prepared.iter().map(|prepared| prepared.event.clone()).collect();
    let sequenced = outbox::enqueue_all(txn, events).await?;
    let mut reports = Vec::with_capacity(prepared.len());
    let mut reporters = Vec::new();
    let mut filed = Vec::with_capacity(prepared.len());
    for (mut prepared, envelope) in prepared.into_iter().zip(sequenced) {
        prepared.report.status_sequence = Set(aduan_platform::report_order::stored(envelope.sequence));
        reports.push(prepared.report);
        reporters.extend(prepared.reporter);
        filed.push(prepared.filed);
    }
    // About thirty parameters a report: well within a statement's limit.
    for chunk in reports.chunks(500) {
        report::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    for chunk in reporters.chunks(1000) {
        reporter_identity::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    Ok(filed)
}

/// A good report's request, for the tests of the modules that file.
#[cfg(test)]
pub(crate) fn good_request() -> FileReportRequest {
    FileReportRequest {
        kind: None,
        category: "roads".into(),
        region: "32.73".into(),
        title: "Pothole on Jalan Braga".into(),
        description: "A deep pothole in front of number 12.".into(),
        privacy: None,
        reporter: None,
        location: None,
        address: None,
        language: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> FileReportRequest {
        good_request()
    }

    fn code_of(request: FileReportRequest) -> &'static str {
        NewReport::parse(request, &Registry::demo()).expect_err("must be rejected").code
    }

    #[test]
    fn a_good_report_parses_with_safe_defaults() {
        let report = NewReport::parse(request(), &Registry::demo()).expect("valid");
        assert_eq!(report.privacy, Privacy::Confidential);
        assert_eq!(report.kind, ReportKind::Complaint);
        assert!(report.reporter.is_none());
    }

    #[test]
    fn each_bad_field_has_its_own_code() {
        assert_eq!(code_of(FileReportRequest { category: "weather".into(), ..request() }), "unknown_category");
        assert_eq!(code_of(FileReportRequest { region: "99.99".into(), ..request() }), "unknown_region");
        assert_eq!(code_of(FileReportRequest { title: "Hi".into(), ..request() }), "invalid_title");
        assert_eq!(code_of(FileReportRequest { description: "x".repeat(5001), ..request() }), "invalid_description");
        let reporter = ReporterRequest { name: None, email: Some("not-an-email".into()), phone: None };
        assert_eq!(code_of(FileReportRequest { reporter: Some(reporter), ..request() }), "invalid_reporter_email");
        let reporter = ReporterRequest { name: None, email: None, phone: Some("call me".into()) };
        assert_eq!(code_of(FileReportRequest { reporter: Some(reporter), ..request() }), "invalid_reporter_phone");
        let off_the_globe = Location { latitude: 91.0, longitude: 107.6 };
        assert_eq!(code_of(FileReportRequest { location: Some(off_the_globe), ..request() }), "invalid_location");
        let not_a_number = Location { latitude: f64::NAN, longitude: 107.6 };
        assert_eq!(code_of(FileReportRequest { location: Some(not_a_number), ..request() }), "invalid_location");
        assert_eq!(code_of(FileReportRequest { address: Some("Jl.\u{0}".into()), ..request() }), "invalid_address");
    }

    #[test]
    fn hidden_and_control_characters_are_refused_everywhere() {
        assert_eq!(code_of(FileReportRequest { title: "Pothole\u{202E}gnirts".into(), ..request() }), "invalid_title");
        assert_eq!(code_of(FileReportRequest { title: "Two\nlines here".into(), ..request() }), "invalid_title");
        let nul = ReporterRequest { name: None, email: Some("siti@exa\u{0}mple.id".into()), phone: None };
        assert_eq!(code_of(FileReportRequest { reporter: Some(nul), ..request() }), "invalid_reporter_email");
        let report = NewReport::parse(
            FileReportRequest { description: "Line one of it\r\nline two".into(), ..request() },
            &Registry::demo(),
        )
        .expect("valid");
        assert_eq!(report.description, "Line one of it\nline two");
    }

    #[test]
    fn errors_quote_only_a_short_prefix_of_the_input() {
        let error =
            NewReport::parse(FileReportRequest { category: "w".repeat(10_000), ..request() }, &Registry::demo())
                .expect_err("unknown");
        assert!(error.message.len() < 100, "{}", error.message);
    }

    #[test]
    fn an_empty_reporter_is_no_reporter() {
        let reporter = ReporterRequest { name: Some("  ".into()), email: None, phone: None };
        let report = NewReport::parse(FileReportRequest { reporter: Some(reporter), ..request() }, &Registry::demo())
            .expect("valid");
        assert!(report.reporter.is_none());
    }
}
