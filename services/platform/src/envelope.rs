//! Building and reading envelopes the same way in every service.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::bus::HandlerError;
use crate::proto::{Actor, Envelope, Role, Timestamp, envelope::Event};

/// A new envelope about `report_id`, with a fresh UUIDv7 and the time now.
pub fn new_envelope(report_id: Uuid, actor: Actor, event: Event) -> Envelope {
    envelope_with(report_id.to_string(), actor, event)
}

/// A new envelope about no report (the registry's changes).
pub fn new_registry_envelope(actor: Actor, event: Event) -> Envelope {
    envelope_with(String::new(), actor, event)
}

fn envelope_with(report_id: String, actor: Actor, event: Event) -> Envelope {
    let now = Utc::now();
    Envelope {
        message_id: Uuid::now_v7().to_string(),
        report_id,
        occurred_at: Some(Timestamp {
            seconds: now.timestamp(),
            nanos: i32::try_from(now.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        actor: Some(actor),
        event: Some(event),
        // Set by the outbox, from the report's clock, when it is enqueued.
        sequence: 0,
    }
}

/// A service acting on its own.
pub fn system_actor(service: &str) -> Actor {
    Actor { role: Role::System as i32, pseudonym: service.to_owned() }
}

/// The report id of a received envelope; a message without one can never be applied.
pub fn report_id(envelope: &Envelope) -> Result<Uuid, HandlerError> {
    Uuid::parse_str(&envelope.report_id)
        .map_err(|error| HandlerError::Permanent(format!("report id {:?} is not a UUID: {error}", envelope.report_id)))
}

/// When the event happened; the epoch if the producer did not say.
pub fn occurred_at(envelope: &Envelope) -> DateTime<Utc> {
    envelope
        .occurred_at
        .as_ref()
        .and_then(|at| DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0)))
        .unwrap_or(DateTime::UNIX_EPOCH)
}
