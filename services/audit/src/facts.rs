//! What the ledger says happened to each report, folded from its entries:
//! one [`ReportFacts`] per report, with one [`CaseFacts`] per institution
//! that was given it. The figures are computed from these alone.
//!
//! The fold reads only what an entry holds (the envelope without words), so
//! anyone with the entries gets the same facts: [`fold`] over the entries
//! fetched from the API is how an auditor outside rebuilds the figures. A
//! report's entries are folded in the order its events happened, by their
//! sequence (the report's Lamport clock, which every producer sets above
//! what it had seen), whatever order the bus delivered them in: each event
//! is then taken with the report as it stood, at the institution holding it
//! then.

use std::collections::HashMap;

use aduan_platform::proto::envelope::Event;
use aduan_platform::proto::{Envelope, ReportContent};
use chrono::{DateTime, NaiveDate, Utc};

pub use crate::entities::audit_case::Model as CaseFacts;
pub use crate::entities::audit_report::Model as ReportFacts;

/// A report's facts and its cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// The report.
    pub report: ReportFacts,
    /// Its cases, one per institution given it, in the order they were given.
    pub cases: Vec<CaseFacts>,
}

fn at(envelope: &Envelope) -> Option<DateTime<Utc>> {
    let stamp = envelope.occurred_at.as_ref()?;
    DateTime::from_timestamp(stamp.seconds, u32::try_from(stamp.nanos).ok()?)
}

fn first(kept: &mut Option<DateTime<Utc>>, new: Option<DateTime<Utc>>) {
    if kept.is_none() {
        *kept = new;
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

/// The nearest of the announced `deadlines` the institution must meet (its
/// first follow-up or its resolution; the citizen's windows are not its own).
fn institution_due_on(deadlines: &[aduan_platform::proto::Deadline]) -> Option<NaiveDate> {
    deadlines
        .iter()
        .filter(|deadline| matches!(deadline.clock.as_str(), "first_follow_up" | "resolution"))
        .filter_map(|deadline| NaiveDate::parse_from_str(&deadline.due_on, "%Y-%m-%d").ok())
        .min()
}

/// The order a report's events happened in: the sequence, then the time,
/// then the message id (two producers may give one sequence to events
/// neither saw the other of).
fn happened(a: &Envelope, b: &Envelope) -> std::cmp::Ordering {
    let time = |e: &Envelope| e.occurred_at.as_ref().map_or((0, 0), |at| (at.seconds, at.nanos));
    a.sequence.cmp(&b.sequence).then(time(a).cmp(&time(b))).then(a.message_id.cmp(&b.message_id))
}

/// Folds one report as its events happen.
struct Folder {
    folded: Folded,
    /// Resolution keeps one case per report and opens it again at each
    /// institution the report moves to: the institution holding each case id now.
    case_holders: HashMap<String, String>,
    /// Since when each institution has waited for the citizen's answer.
    waiting_since: HashMap<String, DateTime<Utc>>,
}

impl Folder {
    fn learn_content(&mut self, content: Option<&ReportContent>) {
        let Some(content) = content else { return };
        let report = &mut self.folded.report;
        if report.category.is_empty() {
            report.category.clone_from(&content.category);
            report.region.clone_from(&content.region);
            report.kind = content.kind;
        }
    }

    fn case_at(&mut self, institution_id: &str) -> &mut CaseFacts {
        let folded = &mut self.folded;
        let position = match folded.cases.iter().position(|case| case.institution_id == institution_id) {
            Some(position) => position,
            None => {
                folded.cases.push(CaseFacts {
                    report_id: folded.report.report_id.clone(),
                    institution_id: institution_id.to_owned(),
                    waiting: "[]".into(),
                    ..CaseFacts::default()
                });
                folded.cases.len() - 1
            }
        };
        &mut folded.cases[position]
    }

    fn case_by_id(&mut self, case_id: &str) -> Option<&mut CaseFacts> {
        let institution = self.case_holders.get(case_id)?.clone();
        Some(self.case_at(&institution))
    }

    /// The case of the institution holding the report now.
    fn holder_case(&mut self) -> Option<&mut CaseFacts> {
        let holder = self.folded.report.holder.clone()?;
        Some(self.case_at(&holder))
    }

    fn stop_waiting(&mut self, institution: &str, when: Option<DateTime<Utc>>) {
        if let (Some(since), Some(until)) = (self.waiting_since.remove(institution), when) {
            let case = self.case_at(institution);
            let mut spans: Vec<(i64, i64)> = serde_json::from_str(&case.waiting).unwrap_or_default();
            spans.push((since.timestamp(), until.timestamp()));
            case.waiting = serde_json::to_string(&spans).unwrap_or_else(|_| "[]".into());
        }
    }

    fn apply(&mut self, envelope: &Envelope) {
        let Some(event) = envelope.event.as_ref() else { return };
        let when = at(envelope);
        match event {
            Event::Filed(filed) => {
                self.learn_content(filed.content.as_ref());
                first(&mut self.folded.report.filed_at, when);
            }
            Event::Assigned(assigned) => {
                self.learn_content(assigned.content.as_ref());
                first(&mut self.folded.report.first_assigned_at, when);
                // The level above (or the national verifier) took up the
                // case the citizen appealed against.
                if matches!(assigned.matched_by.as_str(), "appeal" | "reassigned")
                    && let Some(previous) = self.holder_case()
                    && previous.appealed
                    && previous.appeal_outcome.is_none()
                {
                    previous.appeal_outcome = Some("taken_up".into());
                }
                let report = &mut self.folded.report;
                report.holder = Some(assigned.institution_id.clone());
                let (category, region) = (report.category.clone(), report.region.clone());
                let case = self.case_at(&assigned.institution_id);
                if case.assigned_at.is_none() {
                    case.matched_by.clone_from(&assigned.matched_by);
                    case.tier.clone_from(&assigned.tier);
                    case.assigned_at = when;
                }
                (case.category, case.region) = (category, region);
            }
            Event::CaseOpened(opened) => {
                self.case_holders.insert(opened.case_id.clone(), opened.institution_id.clone());
                let case = self.case_at(&opened.institution_id);
                case.case_id = Some(opened.case_id.clone());
                if !opened.deadlines.is_empty() {
                    case.due_on = institution_due_on(&opened.deadlines);
                }
            }
            Event::Returned(returned) => first(&mut self.case_at(&returned.institution_id).returned_at, when),
            Event::FollowUpPosted(posted) => first(&mut self.case_at(&posted.institution_id).first_response_at, when),
            Event::Resolved(resolved) => {
                let case = self.case_at(&resolved.institution_id);
                first(&mut case.first_response_at, when);
                first(&mut case.resolved_at, when);
            }
            Event::Accepted(accepted) => {
                if let Some(case) = self.holder_case() {
                    case.rating = i32::try_from(accepted.rating).ok().filter(|rating| (1..=5).contains(rating));
                    case.fixed = fixed_name(accepted.fixed);
                }
            }
            Event::Closed(closed) => {
                if let Some(case) = self.case_by_id(&closed.case_id) {
                    first(&mut case.closed_at, when);
                    case.close_reason = Some(closed.reason.clone());
                    case.due_on = None;
                }
            }
            Event::Archived(archived) => self.folded.report.archived_reason = Some(archived.reason.clone()),
            Event::Merged(_) => self.folded.report.merged = true,
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
                "verification" => self.folded.report.verification_late = true,
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
                    case.due_on = institution_due_on(&set.deadlines);
                }
            }
            Event::QuestionAsked(asked) => {
                if let Some(when) = when {
                    self.waiting_since.entry(asked.institution_id.clone()).or_insert(when);
                }
            }
            Event::QuestionLapsed(lapsed) => self.stop_waiting(&lapsed.institution_id, when),
            Event::CitizenReplied(_) => {
                if let Some(holder) = self.folded.report.holder.clone() {
                    self.stop_waiting(&holder, when);
                }
            }
            Event::PrivacyRaised(_) => self.folded.report.privacy_raised = true,
            Event::PublicationChanged(_) => self.folded.report.publication_changed = true,
            Event::ReferredToOmbudsman(_) => self.folded.report.referred_to_ombudsman = true,
            // Steps that no figure counts.
            Event::Deferred(_)
            | Event::Clarified(_)
            | Event::ForwardedToUnit(_)
            | Event::UnitAnswered(_)
            | Event::RegistryChanged(_)
            | Event::SupportRequested(_)
            | Event::SupportGiven(_)
            | Event::AccountChanged(_)
            | Event::ResolutionProposed(_)
            | Event::ResolutionRejected(_)
            | Event::ReviewSampleDrawn(_)
            | Event::CaseReviewed(_) => {}
        }
    }
}

/// Folds one report's entries, given in any order, into its facts.
pub fn fold_report(report_id: &str, envelopes: &mut [Envelope]) -> Folded {
    envelopes.sort_by(happened);
    let report = ReportFacts { report_id: report_id.to_owned(), ..ReportFacts::default() };
    let mut folder = Folder {
        folded: Folded { report, cases: Vec::new() },
        case_holders: HashMap::new(),
        waiting_since: HashMap::new(),
    };
    for envelope in envelopes.iter() {
        folder.apply(envelope);
    }
    folder.folded
}

/// Folds entries' envelopes, in any order, into every report's facts
/// (events about no report, such as registry changes, are skipped).
pub fn fold<'a>(envelopes: impl IntoIterator<Item = &'a Envelope>) -> HashMap<String, Folded> {
    let mut by_report: HashMap<&str, Vec<Envelope>> = HashMap::new();
    for envelope in envelopes {
        if !envelope.report_id.is_empty() {
            by_report.entry(envelope.report_id.as_str()).or_default().push(envelope.clone());
        }
    }
    by_report.into_iter().map(|(id, mut envelopes)| (id.to_owned(), fold_report(id, &mut envelopes))).collect()
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
                Event::CaseOpened(CaseOpened {
                    case_id: "c2".into(),
                    institution_id: "bandung-dpu".into(),
                    ..Default::default()
                }),
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
        assert_eq!(city.appeal_outcome.as_deref(), Some("taken_up"));
        assert!(at("jabar").is_open());
    }

    #[test]
    fn a_case_opened_again_elsewhere_closes_where_it_is_and_waiting_is_kept() {
        use aduan_platform::proto::{CitizenReplied, QuestionAsked};
        let opened = |institution: &str| {
            Event::CaseOpened(CaseOpened {
                case_id: "c1".into(),
                institution_id: institution.into(),
                ..Default::default()
            })
        };
        let events = [
            envelope(1, 1, assigned("kemen-pu", "rule")),
            envelope(2, 1, opened("kemen-pu")),
            envelope(
                3,
                2,
                Event::Returned(ReturnedNotAuthority { institution_id: "kemen-pu".into(), ..Default::default() }),
            ),
            envelope(4, 3, assigned("bandung-dpu", "verifier")),
            envelope(5, 3, opened("bandung-dpu")),
            envelope(
                6,
                6,
                Event::QuestionAsked(QuestionAsked { institution_id: "bandung-dpu".into(), ..Default::default() }),
            ),
            envelope(7, 9, Event::CitizenReplied(CitizenReplied::default())),
            envelope(8, 10, Event::Resolved(Resolved { institution_id: "bandung-dpu".into(), ..Resolved::default() })),
            envelope(9, 13, Event::Closed(Closed { case_id: "c1".into(), reason: "silence".into() })),
        ];
        let folded = fold(events.iter().rev());
        let at = |id: &str| folded["r1"].cases.iter().find(|case| case.institution_id == id).unwrap().clone();
        assert!(at("kemen-pu").closed_at.is_none(), "the ministry sent it back; the city closed it");
        assert_eq!(at("bandung-dpu").close_reason.as_deref(), Some("silence"));
        let spans: Vec<(i64, i64)> = serde_json::from_str(&at("bandung-dpu").waiting).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].1 - spans[0].0, 3 * 86_400, "three days waiting for the citizen");
    }

    #[test]
    fn the_citizens_rating_and_the_close_belong_to_the_case_that_resolved() {
        let events = [
            envelope(1, 1, assigned("bandung-dpu", "rule")),
            envelope(
                2,
                1,
                Event::CaseOpened(CaseOpened {
                    case_id: "c1".into(),
                    institution_id: "bandung-dpu".into(),
                    ..Default::default()
                }),
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

    #[test]
    fn a_case_is_due_from_the_deadlines_it_opens_with_until_they_move_or_it_closes() {
        use aduan_platform::proto::{Deadline, DeadlinesSet};
        let deadline = |clock: &str, due_on: &str| Deadline { clock: clock.into(), due_on: due_on.into() };
        let opened = Event::CaseOpened(CaseOpened {
            case_id: "c1".into(),
            institution_id: "bandung-dpu".into(),
            deadlines: vec![deadline("resolution", "2026-08-12"), deadline("first_follow_up", "2026-07-08")],
        });
        let moved = Event::DeadlinesSet(DeadlinesSet {
            case_id: "c1".into(),
            // The citizen's own window is not the institution's to meet.
            deadlines: vec![deadline("citizen_answer", "2026-07-09"), deadline("resolution", "2026-08-12")],
        });
        let closed = Event::Closed(Closed { case_id: "c1".into(), reason: "accepted".into() });
        let due = |events: &[Envelope]| fold(events.iter())["r1"].cases[0].due_on;
        let mut events = vec![envelope(1, 1, assigned("bandung-dpu", "rule")), envelope(2, 1, opened)];
        assert_eq!(due(&events), NaiveDate::from_ymd_opt(2026, 7, 8));
        events.push(envelope(3, 2, moved));
        assert_eq!(due(&events), NaiveDate::from_ymd_opt(2026, 8, 12));
        events.push(envelope(4, 3, closed));
        assert_eq!(due(&events), None);
    }

    #[test]
    fn a_case_opened_again_elsewhere_is_due_where_it_now_is() {
        use aduan_platform::proto::Deadline;
        let opened = |institution: &str, due_on: &str| {
            Event::CaseOpened(CaseOpened {
                case_id: "c1".into(),
                institution_id: institution.into(),
                deadlines: vec![Deadline { clock: "first_follow_up".into(), due_on: due_on.into() }],
            })
        };
        let returned = ReturnedNotAuthority { institution_id: "bandung-dpu".into(), ..Default::default() };
        let events = [
            envelope(1, 1, assigned("bandung-dpu", "rule")),
            envelope(2, 1, opened("bandung-dpu", "2026-07-08")),
            envelope(3, 2, Event::Returned(returned)),
            envelope(4, 3, assigned("jabar-dbmpr", "parent_institution")),
            envelope(5, 3, opened("jabar-dbmpr", "2026-07-10")),
        ];
        let folded = fold(events.iter().rev());
        let due = |id: &str| folded["r1"].cases.iter().find(|case| case.institution_id == id).unwrap().due_on;
        assert_eq!(due("jabar-dbmpr"), NaiveDate::from_ymd_opt(2026, 7, 10));
        assert_eq!(due("bandung-dpu"), NaiveDate::from_ymd_opt(2026, 7, 8), "the city's own date stays its own");
    }
}
