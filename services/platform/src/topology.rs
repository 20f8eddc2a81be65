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

/// Intake follows its reports to show the citizen where they are.
pub fn intake() -> Subscription {
    subscription(
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
        ],
    )
}

/// Routing places new reports, re-routes returned ones, puts clarified ones
/// back in the verification queue, and sends appeals up a level.
pub fn routing() -> Subscription {
    subscription("routing", &["filed", "returned", "clarified", "appealed"])
}

/// Resolution opens cases where routing assigned them, takes the citizen's
/// replies, disputes and referrals, and closes accepted ones.
pub fn resolution() -> Subscription {
    subscription("resolution", &["assigned", "accepted", "citizen_replied", "disputed", "referred_to_ombudsman"])
}

/// Every consumer of the system.
pub fn all() -> Vec<Subscription> {
    vec![intake(), routing(), resolution()]
}
