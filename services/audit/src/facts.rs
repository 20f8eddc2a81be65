//! What the ledger says happened to each report, folded from its entries:
//! one [`ReportFacts`] per report, with one [`CaseFacts`] per institution
//! that was given it. The figures are computed from these alone.
//!
//! The fold reads only what an entry holds (the envelope without words), so
//! anyone with the entries gets the same facts: [`fold`] over the entries
//! fetched from the API is how an auditor outside rebuilds the figures. It
//! does not depend on the order the entries were appended in where the bus
//! may reorder them: first times are minimums, counts are counts, and the
//! institution holding a report is the one of the assignment with the
//! greatest sequence (the report's Lamport clock).

use std::collections::HashMap;

use aduan_platform::proto::envelope::Event;
use aduan_platform::proto::{Envelope, ReportContent};
use chrono::{DateTime, NaiveDate, Utc};

pub use crate::entities::audit_case::Model as CaseFacts;
pub use crate::entities::audit_report::Model as ReportFacts;

/// A report's facts and its cases, as the fold keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// The report.
    pub report: ReportFacts,
    /// Its cases, one per institution given it.
    pub cases: Vec<CaseFacts>,
}

fn at(envelope: &Envelope) -> Option<DateTime<Utc>> {
    let stamp = envelope.occurred_at.as_ref()?;
    DateTime::from_timestamp(stamp.seconds, u32::try_from(stamp.nanos).ok()?)
}

fn earliest(kept: &mut Option<DateTime<Utc>>, new: Option<DateTime<Utc>>) {
    if let Some(new) = new
        && kept.is_none_or(|kept| new < kept)
    {
        *kept = Some(new);
    }
}

fn fixed_name(fixed: i32) -> Option<String> {
    match aduan_platform::proto::Fixed::try_from(fixed).ok()? {
        aduan_platform::proto::Fixed::Yes => Some("yes".into()),
        aduan_platform::proto::Fixed::No => Some("no".into()),
        aduan_platform::proto::Fixed::Partly => Some("partly".into()),
        aduan_platform::proto::Fixed::Unanswered => None,
    }
}

impl Folded {
    /// An empty record of `report_id`.
    pub fn new(report_id: &str) -> Self {
        Self { report: ReportFacts { report_id: report_id.to_owned(), ..ReportFacts::default() }, cases: Vec::new() }
    }

    fn learn_content(&mut self, content: Option<&ReportContent>) {
        let Some(content) = content else { return };
        if self.report.category.is_empty() {
            self.report.category.clone_from(&content.category);
            self.report.region.clone_from(&content.region);
            self.report.kind = content.kind;
            for case in &mut self.cases {
                case.category.clone_from(&content.category);
                case.region.clone_from(&content.region);
            }
        }
    }

    fn case_at(&mut self, institution_id: &str) -> &mut CaseFacts {
        let position = match self.cases.iter().position(|case| case.institution_id == institution_id) {
            Some(position) => position,
            None => {
                self.cases.push(CaseFacts {
                    report_id: self.report.report_id.clone(),
                    institution_id: institution_id.to_owned(),
                    category: self.report.category.clone(),
                    region: self.report.region.clone(),
                    ..CaseFacts::default()
                });
                self.cases.len() - 1
            }
        };
        &mut self.cases[position]
    }

    fn case_by_id(&mut self, case_id: &str) -> Option<&mut CaseFacts> {
        self.cases.iter_mut().find(|case| case.case_id.as_deref() == Some(case_id))
    }

    /// The case of the institution holding the report now.
    fn holder_case(&mut self) -> Option<&mut CaseFacts> {
        let holder = self.report.holder.clone()?;
        Some(self.case_at(&holder))
    }

    /// Takes in one entry's envelope.
    pub fn apply(&mut self, envelope: &Envelope) {
        let Some(event) = envelope.event.as_ref() else { return };
        let when = at(envelope);
        let sequence = i64::try_from(envelope.sequence).unwrap_or(i64::MAX);
        match event {
            Event::Filed(filed) => {
                self.learn_content(filed.content.as_ref());
                earliest(&mut self.report.filed_at, when);
            }
            Event::Assigned(assigned) => {
                self.learn_content(assigned.content.as_ref());
                earliest(&mut self.report.first_assigned_at, when);
                if assigned.matched_by == "appeal" {
                    // The level above took the case up: the appeal against the
                    // holder before it succeeded.
                    if let Some(previous) = self.holder_case()
                        && previous.appealed
                    {
                        previous.appeal_outcome = Some("overturned".into());
                    }
                }
                if sequence >= self.report.holder_sequence {
                    self.report.holder = Some(assigned.institution_id.clone());
                    self.report.holder_sequence = sequence;
                }
                let case = self.case_at(&assigned.institution_id);
                if case.assigned_at.is_none() {
                    case.matched_by.clone_from(&assigned.matched_by);
                    case.tier.clone_from(&assigned.tier);
                }
                earliest(&mut case.assigned_at, when);
            }
            Event::CaseOpened(opened) => {
                self.case_at(&opened.institution_id).case_id = Some(opened.case_id.clone());
            }
            Event::Returned(returned) => earliest(&mut self.case_at(&returned.institution_id).returned_at, when),
            Event::FollowUpPosted(posted) => {
                earliest(&mut self.case_at(&posted.institution_id).first_response_at, when)
            }
            Event::Resolved(resolved) => {
                let case = self.case_at(&resolved.institution_id);
                earliest(&mut case.first_response_at, when);
                earliest(&mut case.resolved_at, when);
            }
            Event::Accepted(accepted) => {
                if let Some(case) = self.holder_case() {
                    case.rating = i32::try_from(accepted.rating).ok().filter(|rating| (1..=5).contains(rating));
                    case.fixed = fixed_name(accepted.fixed);
                }
            }
            Event::Closed(closed) => {
                if let Some(case) = self.case_by_id(&closed.case_id) {
                    earliest(&mut case.closed_at, when);
                    case.close_reason = Some(closed.reason.clone());
                    case.due_on = None;
                }
            }
            Event::Archived(archived) => self.report.archived_reason = Some(archived.reason.clone()),
            Event::Merged(_) => self.report.merged = true,
            Event::Disputed(_) => {
                if let Some(case) = self.holder_case() {
                    case.disputes += 1;
                }
            }
            Event::Appealed(_) => {
                if let Some(case) = self.holder_case() {
                    case.appealed = true;
                }
            }
            Event::AppealUpheld(_) => {
                if let Some(case) = self.holder_case() {
                    case.appeal_outcome = Some("upheld".into());
                }
            }
            Event::Escalated(escalated) => match escalated.clock.as_str() {
                "verification" => self.report.verification_late = true,
                // An appeal above the top of the tree is not a clock run out.
                "appeal" => {}
                clock => {
                    let case = self.case_at(&escalated.institution_id);
                    case.escalations += 1;
                    match clock {
                        "first_follow_up" => case.first_follow_up_late = true,
                        "resolution" => case.resolution_late = true,
                        _ => {}
                    }
                }
            },
            Event::DeadlinesSet(set) => {
                if let Some(case) = self.case_by_id(&set.case_id)
                    && case.closed_at.is_none()
                {
                    case.due_on = set
                        .deadlines
                        .iter()
                        .filter(|deadline| matches!(deadline.clock.as_str(), "first_follow_up" | "resolution"))
                        .filter_map(|deadline| NaiveDate::parse_from_str(&deadline.due_on, "%Y-%m-%d").ok())
                        .min();
                }
            }
            Event::PrivacyRaised(_) => self.report.privacy_raised = true,
            Event::PublicationChanged(_) => self.report.publication_changed = true,
            Event::ReferredToOmbudsman(_) => self.report.referred_to_ombudsman = true,
            // Steps that no figure counts.
            Event::Deferred(_)
            | Event::Clarified(_)
            | Event::QuestionAsked(_)
            | Event::CitizenReplied(_)
            | Event::ForwardedToUnit(_)
            | Event::UnitAnswered(_)
            | Event::RegistryChanged(_)
            | Event::SupportRequested(_)
            | Event::SupportGiven(_)
            | Event::QuestionLapsed(_)
            | Event::AccountChanged(_)
            | Event::ResolutionProposed(_)
            | Event::ResolutionRejected(_)
            | Event::ReviewSampleDrawn(_)
            | Event::CaseReviewed(_) => {}
        }
    }
}

/// Folds one entry's envelope into `reports` (an event about no report,
/// such as a registry change, is skipped).
pub fn fold_one(reports: &mut HashMap<String, Folded>, envelope: &Envelope) {
    if envelope.report_id.is_empty() {
        return;
    }
    reports.entry(envelope.report_id.clone()).or_insert_with(|| Folded::new(&envelope.report_id)).apply(envelope);
}

/// Folds entries' envelopes, in the order given, into every report's facts.
pub fn fold<'a>(envelopes: impl IntoIterator<Item = &'a Envelope>) -> HashMap<String, Folded> {
    let mut reports = HashMap::new();
    for envelope in envelopes {
        fold_one(&mut reports, envelope);
    }
    reports
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use aduan_platform::proto::{
        Accepted, Appealed, AssignedToInstitution, CaseOpened, Closed, Escalated, Fixed, FollowUpPosted, ReportFiled,
        Resolved, ReturnedNotAuthority,
    };

    fn envelope(sequence: u64, day: u32, event: Event) -> Envelope {
        let when = NaiveDate::from_ymd_opt(2026, 7, day).unwrap().and_hms_opt(3, 0, 0).unwrap().and_utc();
        Envelope {
            message_id: format!("m{sequence}"),
            report_id: "r1".into(),
            sequence,
            occurred_at: Some(aduan_platform::proto::Timestamp { seconds: when.timestamp(), nanos: 0 }),
            event: Some(event),
            ..Envelope::default()
        }
    }

    fn assigned(institution: &str, matched_by: &str) -> Event {
        Event::Assigned(AssignedToInstitution {
            institution_id: institution.into(),
            matched_by: matched_by.into(),
            content: Some(ReportContent {
                category: "roads".into(),
                region: "32.73".into(),
                ..ReportContent::default()
            }),
            ..AssignedToInstitution::default()
        })
    }

    #[test]
    fn a_report_returned_once_then_resolved_late_and_appealed_successfully() {
        let events = [
            envelope(1, 1, Event::Filed(ReportFiled::default())),
            envelope(2, 2, assigned("kemen-pu", "rule")),
            envelope(
                3,
                3,
                Event::Returned(ReturnedNotAuthority { institution_id: "kemen-pu".into(), ..Default::default() }),
            ),
            envelope(4, 6, assigned("bandung-dpu", "verifier")),
            envelope(
                5,
                6,
                Event::CaseOpened(CaseOpened { case_id: "c2".into(), institution_id: "bandung-dpu".into() }),
            ),
            envelope(
                6,
                13,
                Event::Escalated(Escalated {
                    institution_id: "bandung-dpu".into(),
                    clock: "first_follow_up".into(),
                    ..Escalated::default()
                }),
            ),
            envelope(
                7,
                14,
                Event::FollowUpPosted(FollowUpPosted { institution_id: "bandung-dpu".into(), ..Default::default() }),
            ),
            envelope(8, 20, Event::Resolved(Resolved { institution_id: "bandung-dpu".into(), ..Resolved::default() })),
            envelope(9, 21, Event::Appealed(Appealed::default())),
            envelope(10, 22, assigned("jabar", "appeal")),
        ];
        // Delivered out of order: the fold does not mind.
        let mut shuffled: Vec<&Envelope> = events.iter().collect();
        shuffled.reverse();
        let in_order = fold(events.iter());
        let reversed = fold(shuffled);
        assert_eq!(in_order, reversed);
        let report = &in_order["r1"];
        assert_eq!(report.report.holder.as_deref(), Some("jabar"));
        assert_eq!((report.report.category.as_str(), report.report.region.as_str()), ("roads", "32.73"));
        let at = |id: &str| report.cases.iter().find(|case| case.institution_id == id).unwrap();
        assert!(at("kemen-pu").returned_at.is_some() && !at("kemen-pu").is_open());
        let city = at("bandung-dpu");
        assert!(city.first_follow_up_late && !city.resolution_late);
        assert_eq!(city.first_response_at.unwrap().date_naive(), NaiveDate::from_ymd_opt(2026, 7, 14).unwrap());
        assert_eq!(city.appeal_outcome.as_deref(), Some("overturned"));
        assert!(at("jabar").is_open());
    }

    #[test]
    fn the_citizens_rating_and_the_close_belong_to_the_case_that_resolved() {
        let events = [
            envelope(1, 1, assigned("bandung-dpu", "rule")),
            envelope(
                2,
                1,
                Event::CaseOpened(CaseOpened { case_id: "c1".into(), institution_id: "bandung-dpu".into() }),
            ),
            envelope(3, 2, Event::Resolved(Resolved { institution_id: "bandung-dpu".into(), ..Resolved::default() })),
            envelope(4, 3, Event::Accepted(Accepted { rating: 4, fixed: Fixed::Partly.into(), ..Accepted::default() })),
            envelope(5, 3, Event::Closed(Closed { case_id: "c1".into(), reason: "accepted".into() })),
        ];
        let folded = fold(events.iter());
        let case = &folded["r1"].cases[0];
        assert_eq!(
            (case.rating, case.fixed.as_deref(), case.close_reason.as_deref()),
            (Some(4), Some("partly"), Some("accepted"))
        );
        assert!(!case.is_open());
    }
}
