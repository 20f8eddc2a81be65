//! Each report's whole history, from every service's events, in the report's
//! order: what resolution did itself (recorded as it announces it) and what
//! the others did (recorded as their events arrive). The ombudsman's export
//! is read from here, so it holds intake's timeline, routing's decisions and
//! returns, and the institutions' work, and never an identity.

use aduan_platform::envelope::occurred_at;
use aduan_platform::outbox::{self, Outgoing};
use aduan_platform::proto::{self, Envelope, envelope::Event};
use aduan_platform::report_order;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use crate::entities::report_history;

/// Announces `envelope` (through the outbox, in the caller's transaction)
/// and records it in its report's history; answers its sequence.
pub async fn emit<C: ConnectionTrait>(conn: &C, envelope: Envelope) -> Result<u64, DbErr> {
    let sequenced = emit_all(conn, vec![Outgoing::here(envelope)]).await?;
    Ok(sequenced.first().map_or(0, |envelope| envelope.sequence))
}

/// Announces `events` and records them as [`emit`] does one, in a few
/// statements whatever their number; a report's events are numbered in
/// their order here. Answers their envelopes with their sequences.
pub async fn emit_all<C: ConnectionTrait>(conn: &C, events: Vec<Outgoing>) -> Result<Vec<Envelope>, DbErr> {
    let sequenced = outbox::enqueue_all(conn, events).await?;
    record_all(conn, &sequenced.iter().collect::<Vec<_>>()).await?;
    Ok(sequenced)
}

/// Records `envelope` in its report's history, once.
pub async fn record<C: ConnectionTrait>(conn: &C, envelope: &Envelope) -> Result<(), DbErr> {
    record_all(conn, &[envelope]).await
}

/// Records each of `envelopes` in its report's history, once, in one statement.
pub async fn record_all<C: ConnectionTrait>(conn: &C, envelopes: &[&Envelope]) -> Result<(), DbErr> {
    let rows: Vec<report_history::ActiveModel> = envelopes.iter().flat_map(|envelope| rows_of(envelope)).collect();
    // Eight parameters a row: well within a statement's limit.
    for chunk in rows.chunks(1000) {
        report_history::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::column(report_history::Column::Id).do_nothing().to_owned())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The history's rows for `envelope`: its own, and for a merge the
/// original's note of it; none for an event about no report (and none for
/// the ones the history does not tell, such as deadlines announced).
pub fn rows_of(envelope: &Envelope) -> Vec<report_history::ActiveModel> {
    let (Some(event), Ok(report_id), Ok(id)) =
        (&envelope.event, Uuid::parse_str(&envelope.report_id), Uuid::parse_str(&envelope.message_id))
    else {
        return Vec::new();
    };
    let Some(summary) = summary(event) else { return Vec::new() };
    let mut rows = vec![row(id, report_id, envelope, event.name(), summary)];
    // The original report's history tells of each duplicate merged into it.
    if let Event::Merged(merged) = event
        && let Ok(original) = Uuid::parse_str(&merged.into_report_id)
    {
        let id = Uuid::new_v5(&id, b"merged-into");
        let summary = format!("Report {report_id} was merged into this one as a duplicate.");
        rows.push(row(id, original, envelope, "duplicate_merged", summary));
    }
    rows
}

fn row(id: Uuid, report_id: Uuid, envelope: &Envelope, event: &str, summary: String) -> report_history::ActiveModel {
    let actor = envelope.actor.clone().unwrap_or_default();
    let role = proto::Role::try_from(actor.role).unwrap_or(proto::Role::Unspecified);
    report_history::ActiveModel {
        id: Set(id),
        report_id: Set(report_id),
        sequence: Set(report_order::stored(envelope.sequence)),
        occurred_at: Set(occurred_at(envelope)),
        event: Set(event.to_owned()),
        actor_role: Set(role.as_str_name().trim_start_matches("ROLE_").to_ascii_lowercase()),
        actor: Set(actor.pseudonym),
        summary: Set(summary),
    }
}

fn with_words(what: String, words: &str) -> String {
    if words.is_empty() { format!("{what}.") } else { format!("{what}: {words}") }
}

/// What an event says happened, in words; `None` for events about no report.
fn summary(event: &Event) -> Option<String> {
    Some(match event {
        Event::Filed(filed) => {
            let content = filed.content.clone().unwrap_or_default();
            format!(
                "Filed through {} as a {} about {} in {}. {}: {}",
                filed.channel,
                kind_name(content.kind),
                content.category,
                content.region,
                content.title,
                content.description
            )
        }
        Event::Assigned(assigned) => {
            let mut text = format!(
                "Assigned to {} ({}), by {}",
                assigned.institution_name, assigned.institution_id, assigned.matched_by
            );
            if !assigned.tier.is_empty() {
                text.push_str(&format!(", tier {}", assigned.tier));
            }
            with_words(text, &assigned.note)
        }
        Event::CaseOpened(opened) => format!("Opened in the inbox of {}.", opened.institution_id),
        Event::Returned(returned) => {
            with_words(format!("Returned by {} as not its authority", returned.institution_id), &returned.reason)
        }
        Event::FollowUpPosted(posted) => with_words(format!("Follow-up by {}", posted.institution_id), &posted.message),
        Event::Resolved(resolved) => with_words(format!("Resolved by {}", resolved.institution_id), &resolved.summary),
        Event::Accepted(accepted) => {
            let mut text = "The citizen accepted the answer".to_owned();
            if accepted.rating > 0 {
                text.push_str(&format!(", rating {}/5", accepted.rating));
            }
            if let Ok(fixed) = proto::Fixed::try_from(accepted.fixed)
                && fixed != proto::Fixed::Unanswered
            {
                text.push_str(&format!(
                    ", fixed: {}",
                    fixed.as_str_name().trim_start_matches("FIXED_").to_ascii_lowercase()
                ));
            }
            with_words(text, &accepted.comment)
        }
        Event::Closed(closed) => format!("Closed ({}).", closed.reason),
        Event::Deferred(deferred) => {
            with_words("Deferred by the verifier, asking the citizen".into(), &deferred.question)
        }
        Event::Archived(archived) => with_words(format!("Archived ({})", archived.reason), &archived.note),
        Event::Merged(merged) => format!("Merged as a duplicate into report {}.", merged.into_report_id),
        Event::Clarified(clarified) => with_words("The citizen clarified".into(), &clarified.text),
        Event::QuestionAsked(asked) => {
            with_words(format!("{} asked the citizen", asked.institution_id), &asked.question)
        }
        Event::QuestionLapsed(lapsed) => {
            format!("The citizen did not answer {}'s question in time; the case resumed.", lapsed.institution_id)
        }
        Event::CitizenReplied(replied) => with_words("The citizen wrote".into(), &replied.text),
        Event::Disputed(disputed) => with_words("The citizen disputed the answer".into(), &disputed.reason),
        Event::Appealed(appealed) => with_words("The citizen appealed".into(), &appealed.reason),
        Event::AppealUpheld(upheld) => with_words("The national verifier upheld the answer".into(), &upheld.reason),
        Event::Escalated(escalated) => format!(
            "The {} clock ran out at {}; escalated to the {}{}.",
            escalated.clock,
            escalated.institution_id,
            escalated.to.replace('_', " "),
            if escalated.told_institution_id.is_empty() {
                String::new()
            } else {
                format!(" ({})", escalated.told_institution_id)
            }
        ),
        Event::ForwardedToUnit(forwarded) => format!("Forwarded to the unit {}.", forwarded.unit_id),
        Event::UnitAnswered(answered) => format!("The unit {} answered.", answered.unit_id),
        Event::ReferredToOmbudsman(referred) => {
            with_words("The citizen referred it to the ombudsman".into(), &referred.reason)
        }
        Event::SupportRequested(requested) => {
            with_words(format!("{} was asked to support", requested.institution_id), &requested.note)
        }
        Event::SupportGiven(given) => format!("{} contributed its part.", given.institution_id),
        Event::PrivacyRaised(raised) => {
            with_words(format!("The verifier made it {}", proto::Privacy::name_of(raised.privacy)), &raised.reason)
        }
        Event::ResolutionProposed(proposed) => {
            format!("{} proposed a resolution, which waits for a supervisor's approval.", proposed.institution_id)
        }
        Event::ResolutionRejected(rejected) => {
            format!("A supervisor of {} sent the proposed resolution back.", rejected.institution_id)
        }
        Event::PublicationChanged(changed) => with_words(
            if changed.withdrawn {
                "The verifier kept it off the public record".into()
            } else {
                "The verifier changed what the public record shows".into()
            },
            &changed.reason,
        ),
        // The clocks show on the case itself; the history keeps what people did.
        Event::RegistryChanged(_) | Event::AccountChanged(_) | Event::DeadlinesSet(_) => return None,
        // Audit keeps its reviews; the institution reads them there.
        Event::ReviewSampleDrawn(_) | Event::CaseReviewed(_) => return None,
    })
}

fn kind_name(kind: i32) -> &'static str {
    match proto::ReportKind::try_from(kind) {
        Ok(proto::ReportKind::Aspiration) => "aspiration",
        Ok(proto::ReportKind::InformationRequest) => "information request",
        _ => "complaint",
    }
}
