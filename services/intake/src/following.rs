//! Following a report as it moves: intake's reaction to other services'
//! events, which becomes the status and timeline the citizen sees. Events
//! are ordered by their sequence, not by the producers' clocks: a fact that
//! arrives late joins the timeline in its place and never sets the status
//! back.

use aduan_platform::bus::{HandlerError, Incoming};
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::envelope::{occurred_at, report_id};
use aduan_platform::proto::{self, Envelope, envelope::Event};
use aduan_platform::report_order;
use aduan_procedure::{EscalationStep, Status};
use async_trait::async_trait;
use std::collections::BTreeMap;

use aduan_platform::database::placeholders;
use sea_orm::{
    ConnectionTrait as _, DatabaseTransaction, DbErr, EntityTrait, IdenStatic as _, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::entities::{report, report_update};

/// Applies assignment, follow-ups, resolution and closing to intake's copy.
#[derive(Debug, Clone, Copy)]
pub struct FollowReports;

/// What one event changes for the citizen.
struct Change {
    status: Option<Status>,
    institution: Option<(String, String)>,
    update: Option<(&'static str, String)>,
}

impl Change {
    fn status(status: Status, kind: &'static str, text: String) -> Self {
        Self { status: Some(status), institution: None, update: Some((kind, text)) }
    }

    fn note(kind: &'static str, text: String) -> Self {
        Self { status: None, institution: None, update: Some((kind, text)) }
    }
}

/// What the citizen is told of an escalation.
fn escalation_text(escalated: &proto::Escalated, institution: &str) -> String {
    if escalated.clock == "appeal" {
        return format!(
            "{institution} has no level above it: your appeal goes to the national verifier, who may give the \\
             report to another institution or uphold the answer."
        );
    }
    let what = match escalated.clock.as_str() {
        "verification" => "Verifying your report is taking longer than the procedure allows",
        "first_follow_up" => "The first answer is late",
        "resolution" => "The resolution is late",
        "unit_branch" => "A unit's part of the work is late",
        _ => "A step is late",
    };
    let who = match EscalationStep::parse(&escalated.to) {
        Some(EscalationStep::Coordinator) => "its coordinator was told",
        Some(EscalationStep::ParentLevel) => "the level above it was told",
        Some(EscalationStep::NationalVerifier) | None => "the national verifier was told",
    };
    format!("{what}; {who}.")
}

fn change_for(event: &Event, institution: &str) -> Option<Change> {
    let change = match event {
        Event::Assigned(assigned) => Change {
            status: Some(Status::Assigned),
            institution: Some((assigned.institution_id.clone(), assigned.institution_name.clone())),
            update: Some(("assigned", format!("Sent to {}.", assigned.institution_name))),
        },
        Event::CaseOpened(_) => Change::note("received", format!("Received in the inbox of {institution}.")),
        Event::Returned(returned) => Change::status(
            Status::Returned,
            "returned",
            format!(
                "{institution} says this is not its authority ({}); finding the right institution.",
                returned.reason
            ),
        ),
        Event::FollowUpPosted(follow_up) => Change::status(Status::InFollowUp, "follow_up", follow_up.message.clone()),
        Event::Resolved(resolved) => Change::status(Status::Resolved, "resolved", resolved.summary.clone()),
        Event::Closed(closed) => Change::status(Status::Closed, "closed", closed_text(&closed.reason)),
        Event::Deferred(deferred) => {
            Change::status(Status::Deferred, "deferred", format!("The verifier asks: {}", deferred.question))
        }
        Event::Archived(archived) => {
            Change::status(Status::Archived, "archived", archive_text(&archived.reason, &archived.note))
        }
        Event::Merged(_) => Change::status(
            Status::Merged,
            "merged",
            "The same problem was reported earlier; this report now shows that report's progress.".to_owned(),
        ),
        Event::QuestionAsked(asked) => {
            Change::status(Status::AwaitingCitizen, "question", format!("{institution} asks: {}", asked.question))
        }
        Event::QuestionLapsed(_) => Change::status(
            Status::InFollowUp,
            "question_lapsed",
            format!("The question was not answered in time; {institution} goes on without the answer."),
        ),
        Event::AppealUpheld(upheld) => Change::status(
            Status::Closed,
            "appeal_upheld",
            format!(
                "The national verifier upheld the answer: {} If you are still not satisfied, you may refer the \\
                 case to the ombudsman.",
                upheld.reason
            ),
        ),
        Event::Escalated(escalated) => Change::note("escalated", escalation_text(escalated, institution)),
        // The citizen's own steps: intake recorded them when they were taken.
        Event::Filed(_)
        | Event::Accepted(_)
        | Event::Clarified(_)
        | Event::CitizenReplied(_)
        | Event::Disputed(_)
        | Event::Appealed(_)
        | Event::ReferredToOmbudsman(_) => return None,
        // Work between institutions and their units; the citizen sees its outcome.
        Event::ForwardedToUnit(_) | Event::UnitAnswered(_) | Event::SupportRequested(_) | Event::SupportGiven(_) => {
            return None;
        }
        // A resolution waiting for a supervisor is not the citizen's to see yet.
        Event::ResolutionProposed(_) | Event::ResolutionRejected(_) => return None,
        Event::RegistryChanged(_) | Event::AccountChanged(_) => return None,
        // Not a step of the procedure: see `raise_privacy`.
        Event::PrivacyRaised(_) => return None,
        // Intake's own: the verifier changed the public record here.
        Event::PublicationChanged(_) => return None,
        // Not a step: kept apart (see `keep_deadlines`).
        Event::DeadlinesSet(_) => return None,
        // An auditor's review is between the auditor and the institution.
        Event::ReviewSampleDrawn(_) | Event::CaseReviewed(_) => return None,
    };
    Some(change)
}

fn closed_text(reason: &str) -> String {
    match reason {
        "accepted" => "Closed: you accepted the answer.".to_owned(),
        "silence" => "Closed: no reply came within the time allowed after the answer.".to_owned(),
        reason => format!("Closed ({reason})."),
    }
}

fn archive_text(reason: &str, note: &str) -> String {
    let why = match reason {
        "not_public_service" => "it is not about a public service",
        "too_vague" => "it is too vague to act on",
        "spam" => "it is not a genuine report",
        _ => "the verifier did not take it up",
    };
    if note.is_empty() { format!("Archived: {why}.") } else { format!("Archived: {why}. {note}") }
}

/// What following events writes besides the reports themselves.
#[derive(Default)]
struct Writes {
    /// Entries for the citizens' timelines.
    updates: Vec<report_update::ActiveModel>,
    /// Notifications owed: the event and the kind of update.
    owed: Vec<(Envelope, Uuid, &'static str)>,
}

impl Writes {
    /// Puts an entry on the report's timeline, under the event's message id
    /// and in the event's place in the report's order.
    fn record_update(
        &mut self,
        envelope: &Envelope,
        report_id: Uuid,
        kind: &str,
        institution_name: Option<String>,
        text: String,
    ) -> Result<(), HandlerError> {
        let id = Uuid::parse_str(&envelope.message_id)
            .map_err(|error| HandlerError::Permanent(format!("message id: {error}")))?;
        self.updates.push(report_update::ActiveModel {
            id: Set(id),
            report_id: Set(report_id),
            occurred_at: Set(occurred_at(envelope)),
            sequence: Set(report_order::stored(envelope.sequence)),
            kind: Set(kind.to_owned()),
            institution_name: Set(institution_name),
            text: Set(text),
            recorded_at: Set(Some(chrono::Utc::now())),
        });
        Ok(())
    }

    async fn write(self, txn: &DatabaseTransaction) -> Result<(), HandlerError> {
        // Eight parameters a row: well within a statement's limit.
        for chunk in self.updates.chunks(1000) {
            report_update::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        }
        for (envelope, report_id, kind) in &self.owed {
            crate::notifying::owe(txn, envelope, *report_id, kind).await?;
        }
        Ok(())
    }
}

/// A verifier raised the report's privacy: it only ever rises, whatever
/// order events arrive in, and the citizen is told why.
fn raise_privacy(
    writes: &mut Writes,
    envelope: &Envelope,
    report: &mut report::Model,
    raised: &proto::PrivacyRaised,
) -> Result<(), HandlerError> {
    let name = proto::Privacy::name_of(raised.privacy);
    let text = format!("The verifier made this report {name}: {}", raised.reason);
    writes.record_update(envelope, report.id, "privacy", report.institution_name.clone(), text)?;
    if proto::Privacy::is_raise(&report.privacy, name) {
        name.clone_into(&mut report.privacy);
    }
    Ok(())
}

/// One deadline as the citizen is shown it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DeadlineView {
    /// first_follow_up, resolution, citizen_silence, citizen_answer, ...
    pub clock: String,
    /// Its last working day; absent while the clock is paused (waiting for the citizen).
    pub due_on: Option<chrono::NaiveDate>,
}

/// Keeps the clocks resolution announced (by a `deadlines_set`, or with a
/// case's opening), unless a later announcement is already kept.
fn keep_deadlines(
    envelope: &Envelope,
    report: &mut report::Model,
    announced: &[proto::Deadline],
) -> Result<(), HandlerError> {
    if !report_order::is_later(envelope.sequence, report.deadlines_sequence) {
        return Ok(());
    }
    let deadlines: Vec<DeadlineView> = announced
        .iter()
        .map(|deadline| DeadlineView { clock: deadline.clock.clone(), due_on: deadline.due_on.parse().ok() })
        .collect();
    let json = serde_json::to_string(&deadlines).map_err(|error| HandlerError::Permanent(error.to_string()))?;
    report.deadlines = Some(json);
    report.deadlines_sequence = report_order::stored(envelope.sequence);
    Ok(())
}

/// Follows `event` on `report`, in memory; what else it writes goes to `writes`.
fn follow(
    writes: &mut Writes,
    envelope: &Envelope,
    event: &Event,
    report: &mut report::Model,
) -> Result<(), HandlerError> {
    if let Event::PrivacyRaised(raised) = event {
        return raise_privacy(writes, envelope, report, raised);
    }
    if let Event::DeadlinesSet(set) = event {
        return keep_deadlines(envelope, report, &set.deadlines);
    }
    if let Event::CaseOpened(opened) = event
        && !opened.deadlines.is_empty()
    {
        keep_deadlines(envelope, report, &opened.deadlines)?;
    }
    let institution = report.institution_name.clone().unwrap_or_else(|| "the institution".to_owned());
    let Some(change) = change_for(event, &institution) else {
        return Ok(());
    };
    let institution_name =
        change.institution.as_ref().map(|(_, name)| name.clone()).or_else(|| report.institution_name.clone());
    let kind = change.update.as_ref().map(|(kind, _)| *kind);
    if let Some((kind, text)) = change.update {
        writes.record_update(envelope, report.id, kind, institution_name, text)?;
    }
    // Only a later fact sets the status; an earlier one that arrives now
    // only takes its place on the timeline. Archived, merged and referred
    // stay so whatever arrives after.
    let is_final = Status::parse(&report.status).is_some_and(Status::is_final);
    if !report_order::is_later(envelope.sequence, report.status_sequence) || is_final {
        return Ok(());
    }
    if let Some(kind) = kind.filter(|kind| crate::notifying::NOTIFIED.contains(kind))
        && report.notify_token.is_some()
        && report.notifications_stopped_at.is_none()
    {
        writes.owed.push((envelope.clone(), report.id, kind));
    }
    if let Some(status) = change.status {
        status.as_str().clone_into(&mut report.status);
        report.status_changed_at = occurred_at(envelope);
        report.status_sequence = report_order::stored(envelope.sequence);
    }
    if let Some((id, name)) = change.institution {
        report.institution_id = Some(id);
        report.institution_name = Some(name);
    }
    if let Event::Merged(merged) = event {
        report.merged_into = Uuid::parse_str(&merged.into_report_id).ok();
    }
    Ok(())
}

/// `report`, as filed, after following `story` (its events, in order) one
/// by one, and the entries of its timeline: what intake would hold had it
/// received them. `aduan load` writes this instead of sending the events.
/// Notifications owed are not returned: they are for reports whose citizen
/// left an address, which a loaded report has not.
pub fn follow_story(
    report: &mut report::Model,
    story: &[Envelope],
) -> Result<Vec<report_update::ActiveModel>, HandlerError> {
    let mut writes = Writes::default();
    for envelope in story {
        if let Some(event) = report_event(envelope) {
            follow(&mut writes, envelope, event, report)?;
        }
    }
    Ok(writes.updates)
}

/// The event of `envelope` if it concerns a report's copy here (the
/// registry's changes are taken by the copy in front).
fn report_event(envelope: &Envelope) -> Option<&Event> {
    envelope.event.as_ref().filter(|event| !matches!(event, Event::RegistryChanged(_)))
}

/// Writes what changed of each followed report since it was read, as pairs
/// (read, followed): one statement for the reports whose same columns
/// changed, whatever their number.
async fn store_changes(txn: &DatabaseTransaction, pairs: Vec<(report::Model, report::Model)>) -> Result<(), DbErr> {
    use sea_orm::{Iterable as _, ModelTrait as _};
    let mut by_columns: BTreeMap<Vec<&'static str>, (Vec<report::Column>, Vec<report::Model>)> = BTreeMap::new();
    for (read, followed) in pairs {
        let changed: Vec<report::Column> =
            report::Column::iter().filter(|column| read.get(*column) != followed.get(*column)).collect();
        if changed.is_empty() {
            continue;
        }
        let names = changed.iter().map(|column| column.as_str()).collect();
        by_columns.entry(names).or_insert_with(|| (changed, Vec::new())).1.push(followed);
    }
    for (columns, reports) in by_columns.values() {
        // (Columns changed + 1) parameters a report, at most about 15,000:
        // within both databases' limits.
        for chunk in reports.chunks(500) {
            update_columns(txn, columns, chunk).await?;
        }
    }
    Ok(())
}

/// Sets `columns` of each of `reports` to its value there, in one statement.
async fn update_columns(
    txn: &DatabaseTransaction,
    columns: &[report::Column],
    reports: &[report::Model],
) -> Result<(), DbErr> {
    use sea_orm::ModelTrait as _;
    let backend = txn.get_database_backend();
    let mut values = Vec::with_capacity(reports.len() * (columns.len() + 1));
    let mut rows = Vec::with_capacity(reports.len());
    for report in reports {
        let mut row = Vec::with_capacity(columns.len() + 1);
        for column in std::iter::once(&report::Column::Id).chain(columns) {
            values.push(report.get(*column));
            row.push(format!("${}", values.len()));
        }
        rows.push(format!("({})", row.join(", ")));
    }
    let names: Vec<String> = columns.iter().map(|column| format!("\"{}\"", column.as_str())).collect();
    let sets: Vec<String> = names.iter().map(|name| format!("{name} = changed.{name}")).collect();
    // SQLite names a VALUES list's columns only through a common table expression.
    let sql = format!(
        "WITH changed (\"id\", {names}) AS (VALUES {rows}) \
         UPDATE \"report\" SET {sets} FROM changed WHERE \"report\".\"id\" = changed.\"id\"",
        names = names.join(", "),
        rows = rows.join(", "),
        sets = sets.join(", "),
    );
    txn.execute_raw(Statement::from_sql_and_values(backend, placeholders(backend, &sql), values)).await?;
    Ok(())
}

#[async_trait]
impl ApplyEvent for FollowReports {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some(event) = report_event(envelope) else { return Ok(()) };
        let report_id = report_id(envelope)?;
        // Locked: events of one report handled in parallel must not overwrite each other.
        let Some(read) = report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("no report {report_id} in intake")));
        };
        let mut report = read.clone();
        let mut writes = Writes::default();
        follow(&mut writes, envelope, event, &mut report)?;
        writes.write(txn).await?;
        Ok(store_changes(txn, vec![(read, report)]).await?)
    }

    /// The batch's reports are read and locked in one statement (in the
    /// order of their ids, as every batch locks them), followed in memory
    /// event by event, and written in one statement per set of columns
    /// changed, with the timelines' entries in one statement.
    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        use sea_orm::{ColumnTrait as _, QueryFilter as _, QueryOrder as _};
        let mut wanted = std::collections::BTreeSet::new();
        for incoming in batch {
            if report_event(&incoming.envelope).is_some() {
                wanted.insert(report_id(&incoming.envelope)?);
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let read: Vec<report::Model> = report::Entity::find()
            .filter(report::Column::Id.is_in(wanted.iter().copied()))
            .order_by_asc(report::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await?;
        let mut followed: std::collections::HashMap<Uuid, report::Model> =
            read.iter().map(|report| (report.id, report.clone())).collect();
        let mut writes = Writes::default();
        for incoming in batch {
            let envelope = &incoming.envelope;
            let Some(event) = report_event(envelope) else { continue };
            let report_id = report_id(envelope)?;
            let report = followed
                .get_mut(&report_id)
                .ok_or_else(|| HandlerError::Permanent(format!("no report {report_id} in intake")))?;
            incoming.span.in_scope(|| follow(&mut writes, envelope, event, report))?;
        }
        writes.write(txn).await?;
        let pairs =
            read.into_iter().filter_map(|read| followed.remove(&read.id).map(|report| (read, report))).collect();
        Ok(store_changes(txn, pairs).await?)
    }
}
