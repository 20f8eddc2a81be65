//! What to do with a message after a handler ran: acknowledge it, try again
//! later, or give up and dead-letter it. Pure, so every branch is tested.

use std::time::Duration;

use super::HandlerError;

/// How often and after how long a failing message is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before each retry; the message is dead-lettered after
    /// `delays.len()` retries, so it is tried `delays.len() + 1` times in all.
    pub delays: Vec<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { delays: [1, 5, 30, 120, 600].into_iter().map(Duration::from_secs).collect() }
    }
}

impl RetryPolicy {
    /// How many times a message is tried before it is dead-lettered.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX).saturating_add(1)
    }
}

/// The fate of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Done (or nothing to do): acknowledge.
    Ack,
    /// Failed for now: deliver again after `delay`, as attempt `next_attempt`.
    Retry {
        /// The attempt number the next delivery will carry (1-based).
        next_attempt: u32,
        /// How long to wait; also names the retry queue on RabbitMQ.
        delay: Duration,
    },
    /// Will never succeed, or failed too often: park it with the reason.
    DeadLetter {
        /// Why, for whoever looks at the dead-letter queue.
        reason: String,
    },
    /// Something it depends on is down (the database): hold the message,
    /// wait, and try again without counting an attempt, so an outage does
    /// not spend the retry budget.
    Pause,
}

/// Decides the fate of a delivery that was attempt number `attempt` (1-based).
pub fn decide(policy: &RetryPolicy, attempt: u32, outcome: &Result<(), HandlerError>) -> Decision {
    match outcome {
        Ok(()) => Decision::Ack,
        Err(HandlerError::Undecodable(why)) => Decision::DeadLetter { reason: format!("undecodable: {why}") },
        Err(HandlerError::Permanent(why)) => Decision::DeadLetter { reason: format!("rejected: {why}") },
        Err(HandlerError::Unavailable(_)) => Decision::Pause,
        Err(HandlerError::Transient(error)) => {
            retry_or_give_up(policy, attempt, || format!("failed {attempt} times, last: {error:#}"))
        }
        // Not acknowledged away: a newer replica may know it, and after the
        // last try it waits in the dead-letter queue to be replayed.
        Err(HandlerError::UnknownEvent(routing_key)) => retry_or_give_up(policy, attempt, || {
            format!("{routing_key} is an event this build does not know; replay it once every replica is upgraded")
        }),
    }
}

fn retry_or_give_up(policy: &RetryPolicy, attempt: u32, reason: impl FnOnce() -> String) -> Decision {
    let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
    match policy.delays.get(index) {
        Some(&delay) => Decision::Retry { next_attempt: attempt + 1, delay },
        None => Decision::DeadLetter { reason: reason() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { delays: vec![Duration::from_millis(100), Duration::from_millis(500)] }
    }

    fn transient() -> Result<(), HandlerError> {
        Err(HandlerError::Transient(anyhow::anyhow!("database is restarting")))
    }

    #[test]
    fn success_is_acknowledged() {
        assert_eq!(decide(&policy(), 1, &Ok(())), Decision::Ack);
        assert_eq!(decide(&policy(), 3, &Ok(())), Decision::Ack);
    }

    #[test]
    fn transient_failures_back_off_then_dead_letter() {
        assert_eq!(
            decide(&policy(), 1, &transient()),
            Decision::Retry { next_attempt: 2, delay: Duration::from_millis(100) }
        );
        assert_eq!(
            decide(&policy(), 2, &transient()),
            Decision::Retry { next_attempt: 3, delay: Duration::from_millis(500) }
        );
        match decide(&policy(), 3, &transient()) {
            Decision::DeadLetter { reason } => {
                assert!(reason.contains("failed 3 times"), "{reason}");
                assert!(reason.contains("database is restarting"), "{reason}");
            }
            other => panic!("expected a dead letter, got {other:?}"),
        }
        assert_eq!(policy().max_attempts(), 3);
    }

    #[test]
    fn undecodable_and_permanent_go_straight_to_the_dead_letter_queue() {
        let undecodable = Err(HandlerError::Undecodable("invalid wire type".into()));
        assert_eq!(
            decide(&policy(), 1, &undecodable),
            Decision::DeadLetter { reason: "undecodable: invalid wire type".into() }
        );
        let permanent = Err(HandlerError::Permanent("unknown institution".into()));
        assert_eq!(
            decide(&policy(), 1, &permanent),
            Decision::DeadLetter { reason: "rejected: unknown institution".into() }
        );
    }

    #[test]
    fn an_outage_pauses_without_spending_an_attempt() {
        let down = Err(HandlerError::Unavailable(anyhow::anyhow!("connection refused")));
        assert_eq!(decide(&policy(), 1, &down), Decision::Pause);
        assert_eq!(decide(&policy(), 3, &down), Decision::Pause, "even after the budget is spent");
    }

    #[test]
    fn an_unknown_event_is_retried_then_parked_never_acknowledged() {
        let unknown = Err(HandlerError::UnknownEvent("report.filed_v2".into()));
        assert!(matches!(decide(&policy(), 1, &unknown), Decision::Retry { next_attempt: 2, .. }));
        match decide(&policy(), 3, &unknown) {
            Decision::DeadLetter { reason } => assert!(reason.contains("report.filed_v2"), "{reason}"),
            other => panic!("expected a dead letter, got {other:?}"),
        }
    }

    #[test]
    fn a_policy_without_delays_dead_letters_at_the_first_failure() {
        let none = RetryPolicy { delays: vec![] };
        assert!(matches!(decide(&none, 1, &transient()), Decision::DeadLetter { .. }));
        assert_eq!(none.max_attempts(), 1);
    }
}
