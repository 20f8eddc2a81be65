//! Following a report as it moves: intake's reaction to other services'
//! events, which becomes the status and timeline the citizen sees.

use aduan_platform::bus::HandlerError;
use aduan_platform::consumer::ApplyEvent;
use aduan_platform::envelope::{occurred_at, report_id};
use aduan_platform::proto::{Envelope, envelope::Event};
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

fn change_for(event: &Event, current_institution: Option<&str>) -> Option<Change> {
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
        Event::Filed(_) | Event::Accepted(_) => return None,
    };
    Some(change)
}

#[async_trait]
impl ApplyEvent for FollowReports {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some(event) = &envelope.event else { return Ok(()) };
        let report_id = report_id(envelope)?;
        // Locked: events of one report handled in parallel must not overwrite each other.
        let Some(report) = report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("no report {report_id} in intake")));
        };
        let Some(change) = change_for(event, report.institution_name.as_deref()) else { return Ok(()) };
        let at = occurred_at(envelope);
        let institution_name =
            change.institution.as_ref().map(|(_, name)| name.clone()).or_else(|| report.institution_name.clone());
        if let Some((kind, text)) = change.update {
            let id = Uuid::parse_str(&envelope.message_id)
                .map_err(|error| HandlerError::Permanent(format!("message id: {error}")))?;
            report_update::ActiveModel {
                id: Set(id),
                report_id: Set(report_id),
                occurred_at: Set(at),
                kind: Set(kind.to_owned()),
                institution_name: Set(institution_name),
                text: Set(text),
            }
            .insert(txn)
            .await?;
        }
        // Events from different services may arrive out of order: the latest
        // event decides the status, an older one only adds to the timeline.
        // Closed is final whatever arrives after it.
        let is_closed = report.status == Status::Closed.as_str();
        if at >= report.status_changed_at && !is_closed {
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
