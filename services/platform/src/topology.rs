//! Who listens to what on the bus: the one place the wiring between services
//! is written down. Every service declares all of it at start, so an event is
//! never published before the queue that must hold it exists. An event no
//! service consumes is listed as such, so that the broker returning it is
//! expected, not a fault (see the outbox relay).

use crate::bus::Subscription;

fn subscription(consumer: &str, events: &[&str]) -> Subscription {
    Subscription {
        consumer: consumer.to_owned(),
        bindings: events.iter().map(|event| crate::proto::routing_key_of(event)).collect(),
    }
}

/// Events announced for the record (the audit ledger takes them, as it takes
/// every event) that no operational service consumes: work between an
/// institution, its units and its supporters, which resolution records as
/// it does it, a supervisor's review of a proposed resolution, changes
/// to staff accounts, and what a verifier lets the public record show
/// (intake keeps the record itself), and auditors' reviews (audit keeps them).
pub const ANNOUNCED_NOT_CONSUMED: [&str; 10] = [
    "forwarded_to_unit",
    "unit_answered",
    "support_requested",
    "support_given",
    "resolution_proposed",
    "resolution_rejected",
    "account_changed",
    "publication_changed",
    "review_sample_drawn",
    "case_reviewed",
];

/// Whether an event with `routing_key` is one nobody is expected to consume.
pub fn nobody_consumes(routing_key: &str) -> bool {
    ANNOUNCED_NOT_CONSUMED.iter().any(|name| crate::proto::routing_key_of(name) == routing_key)
}

/// Intake follows its reports to show the citizen where they are and when
/// each step is due, and keeps a copy of the registry to check what
/// citizens file.
pub fn intake() -> Subscription {
    subscription(
        "intake",
        &[
            "assigned",
            "case_opened",
            "returned",
            "follow_up_posted",
            "question_asked",
            "question_lapsed",
            "resolved",
            "closed",
            "deferred",
            "archived",
            "merged",
            "privacy_raised",
            "escalated",
            "appeal_upheld",
            "deadlines_set",
            "registry_changed",
        ],
    )
}

/// Routing places new reports, re-routes returned ones, puts clarified ones
/// back in the verification queue, sends appeals up a level, and lists the
/// cases escalated to the national verifier until they are resolved.
pub fn routing() -> Subscription {
    subscription("routing", &["filed", "returned", "clarified", "appealed", "escalated", "resolved", "closed"])
}

/// Resolution opens cases where routing assigned them, takes the citizen's
/// replies, disputes, appeals and referrals, closes accepted ones, and keeps
/// each report's history from the other services' events for the ombudsman;
/// it keeps a copy of the registry for the tree of institutions and the
/// calendars.
pub fn resolution() -> Subscription {
    subscription(
        "resolution",
        &[
            "filed",
            "assigned",
            "deferred",
            "clarified",
            "merged",
            "escalated",
            "accepted",
            "citizen_replied",
            "disputed",
            "appealed",
            "appeal_upheld",
            "referred_to_ombudsman",
            "privacy_raised",
            "registry_changed",
        ],
    )
}

/// Accounts keeps a copy of the registry, to scope grants by the tree of institutions.
pub fn accounts() -> Subscription {
    subscription("accounts", &["registry_changed"])
}

/// The audit ledger takes every event there is.
pub fn audit() -> Subscription {
    subscription("audit", crate::proto::EVENT_NAMES)
}

/// Every consumer of the system.
pub fn all() -> Vec<Subscription> {
    vec![intake(), routing(), resolution(), accounts(), audit()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::topic_matches;
    use crate::proto::{EVENT_NAMES, routing_key_of};

    /// The operational services that consume `name` (audit takes everything).
    fn consumers_of(name: &str) -> Vec<String> {
        let key = routing_key_of(name);
        all()
            .into_iter()
            .filter(|subscription| subscription.consumer != "audit")
            .filter(|subscription| subscription.bindings.iter().any(|pattern| topic_matches(pattern, &key)))
            .map(|subscription| subscription.consumer)
            .collect()
    }

    #[test]
    fn every_event_is_consumed_or_announced_for_nobody() {
        for name in EVENT_NAMES {
            let consumers = consumers_of(name);
            let announced = ANNOUNCED_NOT_CONSUMED.contains(name);
            assert!(
                !consumers.is_empty() || announced,
                "{name}: no consumer binds it and it is not in ANNOUNCED_NOT_CONSUMED"
            );
            assert!(
                !announced || consumers.is_empty(),
                "{name} is listed as consumed by nobody, but {consumers:?} bind it"
            );
        }
        for name in ANNOUNCED_NOT_CONSUMED {
            assert!(EVENT_NAMES.contains(&name), "{name} is not an event");
            assert!(nobody_consumes(&routing_key_of(name)));
        }
        assert!(!nobody_consumes("report.filed"));
    }

    #[test]
    fn the_audit_ledger_takes_every_event() {
        let audit = audit();
        for name in EVENT_NAMES {
            let key = routing_key_of(name);
            assert!(audit.bindings.iter().any(|pattern| topic_matches(pattern, &key)), "audit does not take {name}");
        }
    }

    #[test]
    fn every_binding_names_a_real_event() {
        for subscription in all() {
            for binding in &subscription.bindings {
                assert!(
                    EVENT_NAMES.iter().any(|name| topic_matches(binding, &routing_key_of(name))),
                    "{} binds {binding}, which matches no event",
                    subscription.consumer
                );
            }
        }
    }
}
