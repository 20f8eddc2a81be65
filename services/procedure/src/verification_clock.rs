//! The clock of the verification step: from the moment a report waits for a
//! verifier to its assignment (or archiving, or merging), in working days,
//! paused while the report is deferred to the citizen. When it runs out the
//! national verifier is told, once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Clock};
use crate::states::Action;

/// A report's verification clock, stored by routing as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationClock {
    clock: Clock,
    paused_since: Option<NaiveDate>,
    escalated: bool,
}

impl VerificationClock {
    /// Starts on `on` with `budget` working days (the procedure's `verify_and_assign`).
    pub fn start(on: NaiveDate, budget: u32) -> Self {
        Self { clock: Clock::start(on, budget), paused_since: None, escalated: false }
    }

    /// The clock after `action` on `on`; `None` once the report has left the
    /// verification step.
    pub fn after(mut self, action: Action, on: NaiveDate, calendar: &Calendar) -> Option<Self> {
        match action {
            Action::Defer => {
                self.paused_since.get_or_insert(on);
                Some(self)
            }
            Action::Clarify => {
                if let Some(since) = self.paused_since.take() {
                    self.clock = self.clock.paused(calendar, since, on);
                }
                Some(self)
            }
            Action::Assign | Action::Archive | Action::MergeAsDuplicate => None,
            _ => Some(self),
        }
    }

    /// The last working day to verify; `None` while the citizen is asked.
    pub fn deadline(&self, calendar: &Calendar) -> Option<NaiveDate> {
        self.paused_since.is_none().then(|| self.clock.deadline(calendar))
    }

    /// The first day on which the national verifier is to be told; `None`
    /// while paused or once told.
    pub fn overdue_from(&self, calendar: &Calendar) -> Option<NaiveDate> {
        if self.escalated {
            return None;
        }
        self.deadline(calendar).map(|deadline| deadline.succ_opt().unwrap_or(deadline))
    }

    /// Records that the national verifier was told.
    pub fn escalated(self) -> Self {
        Self { escalated: true, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn three_working_days_then_once_overdue() {
        let calendar = Calendar::monday_to_friday([]);
        // Filed on Friday 4 December: Monday to Wednesday to verify.
        let clock = VerificationClock::start(date(12, 4), 3);
        assert_eq!(clock.deadline(&calendar), Some(date(12, 9)));
        assert_eq!(clock.overdue_from(&calendar), Some(date(12, 10)));
        assert_eq!(clock.escalated().overdue_from(&calendar), None, "told once");
    }

    #[test]
    fn deferral_pauses_it_and_assignment_ends_it() {
        let calendar = Calendar::monday_to_friday([]);
        let clock = VerificationClock::start(date(12, 1), 3);
        let deferred = clock.after(Action::Defer, date(12, 2), &calendar).expect("still running");
        assert_eq!(deferred.overdue_from(&calendar), None, "waiting for the citizen");
        // The citizen answers a week later: five working days do not count.
        let clarified = deferred.after(Action::Clarify, date(12, 9), &calendar).expect("still running");
        assert_eq!(clarified.deadline(&calendar), Some(date(12, 11)));
        assert_eq!(clarified.after(Action::Assign, date(12, 10), &calendar), None);
    }
}
