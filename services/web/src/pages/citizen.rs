//! The citizen's pages: what aduan is, filing a report, the tracking code
//! and secret shown once, and following a report with the steps the
//! procedure lets its citizen take. Citizens have no account: the secret
//! they type is kept in their browser session only, never in a URL.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest as _;
use tower_sessions::Session;

use super::{Chrome, Flash, PageError, StepForm, path_segment, query_value, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};

/// The session key of the secrets a citizen typed or was given, by tracking code.
const SECRETS_KEY: &str = "report_secrets";
/// At most this many reports followed in one browser session.
const MAX_KEPT_SECRETS: usize = 20;

const KINDS: [&str; 3] = ["complaint", "aspiration", "information_request"];
const PRIVACIES: [&str; 3] = ["confidential", "anonymous", "public"];

async fn secrets(session: &Session) -> Result<HashMap<String, String>, PageError> {
    Ok(session.get(SECRETS_KEY).await?.unwrap_or_default())
}

/// The secret this session keeps for the report `code`, if any.
pub(super) async fn secret_of(session: &Session, code: &str) -> Result<Option<String>, PageError> {
    Ok(secrets(session).await?.get(code).cloned())
}

async fn keep_secret(session: &Session, code: &str, secret: &str) -> Result<(), PageError> {
    let mut kept = secrets(session).await?;
    if kept.len() >= MAX_KEPT_SECRETS && !kept.contains_key(code) {
        kept.clear();
    }
    kept.insert(code.to_owned(), secret.to_owned());
    session.insert(SECRETS_KEY, kept).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "citizen_home.html")]
struct HomePage {
    chrome: Chrome,
}

/// `/`: what aduan is, the three kinds and the three privacy levels.
pub async fn home(lang: Lang, session: Session) -> Result<Response, PageError> {
    let chrome = Chrome::citizen(lang, &session, "/").await?;
    Ok(Html(HomePage { chrome }.render()?).into_response())
}

/// What the filing form sends (and shows again when refused).
#[derive(Default, Deserialize)]
pub struct FileForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    privacy: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    /// A field people never see: only robots fill it.
    #[serde(default)]
    website: String,
}

impl FileForm {
    /// What the form says, hashed, spacing aside: to know it when it comes again.
    fn digest(&self) -> String {
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        // Every field: the same words sent with another privacy, place or
        // contact are another filing, not the same one sent twice.
        let content = [
            &self.kind,
            &self.category,
            &self.region,
            &words(&self.title),
            &words(&self.description),
            &words(&self.address),
            &words(&self.latitude),
            &words(&self.longitude),
            &self.privacy,
            &words(&self.name),
            &words(&self.email),
            &words(&self.phone),
        ]
        .map(|part| part.as_str())
        .join("\u{1f}");
        hex::encode(sha2::Sha256::digest(content.as_bytes()))
    }
}

/// The session key of the last report this browser filed.
const LAST_FILING_KEY: &str = "last_filing";
/// How long the same form sent again counts as the same report.
const REFILING_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// The last report a browser filed: what its form hashed to, its code, when.
#[derive(Debug, Serialize, Deserialize)]
struct LastFiling {
    digest: String,
    code: String,
    at: chrono::DateTime<chrono::Utc>,
}

/// Adds `photos` to the report `code`; answers why they were refused, if they were.
async fn add_photos(
    state: &WebState,
    tr: Tr,
    code: &str,
    secret: &str,
    photos: Vec<crate::api::UploadedPhoto>,
) -> Option<String> {
    if photos.is_empty() {
        return None;
    }
    state.services.upload_photos(code, secret, photos).await.err().map(|failure| refusal_message(tr, &failure))
}

/// The code of the report this browser filed with the same form minutes ago, if it did.
async fn refiled(session: &Session, digest: &str) -> Result<Option<String>, PageError> {
    let last: Option<LastFiling> = session.get(LAST_FILING_KEY).await?;
    Ok(last
        .filter(|last| last.digest == digest && chrono::Utc::now() - last.at < REFILING_WINDOW)
        .map(|last| last.code))
}

/// Never prints what a citizen typed: it may name them.
impl std::fmt::Debug for FileForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileForm")
            .field("category", &self.category)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    chrome: Chrome,
    form: FileForm,
    error: Option<String>,
    kinds: Vec<(String, String)>,
    privacies: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    regions: Vec<(String, Vec<(String, String)>)>,
}

async fn file_page(
    state: &WebState,
    chrome: Chrome,
    form: FileForm,
    error: Option<String>,
) -> Result<String, PageError> {
    let tr = chrome.tr;
    let categories: Vec<Value> = state.services.get(Service::Intake, "/api/v1/categories", &[], None).await?;
    let regions = region_groups(state, tr).await?;
    let page = FilePage {
        kinds: KINDS.iter().map(|kind| ((*kind).to_owned(), tr.name_of("kind", kind))).collect(),
        privacies: PRIVACIES
            .iter()
            .map(|privacy| {
                (
                    (*privacy).to_owned(),
                    format!("{}: {}", tr.name_of("privacy", privacy), tr.t(&format!("privacy-{privacy}-explained"))),
                )
            })
            .collect(),
        categories: categories.iter().map(|category| (text(category, "id"), text(category, "name"))).collect(),
        regions,
        chrome,
        form,
        error,
    };
    Ok(page.render()?)
}

/// Intake's regions for a select: provinces (no parent) as groups, each
/// with itself first (as the whole province) and its regencies and cities.
pub(super) async fn region_groups(state: &WebState, tr: Tr) -> Result<Vec<(String, Vec<(String, String)>)>, PageError> {
    let regions: Vec<Value> = state.services.get(Service::Intake, "/api/v1/regions", &[], None).await?;
    let mut groups: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    for region in regions.iter().filter(|region| region["parent"].is_null()) {
        let (code, name) = (text(region, "code"), text(region, "name"));
        groups.insert(code.clone(), (name.clone(), vec![(code, tr.t1("file-whole-province", "province", name))]));
    }
    for region in regions.iter().filter(|region| !region["parent"].is_null()) {
        if let Some((_, members)) = groups.get_mut(&text(region, "parent")) {
            members.push((text(region, "code"), text(region, "name")));
        }
    }
    Ok(groups.into_values().collect())
}

/// `GET /file`.
pub async fn file_form(State(state): State<WebState>, lang: Lang, session: Session) -> Result<Response, PageError> {
    let chrome = Chrome::citizen(lang, &session, "/file").await?;
    let form = FileForm { kind: "complaint".into(), privacy: "confidential".into(), ..FileForm::default() };
    Ok(Html(file_page(&state, chrome, form, None).await?).into_response())
}

#[derive(Template)]
#[template(path = "filed.html")]
struct FiledPage {
    chrome: Chrome,
    code: String,
    secret: String,
    /// Why the photos sent with the report were not added, if they were not.
    photo_error: Option<String>,
}

/// `POST /file` (multipart, for its photos): files through intake, adds the
/// photos, and shows the code and secret once. A refused photo does not
/// undo the report: the page says so, and photos can be added from the
/// tracking page.
pub async fn file(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let (fields, photos) = super::photos::read_form(multipart).await?;
    let form: FileForm = serde_json::from_value(fields).unwrap_or_default();
    if !form.website.is_empty() {
        return Err(PageError::Api(ApiFailure::Refused {
            status: 422,
            code: "refused".into(),
            message: "this form was not filled in by a person".into(),
        }));
    }
    // The same form sent again from this browser within minutes (a second
    // tap, a reload) is the report already filed: shown again, not filed twice.
    let digest = form.digest();
    if let Some(code) = refiled(&session, &digest).await?
        && let Some(secret) = secret_of(&session, &code).await?
    {
        // Photos sent again (the first upload may have failed) go to that report.
        let photo_error = add_photos(&state, tr, &code, &secret, photos).await;
        let chrome = Chrome::citizen(lang, &session, "/file").await?;
        let page = FiledPage { chrome, code, secret, photo_error };
        return Ok(Html(page.render()?).into_response());
    }
    let mut reporter = serde_json::Map::new();
    for (key, value) in [("name", &form.name), ("email", &form.email), ("phone", &form.phone)] {
        if !value.trim().is_empty() {
            reporter.insert(key.into(), json!(value.trim()));
        }
    }
    let mut body = json!({
        "kind": form.kind,
        "category": form.category,
        "region": form.region,
        "title": form.title.trim(),
        "description": form.description.trim(),
        "privacy": form.privacy,
        // Messages about the report are written in the language of the page it was filed on.
        "language": tr.lang(),
    });
    if !form.address.trim().is_empty() {
        body["address"] = json!(form.address.trim());
    }
    // A map point, when both degrees are given; intake checks they are on the globe.
    let degrees = |text: &str| text.trim().replace(',', ".").parse::<f64>().ok();
    match (form.latitude.trim().is_empty(), form.longitude.trim().is_empty()) {
        (true, true) => {}
        _ => match (degrees(&form.latitude), degrees(&form.longitude)) {
            (Some(latitude), Some(longitude)) => {
                body["location"] = json!({ "latitude": latitude, "longitude": longitude })
            }
            _ => {
                let chrome = Chrome::citizen(lang, &session, "/file").await?;
                let message = tr.t("error-invalid_location");
                let page = file_page(&state, chrome, form, Some(message)).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
            }
        },
    }
    if !reporter.is_empty() {
        body["reporter"] = Value::Object(reporter);
    }
    let filed: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Intake, "/api/v1/reports", Some(&body), None).await;
    match filed {
        Ok(filed) => {
            let (code, secret) = (text(&filed, "tracking_code"), text(&filed, "secret"));
            keep_secret(&session, &code, &secret).await?;
            let last = LastFiling { digest, code: code.clone(), at: chrono::Utc::now() };
            session.insert(LAST_FILING_KEY, last).await?;
            let photo_error = add_photos(&state, tr, &code, &secret, photos).await;
            let chrome = Chrome::citizen(lang, &session, "/file").await?;
            let page = FiledPage { chrome, code, secret, photo_error };
            Ok((StatusCode::CREATED, Html(page.render()?)).into_response())
        }
        Err(failure @ ApiFailure::Refused { .. }) => {
            let chrome = Chrome::citizen(lang, &session, "/file").await?;
            let status = StatusCode::from_u16(failure.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let message = refusal_message(tr, &failure);
            Ok((status, Html(file_page(&state, chrome, form, Some(message)).await?)).into_response())
        }
        Err(failure) => Err(failure.into()),
    }
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    chrome: Chrome,
    code: String,
    error: Option<String>,
}

/// Which report to look up.
#[derive(Debug, Default, Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: String,
}

/// `GET /track`: the form to follow a report.
pub async fn track_form(lang: Lang, session: Session, Query(query): Query<CodeQuery>) -> Result<Response, PageError> {
    let chrome = Chrome::citizen(lang, &session, "/track").await?;
    let page = TrackPage { chrome, code: query.code.chars().take(40).collect(), error: None };
    Ok(Html(page.render()?).into_response())
}

/// The tracking form.
#[derive(Deserialize)]
pub struct TrackForm {
    code: String,
    #[serde(default)]
    secret: String,
}

/// Never prints the secret.
impl std::fmt::Debug for TrackForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackForm").field("code", &self.code).finish_non_exhaustive()
    }
}

/// `POST /track`: checks the secret, keeps it in the session, shows the report.
pub async fn track(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Form(form): Form<TrackForm>,
) -> Result<Response, PageError> {
    let code = form.code.trim().to_uppercase();
    let secret = form.secret.trim();
    let path = format!("/api/v1/reports/{}", path_segment(&code));
    let looked: Result<Value, ApiFailure> =
        state.services.get_as_owner(Service::Intake, &path, Some(secret).filter(|secret| !secret.is_empty())).await;
    match looked {
        Ok(report) => {
            let code = text(&report, "tracking_code");
            if !secret.is_empty() {
                keep_secret(&session, &code, secret).await?;
            }
            Ok(see_other(&format!("/track/{}", path_segment(&code))))
        }
        Err(failure @ ApiFailure::Refused { .. }) => {
            let chrome = Chrome::citizen(lang, &session, "/track").await?;
            let error = Some(refusal_message(Tr(lang), &failure));
            let status = StatusCode::from_u16(failure.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let page = TrackPage { chrome, code: code.chars().take(40).collect(), error };
            Ok((status, Html(page.render()?)).into_response())
        }
        Err(failure) => Err(failure.into()),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    code: String,
    owner: bool,
    title: Option<String>,
    description: Option<String>,
    status: String,
    institution: String,
    kind: String,
    privacy: String,
    filed_at: String,
    steps: Vec<StepForm>,
    updates: Vec<(String, String, String)>,
    /// The report's photos (for its citizen), as page addresses.
    photos: Vec<String>,
    /// When each running step is due: the step, and its date (or that it waits for the citizen).
    deadlines: Vec<(String, String)>,
    /// Why adding photos was refused, beside the form.
    photo_error: Option<String>,
    /// For its citizen: each step's receipt in the audit ledger (entry,
    /// what, when, whether it is proven yet), and the checkpoint's size.
    receipts: Vec<(u64, String, String, bool)>,
    checkpoint_size: u64,
}

/// A report's `updates` as the timeline shows them: when, what (and who), the words.
pub(super) fn timeline(tr: Tr, report: &Value) -> Vec<(String, String, String)> {
    report["updates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|update| {
            let at = text(update, "at").chars().take(16).collect::<String>().replace('T', " ");
            let what = tr.name_of("update", &text(update, "kind"));
            let what = match update["institution"].as_str() {
                Some(institution) => format!("{what} · {institution}"),
                None => what,
            };
            (at, what, text(update, "text"))
        })
        .collect()
}

/// Page addresses under `base` of the photos intake `listed`.
pub(super) fn photo_links(base: &str, listed: &Value) -> Vec<String> {
    listed
        .as_array()
        .into_iter()
        .flatten()
        .map(|photo| format!("{base}/photos/{}", path_segment(&text(photo, "id"))))
        .collect()
}

/// `GET /track/{code}`: the report as its citizen follows it.
pub async fn report(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let secret = secrets(&session).await?.get(&code).cloned();
    let path = format!("/api/v1/reports/{}", path_segment(&code));
    let report: Value = match state.services.get_as_owner(Service::Intake, &path, secret.as_deref()).await {
        Ok(report) => report,
        // A confidential report, or a secret that no longer matches: ask for it.
        Err(ApiFailure::Refused { status: 403, .. }) => {
            return Ok(see_other(&format!("/track?code={}", query_value(&code))));
        }
        Err(failure) => return Err(failure.into()),
    };
    let page_path = format!("/track/{}", path_segment(&code));
    let chrome = Chrome::citizen(lang, &session, &page_path).await?;
    let steps = report["next_steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|name| StepForm {
            name: name.to_owned(),
            label: tr.name_of("citizen-step", name),
            field: tr.t(if name == "acceptance" { "citizen-comment" } else { "citizen-text" }),
            required: name != "acceptance",
            error: chrome.error_for(name).map(str::to_owned),
            typed: chrome.typed_in(name).to_owned(),
        })
        .collect();
    let updates = timeline(tr, &report);
    let photos = match &secret {
        Some(secret) => {
            let listed: Value = state
                .services
                .get_as_owner(Service::Intake, &format!("{path}/photos"), Some(secret))
                .await
                .unwrap_or_default();
            photo_links(&format!("/track/{}", path_segment(&code)), &listed)
        }
        None => Vec::new(),
    };
    let deadlines = report["deadlines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|deadline| {
            let due =
                deadline["due_on"].as_str().map_or_else(|| tr.t("clock-paused"), |date| tr.t1("due-on", "date", date));
            (tr.name_of("clock", &text(deadline, "clock")), due)
        })
        .collect();
    // The ledger's receipts, for the report's citizen; none when audit cannot say.
    let ledger: Value = match report["report_id"].as_str() {
        Some(report_id) => state
            .services
            .get(Service::Audit, "/api/v1/ledger/receipts", &[("report_id", report_id)], None)
            .await
            .unwrap_or_default(),
        None => Value::Null,
    };
    let receipts = ledger["receipts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|receipt| {
            (
                receipt["index"].as_u64().unwrap_or_default(),
                tr.name_of("event", &text(receipt, "event")),
                text(receipt, "occurred_at").chars().take(16).collect::<String>().replace('T', " "),
                receipt["proof"].is_array(),
            )
        })
        .collect();
    let page = ReportPage {
        receipts,
        checkpoint_size: ledger["checkpoint"]["size"].as_u64().unwrap_or_default(),
        deadlines,
        photo_error: chrome.error_for("photos").map(str::to_owned),
        photos,
        code: text(&report, "tracking_code"),
        owner: secret.is_some(),
        title: report["title"].as_str().map(str::to_owned),
        description: report["description"].as_str().map(str::to_owned),
        status: tr.name_of("status", &text(&report, "status")),
        institution: report["institution"].as_str().map_or_else(|| tr.t("report-not-assigned"), str::to_owned),
        kind: tr.name_of("kind", &text(&report, "kind")),
        privacy: tr.name_of("privacy", &text(&report, "privacy")),
        filed_at: text(&report, "filed_at").chars().take(10).collect(),
        steps,
        updates,
        chrome,
    };
    Ok(Html(page.render()?).into_response())
}

/// What a citizen's step sends.
#[derive(Default, Deserialize)]
pub struct CitizenStepForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    fixed: String,
}

/// Never prints what a citizen wrote.
impl std::fmt::Debug for CitizenStepForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenStepForm").field("rating", &self.rating).finish_non_exhaustive()
    }
}

const CITIZEN_STEPS: [&str; 6] = ["replies", "clarification", "acceptance", "dispute", "appeal", "ombudsman"];

/// `POST /track/{code}/{step}`: the step through intake, with the kept secret.
pub async fn citizen_step(
    State(state): State<WebState>,
    lang: Lang,
    session: Session,
    Path((code, step)): Path<(String, String)>,
    Form(form): Form<CitizenStepForm>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let page_path = format!("/track/{}", path_segment(&code));
    let Some(step) = CITIZEN_STEPS.iter().find(|known| **known == step) else {
        return Err(PageError::Api(ApiFailure::Refused {
            status: 404,
            code: "unknown_step".into(),
            message: format!("there is no step {step:?}"),
        }));
    };
    let Some(secret) = secrets(&session).await?.get(&code).cloned() else {
        return Ok(see_other(&format!("/track?code={}", query_value(&code))));
    };
    let body = if *step == "acceptance" {
        let mut body = json!({ "secret": secret, "comment": form.text.trim() });
        if let Ok(rating) = form.rating.parse::<u8>() {
            body["rating"] = json!(rating);
        }
        if !form.fixed.is_empty() {
            body["fixed"] = json!(form.fixed);
        }
        body
    } else {
        json!({ "secret": secret, "text": form.text.trim() })
    };
    let path = format!("/api/v1/reports/{}/{step}", path_segment(&code));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Intake, &path, Some(&body), None).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t1("done-step", "step", tr.name_of("citizen-step", step))).keep(&session).await?;
            Ok(see_other(&page_path))
        }
        Err(failure @ ApiFailure::Refused { .. }) => {
            Flash::refused(step, refusal_message(tr, &failure), Some(form.text)).keep(&session).await?;
            Ok(see_other(&format!("{page_path}#step-{step}")))
        }
        Err(failure) => Err(failure.into()),
    }
}
