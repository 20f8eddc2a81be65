//! Following a report as it moves: intake's reaction to other services'
//! events, which becomes the status and timeline the citizen sees.

use aduan_platform::bus::HandlerError;
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::envelope::{occurred_at, report_id};
use aduan_platform::proto::{self, Envelope, envelope::Event};
use aduan_procedure::Status;
use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QuerySelect, Set};
use uuid::Uuid;

use crate::entities::{report, report_update};

/// Applies assignment, follow-ups, resolution and closing to intake's copy.
#[derive(Debug, Clone, Copy)]
pub struct FollowReports;

struct Change {
    status: Option<Status>,
    institution: Option<(String, String)>,
    update: Option<(&'static str, String)>,
}

fn change_for(event: &Event, current_institution: Option<&str>, merged_into: Option<&str>) -> Option<Change> {
    let institution_name = current_institution.unwrap_or("the institution").to_owned();
    let change = match event {
        Event::Assigned(assigned) => Change {
            status: Some(Status::Assigned),
            institution: Some((assigned.institution_id.clone(), assigned.institution_name.clone())),
            update: Some(("assigned", format!("Sent to {}.", assigned.institution_name))),
        },
        Event::CaseOpened(_) => Change {
            status: None,
            institution: None,
            update: Some(("received", format!("Received in the inbox of {institution_name}."))),
        },
        Event::Returned(returned) => Change {
            status: Some(Status::Returned),
            institution: None,
            update: Some((
                "returned",
                format!(
                    "{institution_name} says this is not its authority ({}); finding the right institution.",
                    returned.reason
                ),
            )),
        },
        Event::FollowUpPosted(follow_up) => Change {
            status: Some(Status::InFollowUp),
            institution: None,
            update: Some(("follow_up", follow_up.message.clone())),
        },
        Event::Resolved(resolved) => Change {
            status: Some(Status::Resolved),
            institution: None,
            update: Some(("resolved", resolved.summary.clone())),
        },
        Event::Closed(closed) => Change {
            status: Some(Status::Closed),
            institution: None,
            update: Some(("closed", format!("Closed ({}).", closed.reason))),
        },
        Event::Deferred(deferred) => Change {
            status: Some(Status::Deferred),
            institution: None,
            update: Some(("deferred", format!("The verifier asks: {}", deferred.question))),
        },
        Event::Archived(archived) => Change {
            status: Some(Status::Archived),
            institution: None,
            update: Some(("archived", archive_text(&archived.reason, &archived.note))),
        },
        Event::Merged(_) => Change {
            status: Some(Status::Merged),
            institution: None,
            update: Some((
                "merged",
                match merged_into {
                    Some(code) => format!("The same problem was reported earlier; follow it as {code}."),
                    None => "The same problem was reported earlier; it is followed there.".to_owned(),
                },
            )),
        },
        Event::QuestionAsked(asked) => Change {
            status: Some(Status::AwaitingCitizen),
            institution: None,
            update: Some(("question", format!("{institution_name} asks: {}", asked.question))),
        },
        // The citizen's own steps: intake recorded them when they were taken.
        Event::Filed(_)
        | Event::Accepted(_)
        | Event::Clarified(_)
        | Event::CitizenReplied(_)
        | Event::Disputed(_)
        | Event::Appealed(_)
        | Event::ReferredToOmbudsman(_) => return None,
        // Work between institutions and their units; the citizen sees its outcome.
        Event::Escalated(_)
        | Event::ForwardedToUnit(_)
        | Event::UnitAnswered(_)
        | Event::SupportRequested(_)
        | Event::SupportGiven(_) => return None,
        Event::RegistryChanged(_) => return None,
        // Not a step of the procedure: see `raise_privacy`.
        Event::PrivacyRaised(_) => return None,
    };
    Some(change)
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

/// Puts an entry on the report's timeline, under the event's message id.
async fn record_update(
    txn: &DatabaseTransaction,
    envelope: &Envelope,
    report_id: Uuid,
    kind: &str,
    institution_name: Option<String>,
    text: String,
) -> Result<(), HandlerError> {
    let id = Uuid::parse_str(&envelope.message_id)
        .map_err(|error| HandlerError::Permanent(format!("message id: {error}")))?;
    report_update::ActiveModel {
        id: Set(id),
        report_id: Set(report_id),
        occurred_at: Set(occurred_at(envelope)),
        kind: Set(kind.to_owned()),
        institution_name: Set(institution_name),
        text: Set(text),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A verifier raised the report's privacy: it only ever rises, whatever
/// order events arrive in, and the citizen is told why.
async fn raise_privacy(
    txn: &DatabaseTransaction,
    envelope: &Envelope,
    report: report::Model,
    raised: &proto::PrivacyRaised,
) -> Result<(), HandlerError> {
    let name = proto::Privacy::name_of(raised.privacy);
    let text = format!("The verifier made this report {name}: {}", raised.reason);
    record_update(txn, envelope, report.id, "privacy", report.institution_name.clone(), text).await?;
    if proto::Privacy::is_raise(&report.privacy, name) {
        let mut active = report.into_active_model();
        active.privacy = Set(name.to_owned());
        active.update(txn).await?;
    }
    Ok(())
}

#[async_trait]
impl ApplyEvent for FollowReports {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some(event) = &envelope.event else { return Ok(()) };
        if matches!(event, Event::RegistryChanged(_)) {
            // Not about a report: the registry copy in front took it in.
            return Ok(());
        }
        let report_id = report_id(envelope)?;
        // Locked: events of one report handled in parallel must not overwrite each other.
        let Some(report) = report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("no report {report_id} in intake")));
        };
        if let Event::PrivacyRaised(raised) = event {
            return raise_privacy(txn, envelope, report, raised).await;
        }
        let merged_into = match event {
            Event::Merged(merged) => match Uuid::parse_str(&merged.into_report_id) {
                Ok(id) => report::Entity::find_by_id(id).one(txn).await?.map(|original| original.tracking_code),
                Err(_) => None,
            },
            _ => None,
        };
        let Some(change) = change_for(event, report.institution_name.as_deref(), merged_into.as_deref()) else {
            return Ok(());
        };
        let at = occurred_at(envelope);
        let institution_name =
            change.institution.as_ref().map(|(_, name)| name.clone()).or_else(|| report.institution_name.clone());
        if let Some((kind, text)) = change.update {
            record_update(txn, envelope, report_id, kind, institution_name, text).await?;
        }
        // Events from different services may arrive out of order: the latest
        // event decides the status, an older one only adds to the timeline.
        // Closed, archived and merged stay so whatever arrives after.
        let is_done = Status::parse(&report.status).is_some_and(|status| status == Status::Closed || status.is_final());
        if at >= report.status_changed_at && !is_done {
            let mut active = report.into_active_model();
            if let Some(status) = change.status {
                active.status = Set(status.as_str().to_owned());
                active.status_changed_at = Set(at);
            }
            if let Some((id, name)) = change.institution {
                active.institution_id = Set(Some(id));
                active.institution_name = Set(Some(name));
            }
            active.update(txn).await?;
        }
        Ok(())
    }
}
