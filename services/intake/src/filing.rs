//! Filing a report: parse what the citizen sent into domain values, then store
//! the report, its sealed reporter and the `filed` event in one transaction.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::outbox;
use aduan_platform::proto::{self, Actor, Role, envelope::Event};
use aduan_procedure::Status;
use aduan_registry::Registry;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, SqlErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{report, reporter};
use crate::tracking;

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

/// A report as the citizen sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileReportRequest {
    /// Defaults to `complaint`.
    #[serde(default)]
    pub kind: Option<ReportKind>,
    /// A category id (see the registry).
    pub category: String,
    /// A region code (Kemendagri code in Indonesia).
    pub region: String,
    /// 5 to 200 characters.
    pub title: String,
    /// 10 to 5000 characters.
    pub description: String,
    /// Defaults to `confidential`, the safest choice.
    #[serde(default)]
    pub privacy: Option<Privacy>,
    /// Who files it; kept sealed in intake. Optional.
    #[serde(default)]
    pub reporter: Option<ReporterRequest>,
}

/// The reporter's identity and contact details, all optional.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterRequest {
    /// Up to 100 characters.
    pub name: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A phone number: digits, spaces, `+`, `-`.
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
    reporter: Option<reporter::Model>,
}

fn text_field(value: &str, field: &str, code: &'static str, min: usize, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    let length = value.chars().count();
    if length < min || length > max {
        return Err(ApiError::invalid(code, format!("{field} must be {min} to {max} characters; it has {length}")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(ApiError::invalid(code, format!("{field} contains control characters")));
    }
    Ok(value.to_owned())
}

fn optional_field(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// The reporter's identity, or `None` when nothing was given; `report_id` is set at filing.
fn parse_reporter(request: &ReporterRequest) -> Result<Option<reporter::Model>, ApiError> {
    let name = optional_field(request.name.as_deref())
        .map(|name| text_field(name, "reporter.name", "invalid_reporter_name", 1, 100))
        .transpose()?;
    let email = optional_field(request.email.as_deref())
        .map(|email| {
            let valid = email.len() <= 254
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                })
                && !email.chars().any(char::is_whitespace);
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
            let valid = (6..=15).contains(&digits) && phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if valid {
                Ok(phone.to_owned())
            } else {
                Err(ApiError::invalid("invalid_reporter_phone", "reporter.phone must be 6 to 15 digits"))
            }
        })
        .transpose()?;
    let given = name.is_some() || email.is_some() || phone.is_some();
    Ok(given.then_some(reporter::Model { report_id: Uuid::nil(), name, email, phone }))
}

impl NewReport {
    /// Checks every field against the rules and the registry.
    pub fn parse(request: FileReportRequest, registry: &Registry) -> Result<Self, ApiError> {
        if registry.category(request.category.trim()).is_none() {
            return Err(ApiError::invalid("unknown_category", format!("{:?} is not a category", request.category)));
        }
        if registry.region(request.region.trim()).is_none() {
            return Err(ApiError::invalid("unknown_region", format!("{:?} is not a region code", request.region)));
        }
        let title = text_field(&request.title, "title", "invalid_title", 5, 200)?;
        let description = text_field(&request.description, "description", "invalid_description", 10, 5000)?;
        let reporter = request.reporter.as_ref().map(parse_reporter).transpose()?.flatten();
        Ok(Self {
            kind: request.kind.unwrap_or(ReportKind::Complaint),
            category: request.category.trim().to_owned(),
            region: request.region.trim().to_owned(),
            title,
            description,
            privacy: request.privacy.unwrap_or(Privacy::Confidential),
            reporter,
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

/// Stores `report` and its `filed` event in one transaction.
pub async fn file_report(db: &DatabaseConnection, report: NewReport, channel: &str) -> Result<Filed, ApiError> {
    // A tracking code collision is astronomically rare, but a unique index
    // turns it into a retry rather than a lost report.
    for _ in 0..3 {
        match try_file(db, &report, channel).await {
            Ok(filed) => return Ok(filed),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::internal("could not allocate a unique tracking code"))
}

async fn try_file(db: &DatabaseConnection, report: &NewReport, channel: &str) -> Result<Filed, sea_orm::DbErr> {
    let report_id = Uuid::now_v7();
    let tracking_code = tracking::new_tracking_code();
    let secret = tracking::new_secret();
    let now = chrono::Utc::now();
    let txn = aduan_platform::database::begin_write(db).await?;
    report::ActiveModel {
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
        institution_id: Set(None),
        institution_name: Set(None),
        filed_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if let Some(identity) = &report.reporter {
        reporter::ActiveModel {
            report_id: Set(report_id),
            name: Set(identity.name.clone()),
            email: Set(identity.email.clone()),
            phone: Set(identity.phone.clone()),
        }
        .insert(&txn)
        .await?;
    }
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
    outbox::enqueue(&txn, &new_envelope(report_id, actor, event)).await?;
    txn.commit().await?;
    Ok(Filed { report_id, tracking_code, secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> FileReportRequest {
        FileReportRequest {
            kind: None,
            category: "roads".into(),
            region: "32.73".into(),
            title: "Pothole on Jalan Braga".into(),
            description: "A deep pothole in front of number 12.".into(),
            privacy: None,
            reporter: None,
        }
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
    }

    #[test]
    fn an_empty_reporter_is_no_reporter() {
        let reporter = ReporterRequest { name: Some("  ".into()), email: None, phone: None };
        let report = NewReport::parse(FileReportRequest { reporter: Some(reporter), ..request() }, &Registry::demo())
            .expect("valid");
        assert!(report.reporter.is_none());
    }
}
