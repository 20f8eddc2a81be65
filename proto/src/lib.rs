//! The events on aduan's bus, generated from `proto/aduan/events/v1/events.proto`.
//!
//! Every event travels as an [`Envelope`]; its routing key on the topic exchange
//! is `report.<event>`, or `registry.changed` (see [`Envelope::routing_key`]).

#[allow(missing_debug_implementations, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/aduan.events.v1.rs"));
}

pub use generated::*;
pub use prost::Message;

include!(concat!(env!("OUT_DIR"), "/event_names.rs"));
pub use prost_types::Timestamp;

impl envelope::Event {
    /// The event's name on the bus, the last part of its routing key.
    pub fn name(&self) -> &'static str {
        use envelope::Event;
        match self {
            Event::Filed(_) => "filed",
            Event::Assigned(_) => "assigned",
            Event::CaseOpened(_) => "case_opened",
            Event::Returned(_) => "returned",
            Event::FollowUpPosted(_) => "follow_up_posted",
            Event::Resolved(_) => "resolved",
            Event::Accepted(_) => "accepted",
            Event::Closed(_) => "closed",
            Event::Deferred(_) => "deferred",
            Event::Archived(_) => "archived",
            Event::Merged(_) => "merged",
            Event::Clarified(_) => "clarified",
            Event::QuestionAsked(_) => "question_asked",
            Event::CitizenReplied(_) => "citizen_replied",
            Event::Disputed(_) => "disputed",
            Event::Appealed(_) => "appealed",
            Event::Escalated(_) => "escalated",
            Event::ForwardedToUnit(_) => "forwarded_to_unit",
            Event::UnitAnswered(_) => "unit_answered",
            Event::ReferredToOmbudsman(_) => "referred_to_ombudsman",
            Event::RegistryChanged(_) => "registry_changed",
            Event::SupportRequested(_) => "support_requested",
            Event::SupportGiven(_) => "support_given",
            Event::PrivacyRaised(_) => "privacy_raised",
            Event::AppealUpheld(_) => "appeal_upheld",
            Event::QuestionLapsed(_) => "question_lapsed",
            Event::AccountChanged(_) => "account_changed",
            Event::ResolutionProposed(_) => "resolution_proposed",
            Event::ResolutionRejected(_) => "resolution_rejected",
            Event::PublicationChanged(_) => "publication_changed",
            Event::DeadlinesSet(_) => "deadlines_set",
            Event::ReviewSampleDrawn(_) => "review_sample_drawn",
            Event::CaseReviewed(_) => "case_reviewed",
        }
    }

    /// Its routing key on the topic exchange: `report.<name>` for the events
    /// about a report, `registry.changed` for the registry's.
    pub fn routing_key(&self) -> String {
        routing_key_of(self.name())
    }
}

/// The routing key of the event named `name` (one of [`EVENT_NAMES`]).
pub fn routing_key_of(name: &str) -> String {
    match name {
        "registry_changed" => REGISTRY_CHANGED_KEY.to_owned(),
        "account_changed" => ACCOUNT_CHANGED_KEY.to_owned(),
        name => format!("{ROUTING_KEY_PREFIX}{name}"),
    }
}

impl Privacy {
    /// Its name in APIs and storage. A value this build does not know came
    /// from a newer producer: it counts as the most private.
    pub fn name_of(value: i32) -> &'static str {
        match Privacy::try_from(value) {
            Ok(Privacy::Public) => "public",
            Ok(Privacy::Anonymous) => "anonymous",
            _ => "confidential",
        }
    }

    /// The privacy named `name` (`public`, `anonymous`, `confidential`).
    pub fn from_name(name: &str) -> Option<Privacy> {
        match name {
            "public" => Some(Privacy::Public),
            "anonymous" => Some(Privacy::Anonymous),
            "confidential" => Some(Privacy::Confidential),
            _ => None,
        }
    }

    /// Whether `self` shows less than `other`: public, then anonymous, then confidential.
    pub fn is_above(self, other: Privacy) -> bool {
        (self as i32) > (other as i32)
    }

    /// Whether going from the privacy named `from` to the one named `to`
    /// shows less (a stored name this build does not know is replaced).
    pub fn is_raise(from: &str, to: &str) -> bool {
        match (Privacy::from_name(from), Privacy::from_name(to)) {
            (None, Some(_)) => true,
            (Some(from), Some(to)) => to.is_above(from),
            (_, None) => false,
        }
    }
}

/// The routing key prefix shared by every event about a report.
pub const ROUTING_KEY_PREFIX: &str = "report.";

/// The routing key of the registry's changes.
pub const REGISTRY_CHANGED_KEY: &str = "registry.changed";

/// The routing key of changes to staff accounts.
pub const ACCOUNT_CHANGED_KEY: &str = "account.changed";

impl Envelope {
    /// The event's routing key, or `report.unknown` for an envelope whose
    /// event this build does not know (it came from a newer producer).
    pub fn routing_key(&self) -> String {
        self.event.as_ref().map_or_else(|| format!("{ROUTING_KEY_PREFIX}unknown"), envelope::Event::routing_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filed() -> Envelope {
        Envelope {
            message_id: "0190a5b2-0000-7000-8000-000000000001".into(),
            report_id: "0190a5b2-0000-7000-8000-000000000002".into(),
            occurred_at: Some(Timestamp { seconds: 1_800_000_000, nanos: 0 }),
            sequence: 1,
            actor: Some(Actor { role: Role::Citizen as i32, pseudonym: "c-1".into() }),
            event: Some(envelope::Event::Filed(ReportFiled {
                content: Some(ReportContent {
                    kind: ReportKind::Complaint as i32,
                    category: "roads".into(),
                    region: "31.71".into(),
                    title: "Pothole".into(),
                    description: "Deep pothole".into(),
                    privacy: Privacy::Anonymous as i32,
                    tracking_code: "ADU-TEST".into(),
                }),
                channel: "api".into(),
            })),
        }
    }

    /// Appends a field this build does not know, as a newer producer would.
    fn with_unknown_field(mut bytes: Vec<u8>, field_number: u32, payload: &[u8]) -> Vec<u8> {
        prost::encoding::encode_key(field_number, prost::encoding::WireType::LengthDelimited, &mut bytes);
        prost::encoding::encode_varint(payload.len() as u64, &mut bytes);
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn round_trips() {
        let original = filed();
        let decoded = Envelope::decode(original.encode_to_vec().as_slice()).expect("decodes");
        assert_eq!(decoded, original);
        assert_eq!(decoded.routing_key(), "report.filed");
    }

    #[test]
    fn a_new_field_does_not_break_an_old_consumer() {
        let original = filed();
        let newer = with_unknown_field(original.encode_to_vec(), 9, b"new top-level field");
        let decoded = Envelope::decode(newer.as_slice()).expect("old consumer still decodes");
        assert_eq!(decoded, original);
    }

    #[test]
    fn a_new_event_is_seen_as_unknown_not_as_an_error() {
        let mut original = filed();
        original.event = None;
        // Case 99 of the oneof: an event added after this build.
        let newer = with_unknown_field(original.encode_to_vec(), 99, b"\x0a\x03abc");
        let decoded = Envelope::decode(newer.as_slice()).expect("old consumer still decodes");
        assert_eq!(decoded.event, None);
        assert_eq!(decoded.report_id, original.report_id);
        assert_eq!(decoded.routing_key(), "report.unknown");
    }

    #[test]
    fn privacy_only_rises() {
        assert!(Privacy::is_raise("public", "anonymous"));
        assert!(Privacy::is_raise("anonymous", "confidential"));
        assert!(!Privacy::is_raise("confidential", "public"));
        assert!(!Privacy::is_raise("anonymous", "anonymous"));
        assert!(!Privacy::is_raise("public", "secret"), "an unknown target is no raise");
        assert_eq!(Privacy::name_of(99), "confidential", "a newer producer's value counts as the most private");
    }

    #[test]
    fn the_generated_list_names_every_event_as_its_routing_key_does() {
        assert!(EVENT_NAMES.contains(&"filed") && EVENT_NAMES.contains(&"question_lapsed"));
        let escalated = envelope::Event::Escalated(Escalated::default());
        assert!(EVENT_NAMES.contains(&escalated.name()));
        assert_eq!(escalated.routing_key(), "report.escalated");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Envelope::decode(&b"\xff\xff\xff\xff"[..]).is_err());
    }
}
