//! A case: what the citizen sent, each clock and its deadline, every step so
//! far, and a form for each step resolution says this user may take now.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Flash, PageError, StepForm, path_segment, query_value, refusal_message, see_other, text};
use crate::WebState;
use crate::api::{ApiFailure, Service};
use crate::i18n::{Lang, Tr};
use crate::staff_session::Staff;
use aduan_access::StaffRole;

/// Which page of the timeline.
#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    after: Option<String>,
    /// A response template to start the resolution from.
    #[serde(default)]
    template: Option<String>,
    /// Which page of the internal notes.
    #[serde(default)]
    notes_after: Option<String>,
}

struct NoteRow {
    at: String,
    who: String,
    text: String,
}

struct ClockRow {
    name: String,
    due: Option<String>,
    escalations: u64,
}

struct EntryRow {
    at: String,
    kind: String,
    who: String,
    text: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    case_id: String,
    code: String,
    title: String,
    status: String,
    pending: bool,
    institution_id: String,
    institution_name: String,
    category: String,
    region: String,
    kind: String,
    privacy: String,
    tier: String,
    withheld: bool,
    description: String,
    clocks: Vec<ClockRow>,
    steps: Vec<StepForm>,
    units: Vec<(String, String)>,
    supporters: Vec<(String, String)>,
    open_branches: Vec<(String, String)>,
    branches: Vec<String>,
    supporter_names: Vec<String>,
    entries: Vec<EntryRow>,
    more_entries: Option<String>,
    /// The citizen's photos, as page addresses.
    photos: Vec<String>,
    /// For a verifier: what the public record shows of the report.
    publication: Option<super::publication::PublicationForm>,
    /// Why the verifier's last change to it was refused.
    publication_error: Option<String>,
    /// The nearest deadline, as the inbox says it.
    next_due: String,
    next_due_late: bool,
    /// Staff's internal notes, and whether this user may write one.
    notes: Vec<NoteRow>,
    /// The next page of notes, when there are more.
    more_notes: Option<String>,
    may_note: bool,
    note_error: Option<String>,
    note_typed: String,
    /// The holding institution's response templates (id, title), offered
    /// with the resolve step, and the one chosen.
    templates: Vec<(String, String)>,
    chosen_template: Option<String>,
}

/// The roles that write internal notes.
const NOTE_WRITERS: [StaffRole; 3] = [StaffRole::Officer, StaffRole::Coordinator, StaffRole::Supervisor];

/// The steps a page offers, and what each one's text is called.
const STEPS: [(&str, &str, bool); 9] = [
    ("follow_up", "field-follow-up", true),
    ("ask_citizen", "field-question", true),
    ("resolve", "field-resolution", true),
    ("return", "field-return-reason", true),
    ("forward", "field-forward-note", true),
    ("ask_support", "field-support-note", true),
    ("review_resolution", "field-review-note", false),
    ("contribute", "field-contribution", true),
    ("answer_branch", "field-branch-answer", true),
];

/// `/staff/cases/{id}`.
pub async fn case_page(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(case_id): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let encoded = path_segment(&case_id);
    let case: Value =
        state.services.get(Service::Resolution, &format!("/api/v1/cases/{encoded}"), &[], staff.token()).await?;
    let (entries, entries_next) = match query.after.as_deref().filter(|after| !after.is_empty()) {
        None => {
            (case["entries"].as_array().cloned().unwrap_or_default(), case["entries_next"].as_str().map(str::to_owned))
        }
        Some(after) => {
            let page: Value = state
                .services
                .get(
                    Service::Resolution,
                    &format!("/api/v1/cases/{encoded}/entries"),
                    &[("after", after)],
                    staff.token(),
                )
                .await?;
            (page["items"].as_array().cloned().unwrap_or_default(), page["next"].as_str().map(str::to_owned))
        }
    };
    let institutions = state.directory.institutions(&state.services).await?;
    let institution_id = text(&case, "institution_id");
    let path = format!("/staff/cases/{encoded}");
    let chrome = Chrome::staff(lang, &staff, &path).await?;
    let allowed: Vec<String> = case["next_steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|step| step.as_str().map(str::to_owned))
        .collect();
    let templates: Vec<Value> = if allowed.iter().any(|step| step == "resolve") {
        let path = format!("/api/v1/institutions/{}/response-templates", path_segment(&institution_id));
        let listed: Value =
            state.services.get(Service::Resolution, &path, &[], staff.token()).await.unwrap_or_default();
        listed["items"].as_array().cloned().unwrap_or_default()
    } else {
        Vec::new()
    };
    let chosen = query.template.as_deref().and_then(|id| templates.iter().find(|template| template["id"] == id));
    let chosen_template = chosen.map(|template| text(template, "id"));
    let template_text = chosen.map(|template| text(template, "text"));
    let steps = STEPS
        .iter()
        .filter(|(name, _, _)| allowed.iter().any(|allowed| allowed == name))
        .map(|(name, field, required)| StepForm {
            name: (*name).to_owned(),
            label: tr.name_of("step", name),
            field: tr.t(field),
            required: *required,
            error: chrome.error_for(name).map(str::to_owned),
            typed: match &template_text {
                Some(template) if *name == "resolve" => template.clone(),
                _ => chrome.typed_in(name).to_owned(),
            },
        })
        .collect();
    let mut notes_query = vec![("limit", "100")];
    if let Some(after) = query.notes_after.as_deref().filter(|after| !after.is_empty()) {
        notes_query.push(("after", after));
    }
    let notes: Value = state
        .services
        .get(Service::Resolution, &format!("/api/v1/cases/{encoded}/notes"), &notes_query, staff.token())
        .await?;
    let more_notes = notes["next"].as_str().map(|cursor| format!("{path}?notes_after={}#notes", query_value(cursor)));
    let notes = notes["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|note| NoteRow {
            at: text(note, "written_at").chars().take(16).collect::<String>().replace('T', " "),
            who: tr.name_of("role", &text(note, "role")),
            text: text(note, "text"),
        })
        .collect();
    let (next_due, next_due_late) = super::inbox::due_detail(tr, &case);
    let branches_json = case["branches"].as_array().cloned().unwrap_or_default();
    let open_branches = branches_json
        .iter()
        .filter(|branch| branch["status"] == "open")
        .map(|branch| (text(branch, "id"), institutions.name(&text(branch, "unit_id"))))
        .collect();
    let branches = branches_json
        .iter()
        .map(|branch| {
            format!(
                "{} · {} · {}",
                institutions.name(&text(branch, "unit_id")),
                tr.name_of("branch", &text(branch, "status")),
                tr.t1("due-on", "date", text(branch, "due_on"))
            )
        })
        .collect();
    let supporter_ids: Vec<String> =
        case["supporters"].as_array().into_iter().flatten().filter_map(|id| id.as_str().map(str::to_owned)).collect();
    let clocks = case["clocks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|clock| ClockRow {
            name: tr.name_of("clock", &text(clock, "clock")),
            due: clock["due_on"].as_str().map(str::to_owned),
            escalations: clock["escalations"].as_u64().unwrap_or_default(),
        })
        .collect();
    let entries = entries
        .iter()
        .map(|entry| {
            let role = entry["author_role"].as_str().unwrap_or_default();
            let institution = institutions.name(&text(entry, "institution_id"));
            EntryRow {
                at: text(entry, "at").chars().take(16).collect::<String>().replace('T', " "),
                kind: tr.name_of("entry", &text(entry, "kind")),
                who: if role.is_empty() {
                    institution
                } else {
                    format!("{} · {institution}", tr.name_of("role", role))
                },
                text: text(entry, "text"),
            }
        })
        .collect();
    // Intake keeps the photos and decides who sees them; a withheld report shows none.
    let code = text(&case, "tracking_code");
    let photos = if case["withheld"].as_bool().unwrap_or(false) || code.is_empty() {
        Vec::new()
    } else {
        let path = format!("/api/v1/reports/{}/photos", path_segment(&code));
        let listed: Value = state.services.get(Service::Intake, &path, &[], staff.token()).await.unwrap_or_default();
        super::citizen::photo_links(&format!("/staff/reports/{}", path_segment(&code)), &listed)
    };
    let publication =
        super::publication::for_case(&state, &staff, &code, case["privacy"].as_str().unwrap_or_default()).await;
    let page = CasePage {
        chosen_template,
        more_notes,
        next_due,
        next_due_late,
        notes,
        may_note: NOTE_WRITERS.iter().any(|role| staff.me.holds(*role)),
        note_error: chrome.error_for("note").map(str::to_owned),
        note_typed: chrome.typed_in("note").to_owned(),
        templates: templates.iter().map(|template| (text(template, "id"), text(template, "title"))).collect(),
        publication_error: chrome.error_for("publication").map(str::to_owned),
        publication,
        photos,
        case_id: text(&case, "id"),
        code: text(&case, "tracking_code"),
        title: text(&case, "title"),
        status: tr.name_of("status", &text(&case, "status")),
        pending: !case["pending_resolution"].is_null(),
        institution_name: institutions.name(&institution_id),
        units: institutions
            .subtree(&institution_id)
            .into_iter()
            .map(|(depth, unit)| (unit.id.clone(), format!("{}{}", "— ".repeat(depth - 1), unit.name)))
            .collect(),
        institution_id,
        category: text(&case, "category"),
        region: text(&case, "region"),
        kind: tr.name_of("kind", &text(&case, "kind")),
        privacy: tr.name_of("privacy", &text(&case, "privacy")),
        tier: tr.name_of("tier", &text(&case, "tier")),
        withheld: case["withheld"].as_bool().unwrap_or(false),
        description: text(&case, "description"),
        clocks,
        steps,
        supporters: supporter_ids.iter().map(|id| (id.clone(), institutions.name(id))).collect(),
        supporter_names: supporter_ids.iter().map(|id| institutions.name(id)).collect(),
        open_branches,
        branches,
        entries,
        more_entries: entries_next.map(|cursor| format!("{path}?after={}", query_value(&cursor))),
        chrome,
    };
    Ok(Html(page.render()?).into_response())
}

/// What a step's form sends.
#[derive(Debug, Default, Deserialize)]
pub struct StepFields {
    #[serde(default)]
    text: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    branch_id: String,
    #[serde(default)]
    decision: String,
}

/// The resolution call a step makes: its path under the case, and its body.
fn call_for(step: &str, fields: &StepFields) -> Option<(String, Value)> {
    let text = fields.text.trim();
    Some(match step {
        "follow_up" => ("follow-ups".into(), json!({ "text": text })),
        "ask_citizen" => ("questions".into(), json!({ "text": text })),
        "resolve" => ("resolution".into(), json!({ "text": text })),
        "return" => ("return".into(), json!({ "text": text })),
        "forward" => ("forwards".into(), json!({ "unit_id": fields.unit_id, "note": text })),
        "ask_support" => ("supporters".into(), json!({ "institution_id": fields.institution_id.trim(), "note": text })),
        "review_resolution" => {
            ("resolution/review".into(), json!({ "approve": fields.decision != "send_back", "note": text }))
        }
        "contribute" => ("contributions".into(), json!({ "institution_id": fields.institution_id, "text": text })),
        "answer_branch" => (format!("forwards/{}/answer", path_segment(&fields.branch_id)), json!({ "text": text })),
        _ => return None,
    })
}

/// `POST /staff/cases/{id}/{step}`: takes the step through resolution, then
/// back to the case, with what happened (or why not, beside the form).
pub async fn take_step(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path((case_id, step)): Path<(String, String)>,
    Form(fields): Form<StepFields>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let case_path = format!("/staff/cases/{}", path_segment(&case_id));
    let Some((call, body)) = call_for(&step, &fields) else {
        return Err(PageError::Api(ApiFailure::Refused {
            status: 404,
            code: "unknown_step".into(),
            message: format!("there is no step {step:?}"),
        }));
    };
    let path = format!("/api/v1/cases/{}/{call}", path_segment(&case_id));
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Resolution, &path, Some(&body), staff.token()).await;
    match answer {
        Ok(case) => {
            let proposed = step == "resolve" && !case["pending_resolution"].is_null();
            let key = if proposed { "done-proposed" } else { "done-step" };
            Flash::done(tr.t1(key, "step", tr.name_of("step", &step))).keep(&staff.session).await?;
            Ok(see_other(&case_path))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            let message = refusal_message(tr, &failure);
            Flash::refused(&step, message, Some(fields.text)).keep(&staff.session).await?;
            Ok(see_other(&format!("{case_path}#step-{step}")))
        }
        Err(failure) => Err(failure.into()),
    }
}

/// What the note form sends.
#[derive(Debug, Default, Deserialize)]
pub struct NoteFields {
    #[serde(default)]
    text: String,
}

/// `POST /staff/cases/{id}/notes`: an internal note, then back to the case.
pub async fn add_note(
    State(state): State<WebState>,
    lang: Lang,
    staff: Staff,
    Path(case_id): Path<String>,
    Form(fields): Form<NoteFields>,
) -> Result<Response, PageError> {
    let tr = Tr(lang);
    let case_path = format!("/staff/cases/{}", path_segment(&case_id));
    let path = format!("/api/v1/cases/{}/notes", path_segment(&case_id));
    let body = json!({ "text": fields.text.trim() });
    let answer: Result<Value, ApiFailure> =
        state.services.send(Method::POST, Service::Resolution, &path, Some(&body), staff.token()).await;
    match answer {
        Ok(_) => {
            Flash::done(tr.t("note-added")).keep(&staff.session).await?;
            Ok(see_other(&format!("{case_path}#notes")))
        }
        Err(failure @ ApiFailure::Refused { .. }) if failure.status() != 401 => {
            Flash::refused("note", refusal_message(tr, &failure), Some(fields.text)).keep(&staff.session).await?;
            Ok(see_other(&format!("{case_path}#notes")))
        }
        Err(failure) => Err(failure.into()),
    }
}
