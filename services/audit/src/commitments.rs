//! What enters the ledger of an event: everything but the words people
//! wrote. Free text (a citizen's title and description, officers' answers,
//! verifiers' reasons) may name people, so the ledger holds each text's
//! SHA-256 instead (`sha256:<hex>`), and the tracking code the same way: the
//! entry proves that the step happened, when, by whom (a pseudonym) and with
//! which words, without holding them. Whoever holds the words (the case, the
//! ombudsman's export) checks them against it.
//!
//! The match below is exhaustive on purpose: a new event does not compile
//! until someone decides which of its fields are words.

use aduan_platform::proto::envelope::Event;
use aduan_platform::proto::{Envelope, ReportContent};
use sha2::{Digest as _, Sha256};

/// The commitment to `text`: `sha256:` and its hex digest; empty stays empty.
pub fn commitment(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

fn commit(text: &mut String) {
    *text = commitment(text);
}

fn commit_content(content: &mut Option<ReportContent>) {
    if let Some(content) = content {
        commit(&mut content.title);
        commit(&mut content.description);
        commit(&mut content.tracking_code);
    }
}

/// `envelope` with every free text replaced by its commitment.
pub fn without_words(mut envelope: Envelope) -> Envelope {
    let Some(event) = envelope.event.as_mut() else { return envelope };
    match event {
        Event::Filed(filed) => commit_content(&mut filed.content),
        Event::Assigned(assigned) => {
            commit_content(&mut assigned.content);
            commit(&mut assigned.note);
        }
        Event::Returned(returned) => commit(&mut returned.reason),
        Event::FollowUpPosted(posted) => commit(&mut posted.message),
        Event::Resolved(resolved) => commit(&mut resolved.summary),
        Event::Accepted(accepted) => commit(&mut accepted.comment),
        Event::Deferred(deferred) => commit(&mut deferred.question),
        Event::Archived(archived) => commit(&mut archived.note),
        Event::Clarified(clarified) => commit(&mut clarified.text),
        Event::QuestionAsked(asked) => commit(&mut asked.question),
        Event::CitizenReplied(replied) => commit(&mut replied.text),
        Event::Disputed(disputed) => commit(&mut disputed.reason),
        Event::Appealed(appealed) => commit(&mut appealed.reason),
        Event::ReferredToOmbudsman(referred) => commit(&mut referred.reason),
        Event::SupportRequested(requested) => commit(&mut requested.note),
        Event::PrivacyRaised(raised) => commit(&mut raised.reason),
        Event::AppealUpheld(upheld) => commit(&mut upheld.reason),
        Event::PublicationChanged(changed) => {
            commit(&mut changed.public_title);
            commit(&mut changed.public_description);
            commit(&mut changed.reason);
        }
        Event::CaseReviewed(reviewed) => commit(&mut reviewed.findings),
        // Codes, ids and dates only; the registry is public and names no one.
        Event::CaseOpened(_)
        | Event::Closed(_)
        | Event::Merged(_)
        | Event::Escalated(_)
        | Event::ForwardedToUnit(_)
        | Event::UnitAnswered(_)
        | Event::RegistryChanged(_)
        | Event::SupportGiven(_)
        | Event::QuestionLapsed(_)
        | Event::AccountChanged(_)
        | Event::ResolutionProposed(_)
        | Event::ResolutionRejected(_)
        | Event::DeadlinesSet(_)
        | Event::ReviewSampleDrawn(_) => {}
    }
    envelope
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_platform::proto::{CitizenReplied, ReportFiled};

    #[test]
    fn words_become_commitments_and_the_rest_stays() {
        let filed = Envelope {
            message_id: "m".into(),
            report_id: "r".into(),
            event: Some(Event::Filed(ReportFiled {
                content: Some(ReportContent {
                    category: "roads".into(),
                    region: "32.73".into(),
                    title: "Siti Rahayu's street".into(),
                    description: "Call me on 0812 3456 7890".into(),
                    tracking_code: "ADU-1234-5678-9ABC".into(),
                    ..ReportContent::default()
                }),
                channel: "api".into(),
            })),
            ..Envelope::default()
        };
        let kept = without_words(filed);
        let Some(Event::Filed(filed)) = kept.event else { panic!("still a filing") };
        let content = filed.content.expect("content");
        assert_eq!(
            (content.category.as_str(), content.region.as_str(), filed.channel.as_str()),
            ("roads", "32.73", "api")
        );
        assert_eq!(content.title, commitment("Siti Rahayu's street"));
        assert!(content.description.starts_with("sha256:") && !content.description.contains("0812"));
        assert_eq!(kept.report_id, "r");
        let replied = without_words(Envelope {
            event: Some(Event::CitizenReplied(CitizenReplied { text: String::new() })),
            ..Envelope::default()
        });
        let Some(Event::CitizenReplied(replied)) = replied.event else { panic!("still a reply") };
        assert_eq!(replied.text, "", "nothing to commit to");
    }
}
