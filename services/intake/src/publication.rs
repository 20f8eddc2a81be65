//! What of a report the public may read (PROCEDURE.md, "Privacy of the
//! reporter"): a public or anonymous report's text once it passed
//! verification, that is once it was assigned (by a routing rule that is
//! certain, or by a verifier when none is); never a confidential one's,
//! never one still waiting, archived or merged, and never the reporter's
//! identity (it is not in the report at all). The institutions' answers on
//! a published report are public too, as LAPOR!'s are.

use aduan_procedure::Status;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition};

use crate::entities::report;

/// Statuses a report is in before a verifier let it through, or when it was
/// let go without an institution: not published.
const UNVERIFIED: [Status; 4] = [Status::Submitted, Status::Deferred, Status::Archived, Status::Merged];

/// Statuses that an Open311 client reads as `closed`; any other is `open`.
const CLOSED: [Status; 5] =
    [Status::Resolved, Status::Closed, Status::ReferredToOmbudsman, Status::Archived, Status::Merged];

/// The kinds of a report's updates that show its progress without anything
/// its own citizen was asked or told: what the public record shows, and
/// what a duplicate's citizen may follow.
pub const PROGRESS_KINDS: [&str; 8] =
    ["assigned", "received", "returned", "follow_up", "resolved", "closed", "escalated", "appeal_upheld"];

/// Privacy levels whose text is published after verification.
pub const PUBLISHED_PRIVACY: [&str; 2] = ["public", "anonymous"];

/// Whether a report with `privacy` in `status` may be on the public record.
fn may_be_published(privacy: &str, status: &str) -> bool {
    PUBLISHED_PRIVACY.contains(&privacy) && Status::parse(status).is_some_and(|status| !UNVERIFIED.contains(&status))
}

/// Whether `report` is on the public record: it may be, and no verifier kept it off.
pub fn is_published(report: &report::Model) -> bool {
    may_be_published(&report.privacy, &report.status) && report.withdrawn_at.is_none()
}

/// The reports on the public record, in `statuses` (of the published ones), as a query condition.
pub fn published_in<'a>(statuses: impl IntoIterator<Item = &'a str>) -> Condition {
    Condition::all()
        .add(report::Column::Privacy.is_in(PUBLISHED_PRIVACY))
        .add(report::Column::Status.is_in(statuses))
        .add(report::Column::WithdrawnAt.is_null())
}

/// The title the public record shows: the verifier's redaction, else the citizen's.
pub fn public_title(report: &report::Model) -> &str {
    report.public_title.as_deref().unwrap_or(&report.title)
}

/// The description the public record shows: the verifier's redaction, else the citizen's.
pub fn public_description(report: &report::Model) -> &str {
    report.public_description.as_deref().unwrap_or(&report.description)
}

/// The published title and description, lower-cased, for a search: the
/// words a verifier took out cannot be found.
pub fn searchable_texts() -> [Expr; 2] {
    let published = |redacted: report::Column, original: report::Column| {
        Expr::expr(Func::lower(Func::coalesce([Expr::col(redacted), Expr::col(original)])))
    };
    [
        published(report::Column::PublicTitle, report::Column::Title),
        published(report::Column::PublicDescription, report::Column::Description),
    ]
}

/// The statuses a published report can be in.
pub fn published_statuses() -> impl Iterator<Item = Status> {
    Status::ALL.into_iter().filter(|status| !UNVERIFIED.contains(status))
}

/// Whether `status` reads as closed to someone who knows only open and closed.
pub fn is_closed(status: &str) -> bool {
    Status::parse(status).is_some_and(|status| CLOSED.contains(&status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_verified_public_and_anonymous_reports_are_published() {
        assert!(may_be_published("public", "assigned"));
        assert!(may_be_published("anonymous", "closed"));
        assert!(!may_be_published("confidential", "assigned"));
        assert!(!may_be_published("public", "submitted"));
        assert!(!may_be_published("public", "archived"));
        assert!(!may_be_published("public", "no_such_status"));
    }

    #[test]
    fn open_and_closed_cover_every_status() {
        assert!(is_closed("resolved"));
        assert!(is_closed("closed"));
        assert!(!is_closed("reopened"));
        assert!(!is_closed("awaiting_citizen"));
        assert_eq!(published_statuses().count(), Status::ALL.len() - UNVERIFIED.len());
    }
}
