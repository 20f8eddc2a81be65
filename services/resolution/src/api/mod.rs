//! Resolution's JSON API for institutions: inboxes, cases and the work on
//! them, forwarding to units, supporting institutions, the overdue list that
//! escalation feeds, supervisors' approvals, and the ombudsman's export.
//! Every endpoint takes a staff access token (`Authorization: Bearer`) and
//! checks the caller's grants against [`crate::authorization::RULES`].

mod approval;
mod case;
mod export;
mod forwarding;
mod inbox;
mod notes;
mod overdue;
mod supporting;
mod templates;
mod work;

use aduan_platform::http::ApiError;
use aduan_text::TextRule;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::ResolutionState;

pub use case::{CaseSummary, CaseView, ClockView, EntryView};
pub use export::{HistoryView, OmbudsmanExport};
pub use forwarding::{BranchView, ForwardRequest};
pub use notes::{NoteRequest, NoteView};
pub use overdue::OverdueCase;
pub use supporting::{ContributionRequest, SupportRequest, SupporterView};
pub use templates::{TemplateRequest, TemplateView};
pub use work::WorkRequest;

/// What an institution writes on a case: a follow-up, a question, a note.
const WORK_TEXT: TextRule = TextRule::block(5, 5000);

fn work_text(text: &str, field: &str) -> Result<String, ApiError> {
    ApiError::check_text(text, field, "invalid_text", WORK_TEXT)
}

fn parse_case_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid("invalid_case_id", "not a case id"))
}

/// Resolution's routes and their OpenAPI description.
pub fn router(state: ResolutionState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(inbox::inbox))
        .routes(routes!(inbox::counts))
        .routes(routes!(case::get_case))
        .routes(routes!(case::case_entries))
        .routes(routes!(work::post_follow_up))
        .routes(routes!(work::post_resolution))
        .routes(routes!(work::post_return))
        .routes(routes!(work::post_question))
        .routes(routes!(forwarding::post_forward))
        .routes(routes!(forwarding::post_branch_answer))
        .routes(routes!(forwarding::unit_branches))
        .routes(routes!(supporting::post_supporter))
        .routes(routes!(supporting::post_contribution))
        .routes(routes!(supporting::supported_cases))
        .routes(routes!(overdue::overdue_cases))
        .routes(routes!(export::ombudsman_export))
        .routes(routes!(approval::approvals))
        .routes(routes!(approval::review))
        .routes(routes!(notes::case_notes, notes::post_note))
        .routes(routes!(templates::templates, templates::post_template))
        .routes(routes!(templates::delete_template))
        .with_state(state)
}
