//! Which clocks run on a case, and what is due when they run out: pure
//! bookkeeping that resolution stores and a scheduler consults. Every step of
//! the procedure starts, stops, pauses or resumes clocks; a clock past its
//! deadline escalates along the chain, one step at a time, and the citizen's
//! silence after a resolution closes the case.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Clock};
use crate::document::{EscalationStep, ProcedureDocument, Tier};
use crate::states::Action;

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// From assignment to the institution's first answer.
    FirstFollowUp,
    /// From assignment (or reopening) to the resolution.
    Resolution,
    /// From the resolution to closing, unless the citizen speaks.
    CitizenSilence,
    /// From an institution's question to the citizen to the case resuming
    /// without an answer; runs while the others are paused.
    CitizenAnswer,
}

/// One clock of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningClock {
    /// What it measures.
    pub kind: ClockKind,
    /// Its start, budget and paused time.
    pub clock: Clock,
    /// Since when it is paused, if it is.
    pub paused_since: Option<NaiveDate>,
    /// How many escalation steps have fired for it.
    pub escalations: usize,
}

impl ClockKind {
    /// The stable name used in events.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstFollowUp => "first_follow_up",
            ClockKind::Resolution => "resolution",
            ClockKind::CitizenSilence => "citizen_silence",
            ClockKind::CitizenAnswer => "citizen_answer",
        }
    }
}

/// Something a scheduler must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Tell the next step of the escalation chain that `kind` ran out.
    Escalate {
        /// The clock that ran out.
        kind: ClockKind,
        /// Who is told.
        to: EscalationStep,
    },
    /// The citizen stayed silent: close the case.
    CloseForSilence,
    /// The citizen did not answer the institution's question in time: resume the case.
    ResumeWithoutAnswer,
}

/// The clocks of one case, stored by resolution as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClocks {
    running: Vec<RunningClock>,
}

impl CaseClocks {
    /// The clocks running now.
    pub fn running(&self) -> &[RunningClock] {
        &self.running
    }

    fn start(&mut self, kind: ClockKind, on: NaiveDate, budget: u32) {
        self.stop(kind);
        self.running.push(RunningClock { kind, clock: Clock::start(on, budget), paused_since: None, escalations: 0 });
    }

    fn stop(&mut self, kind: ClockKind) {
        self.running.retain(|running| running.kind != kind);
    }

    fn pause_all(&mut self, on: NaiveDate) {
        for running in &mut self.running {
            running.paused_since.get_or_insert(on);
        }
    }

    fn resume_all(&mut self, on: NaiveDate, calendar: &Calendar) {
        for running in &mut self.running {
            if let Some(since) = running.paused_since.take() {
                running.clock = running.clock.paused(calendar, since, on);
            }
        }
    }

    /// Updates the clocks for `action` taken on `on`, for a case of `tier`.
    pub fn on_action(
        &mut self,
        action: Action,
        on: NaiveDate,
        tier: Tier,
        procedure: &ProcedureDocument,
        calendar: &Calendar,
    ) {
        let clocks = &procedure.clocks;
        match action {
            Action::Assign => {
                self.running.clear();
                self.start(ClockKind::FirstFollowUp, on, clocks.first_follow_up);
                self.start(ClockKind::Resolution, on, clocks.resolution.for_tier(tier));
            }
            Action::PostFollowUp => self.stop(ClockKind::FirstFollowUp),
            Action::AskCitizen => {
                // A question is an answer to the citizen: the first follow-up is met.
                self.stop(ClockKind::FirstFollowUp);
                self.pause_all(on);
                self.start(ClockKind::CitizenAnswer, on, clocks.citizen_answer_window);
            }
            Action::Defer => self.pause_all(on),
            Action::CitizenReplies | Action::Clarify | Action::ResumeWithoutAnswer => {
                self.stop(ClockKind::CitizenAnswer);
                self.resume_all(on, calendar);
            }
            Action::Resolve => {
                self.running.clear();
                self.start(ClockKind::CitizenSilence, on, clocks.citizen_silence_before_close);
            }
            Action::Dispute => {
                self.running.clear();
                self.start(ClockKind::Resolution, on, clocks.resolution.for_tier(tier));
            }
            Action::Accept
            | Action::Appeal
            | Action::CloseForSilence
            | Action::ReturnNotAuthority
            | Action::Archive
            | Action::MergeAsDuplicate
            | Action::ReferToOmbudsman
            | Action::UpholdAppeal => self.running.clear(),
            Action::ForwardToUnit | Action::Escalate => {}
        }
    }

    /// What is due on `today`: at most one thing per clock, the next step.
    pub fn due(&self, today: NaiveDate, procedure: &ProcedureDocument, calendar: &Calendar) -> Vec<Due> {
        self.running
            .iter()
            .filter(|running| running.paused_since.is_none())
            .filter_map(|running| {
                // Each escalation step gets one more working day than the last.
                let extra = u32::try_from(running.escalations).unwrap_or(u32::MAX);
                let deadline = calendar.add_working_days(running.clock.deadline(calendar), extra);
                if today <= deadline {
                    return None;
                }
                match running.kind {
                    ClockKind::CitizenSilence => Some(Due::CloseForSilence),
                    ClockKind::CitizenAnswer => Some(Due::ResumeWithoutAnswer),
                    kind => procedure.escalation.chain.get(running.escalations).map(|&to| Due::Escalate { kind, to }),
                }
            })
            .collect()
    }

    /// The first day on which [`CaseClocks::due`] may return something; `None`
    /// when nothing will ever be due (no clock running, or every chain spent).
    pub fn next_check(&self, procedure: &ProcedureDocument, calendar: &Calendar) -> Option<NaiveDate> {
        self.running
            .iter()
            .filter(|running| running.paused_since.is_none())
            .filter(|running| {
                matches!(running.kind, ClockKind::CitizenSilence | ClockKind::CitizenAnswer)
                    || running.escalations < procedure.escalation.chain.len()
            })
            .map(|running| {
                let extra = u32::try_from(running.escalations).unwrap_or(u32::MAX);
                let deadline = calendar.add_working_days(running.clock.deadline(calendar), extra);
                deadline.succ_opt().unwrap_or(deadline)
            })
            .min()
    }

    /// Records that the escalation of `kind` fired, so it fires once.
    pub fn escalated(&mut self, kind: ClockKind) {
        for running in self.running.iter_mut().filter(|running| running.kind == kind) {
            running.escalations += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    fn setting() -> (ProcedureDocument, Calendar) {
        (ProcedureDocument::shipped(), Calendar::monday_to_friday([date(3, 19), date(3, 20), date(3, 23), date(3, 24)]))
    }

    #[test]
    fn a_late_first_follow_up_escalates_step_by_step_then_stops() {
        let (procedure, calendar) = setting();
        let mut clocks = CaseClocks::default();
        // Assigned Monday 2 March: 5 working days end Monday 9 March.
        clocks.on_action(Action::Assign, date(3, 2), Tier::FieldInvestigation, &procedure, &calendar);
        assert!(clocks.due(date(3, 9), &procedure, &calendar).is_empty());
        let due = clocks.due(date(3, 10), &procedure, &calendar);
        assert_eq!(due, vec![Due::Escalate { kind: ClockKind::FirstFollowUp, to: EscalationStep::Coordinator }]);
        clocks.escalated(ClockKind::FirstFollowUp);
        assert!(clocks.due(date(3, 10), &procedure, &calendar).is_empty(), "a step fires once");
        let due = clocks.due(date(3, 11), &procedure, &calendar);
        assert_eq!(due, vec![Due::Escalate { kind: ClockKind::FirstFollowUp, to: EscalationStep::ParentLevel }]);
        clocks.escalated(ClockKind::FirstFollowUp);
        clocks.escalated(ClockKind::FirstFollowUp);
        assert!(clocks.due(date(3, 31), &procedure, &calendar).is_empty(), "the chain ends at the national verifier");
        // Answering stops the clock for good.
        clocks.on_action(Action::PostFollowUp, date(3, 12), Tier::FieldInvestigation, &procedure, &calendar);
        assert!(clocks.running().iter().all(|running| running.kind == ClockKind::Resolution));
        // The next check is the day after the resolution clock's 60 working days.
        let deadline = calendar.add_working_days(date(3, 2), 60);
        assert_eq!(clocks.next_check(&procedure, &calendar), deadline.succ_opt());
    }

    #[test]
    fn asking_the_citizen_pauses_every_clock_until_the_answer() {
        let (procedure, calendar) = setting();
        let mut clocks = CaseClocks::default();
        clocks.on_action(Action::Assign, date(3, 2), Tier::Simple, &procedure, &calendar);
        clocks.on_action(Action::PostFollowUp, date(3, 3), Tier::Simple, &procedure, &calendar);
        // Simple tier: 2 working days, due Wednesday 4 March. Asked on the 3rd, answered on the 10th.
        clocks.on_action(Action::AskCitizen, date(3, 3), Tier::Simple, &procedure, &calendar);
        assert!(clocks.due(date(3, 9), &procedure, &calendar).is_empty(), "paused clocks are never due");
        clocks.on_action(Action::CitizenReplies, date(3, 10), Tier::Simple, &procedure, &calendar);
        // 5 working days paused (4th to 10th): the deadline moves from the 4th to the 11th.
        assert!(clocks.due(date(3, 11), &procedure, &calendar).is_empty());
        assert_eq!(
            clocks.due(date(3, 12), &procedure, &calendar),
            vec![Due::Escalate { kind: ClockKind::Resolution, to: EscalationStep::Coordinator }]
        );
    }

    #[test]
    fn an_unanswered_question_lets_the_case_resume_and_a_question_meets_the_first_follow_up() {
        let (procedure, calendar) = setting();
        let mut clocks = CaseClocks::default();
        // Assigned Monday 2 March; asked on Tuesday 3rd: the first follow-up is met.
        clocks.on_action(Action::Assign, date(3, 2), Tier::DisputeWithoutFieldCheck, &procedure, &calendar);
        clocks.on_action(Action::AskCitizen, date(3, 3), Tier::DisputeWithoutFieldCheck, &procedure, &calendar);
        assert!(clocks.running().iter().all(|running| running.kind != ClockKind::FirstFollowUp));
        // 10 working days for the answer: the last is Tuesday 17 March.
        let last_day = calendar.add_working_days(date(3, 3), 10);
        assert_eq!(last_day, date(3, 17));
        assert!(clocks.due(last_day, &procedure, &calendar).is_empty(), "the citizen has until then");
        let next_day = last_day.succ_opt().expect("a day");
        assert_eq!(clocks.due(next_day, &procedure, &calendar), vec![Due::ResumeWithoutAnswer]);
        assert_eq!(clocks.next_check(&procedure, &calendar), Some(next_day), "the scheduler looks then");
        clocks.on_action(Action::ResumeWithoutAnswer, next_day, Tier::DisputeWithoutFieldCheck, &procedure, &calendar);
        let kinds: Vec<ClockKind> = clocks.running().iter().map(|running| running.kind).collect();
        assert_eq!(kinds, vec![ClockKind::Resolution], "the resolution clock runs again, the answer's is gone");
        assert!(clocks.running()[0].paused_since.is_none());
    }

    #[test]
    fn silence_after_a_resolution_closes_the_case_and_a_dispute_restarts_the_work() {
        let (procedure, calendar) = setting();
        let mut clocks = CaseClocks::default();
        clocks.on_action(Action::Assign, date(3, 2), Tier::Simple, &procedure, &calendar);
        clocks.on_action(Action::Resolve, date(3, 12), Tier::Simple, &procedure, &calendar);
        // 10 working days after Thursday 12 March, skipping 19, 20, 23 and 24 March: Wednesday 1 April.
        let deadline = calendar.add_working_days(date(3, 12), 10);
        assert_eq!(deadline, date(4, 1));
        assert!(clocks.due(deadline, &procedure, &calendar).is_empty());
        assert_eq!(clocks.due(deadline.succ_opt().expect("a day"), &procedure, &calendar), vec![Due::CloseForSilence]);
        clocks.on_action(Action::Dispute, date(3, 13), Tier::Simple, &procedure, &calendar);
        assert_eq!(clocks.running().len(), 1);
        assert_eq!(clocks.running()[0].kind, ClockKind::Resolution);
        clocks.on_action(Action::Accept, date(3, 13), Tier::Simple, &procedure, &calendar);
        assert!(clocks.running().is_empty());
    }

    #[test]
    fn tiers_set_the_resolution_budget_from_the_document() {
        let (procedure, calendar) = setting();
        for (tier, budget) in [
            (Tier::Simple, 2),
            (Tier::InformationRequest, 5),
            (Tier::DisputeWithoutFieldCheck, 14),
            (Tier::FieldInvestigation, 60),
        ] {
            let mut clocks = CaseClocks::default();
            clocks.on_action(Action::Assign, date(3, 2), tier, &procedure, &calendar);
            let resolution = clocks.running().iter().find(|r| r.kind == ClockKind::Resolution).expect("started");
            assert_eq!(resolution.clock.budget, budget, "{tier:?}");
        }
    }
}
