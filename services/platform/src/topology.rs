//! Who listens to what on the bus: the one place the wiring between services
//! is written down. Every service declares all of it at start, so an event is
//! never published before the queue that must hold it exists.

use crate::bus::Subscription;

fn subscription(consumer: &str, events: &[&str]) -> Subscription {
    Subscription {
        consumer: consumer.to_owned(),
        bindings: events.iter().map(|event| format!("{}{event}", crate::proto::ROUTING_KEY_PREFIX)).collect(),
    }
}

/// Also the registry's changes, for a service that keeps a copy of it.
fn and_registry_changes(mut subscription: Subscription) -> Subscription {
    subscription.bindings.push(crate::proto::REGISTRY_CHANGED_KEY.to_owned());
    subscription
}

/// Intake follows its reports to show the citizen where they are, and keeps
/// a copy of the registry to check what citizens file.
pub fn intake() -> Subscription {
    and_registry_changes(subscription(
        "intake",
        &[
            "assigned",
            "case_opened",
            "returned",
            "follow_up_posted",
            "question_asked",
            "resolved",
            "closed",
            "deferred",
            "archived",
            "merged",
            "privacy_raised",
        ],
    ))
}

/// Routing places new reports, re-routes returned ones, puts clarified ones
/// back in the verification queue, sends appeals up a level, and lists the
/// cases escalated to the national verifier until they are resolved.
pub fn routing() -> Subscription {
    subscription("routing", &["filed", "returned", "clarified", "appealed", "escalated", "resolved", "closed"])
}

/// Resolution opens cases where routing assigned them, takes the citizen's
/// replies, disputes and referrals, and closes accepted ones; it keeps a copy
/// of the registry for the tree of institutions and the calendars.
pub fn resolution() -> Subscription {
    and_registry_changes(subscription(
        "resolution",
        &["assigned", "accepted", "citizen_replied", "disputed", "referred_to_ombudsman", "privacy_raised"],
    ))
}

/// Every consumer of the system.
pub fn all() -> Vec<Subscription> {
    vec![intake(), routing(), resolution()]
}
