//! The verification queue: reports no rule places with certainty wait here
//! for a verifier, who assigns, defers (asking the citizen), archives, or
//! merges them as duplicates. Cases whose clocks ran out all the way up the
//! escalation chain wait for the national verifier, who may reassign them to
//! another institution. Each decision is one procedure step and one event.

use aduan_access::StaffRole;
use aduan_platform::auth::Caller;
use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::outbox;
use aduan_platform::proto::{self, Message as _, envelope::Event};
use aduan_platform::report_order;
use aduan_procedure::{Action, Role, Status, Tier};
use aduan_registry::Registry;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QuerySelect, Set,
};
use uuid::Uuid;

use crate::authorization::{Action as Permission, Target, permit};
use crate::routed_report;
use crate::verification_clock::VerificationClocks;

/// Why a report is archived (PROCEDURE.md, "archived").
pub const ARCHIVE_REASONS: [&str; 3] = ["not_public_service", "too_vague", "spam"];

/// A verifier's decision on a report in the queue.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Give it to this institution.
    Assign {
        /// The institution's id.
        institution_id: String,
        /// The resolution tier, when not the one the category implies.
        tier: Option<Tier>,
    },
    /// Ask the citizen this.
    Defer {
        /// The question.
        question: String,
    },
    /// Do not take it up.
    Archive {
        /// One of [`ARCHIVE_REASONS`].
        reason: String,
        /// Anything the citizen should know.
        note: String,
    },
    /// It duplicates this earlier report.
    Merge {
        /// The original.
        into_report_id: Uuid,
    },
    /// Take an escalated case from its institution and give it to this one.
    Reassign {
        /// The institution's id.
        institution_id: String,
        /// Why, for the record and the new institution.
        reason: String,
    },
    /// Uphold the answer appealed against an institution with no parent: the
    /// case closes, and the citizen may refer it to the ombudsman.
    UpholdAppeal {
        /// Why, for the citizen.
        reason: String,
    },
}

impl Decision {
    /// The permission it needs on the report, and on the institution it
    /// gives the report to, if it gives it to one.
    fn permission(&self) -> Permission {
        match self {
            Decision::Reassign { .. } | Decision::UpholdAppeal { .. } => Permission::Reassign,
            _ => Permission::Verify,
        }
    }

    fn destination(&self) -> Option<&str> {
        match self {
            Decision::Assign { institution_id, .. } | Decision::Reassign { institution_id, .. } => Some(institution_id),
            _ => None,
        }
    }

    fn action(&self) -> Action {
        match self {
            Decision::Assign { .. } | Decision::Reassign { .. } => Action::Assign,
            Decision::Defer { .. } => Action::Defer,
            Decision::Archive { .. } => Action::Archive,
            Decision::Merge { .. } => Action::MergeAsDuplicate,
            Decision::UpholdAppeal { .. } => Action::UpholdAppeal,
        }
    }
}

/// How a reassigned case is marked in its `assigned` event.
pub const REASSIGNED: &str = "reassigned";

/// What a verifier's assignment gives the report.
struct Given<'a> {
    institution_id: &'a str,
    matched_by: &'a str,
    note: &'a str,
    tier: Option<Tier>,
}

/// Gives the report to an institution: the route's new state and the event.
fn assign(
    registry: &Registry,
    routed: &routed_report::Model,
    active: &mut routed_report::ActiveModel,
    given: Given<'_>,
) -> Result<Event, ApiError> {
    let Given { institution_id, matched_by, note, tier } = given;
    let institution = registry
        .institution(institution_id)
        .ok_or_else(|| ApiError::invalid("unknown_institution", format!("{institution_id:?} is not an institution")))?;
    let content = proto::ReportContent::decode(routed.content.as_slice()).map_err(ApiError::internal)?;
    active.institution_id = Set(institution.id.clone());
    active.matched_by = Set(matched_by.to_owned());
    Ok(Event::Assigned(proto::AssignedToInstitution {
        institution_id: institution.id.clone(),
        institution_name: institution.name.clone(),
        content: Some(content),
        returns_so_far: u32::try_from(routed.returns).unwrap_or(0),
        matched_by: matched_by.to_owned(),
        note: note.to_owned(),
        tier: tier.map(Tier::as_str).unwrap_or_default().to_owned(),
    }))
}

/// The report's route, locked for this verifier's step, or 404.
async fn lock_routed(txn: &DatabaseTransaction, report_id: Uuid) -> Result<routed_report::Model, ApiError> {
    routed_report::Entity::find_by_id(report_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("report_not_found", "routing has no report with this id"))
}

/// Applies a verifier's decision, or says why it cannot be taken.
pub async fn decide(
    db: &DatabaseConnection,
    registry: &Registry,
    clocks: &VerificationClocks,
    report_id: Uuid,
    caller: &Caller,
    decision: Decision,
) -> Result<routed_report::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let routed = lock_routed(&txn, report_id).await?;
    // A report waiting for verification is reached by where it came from; a
    // case on the escalations list by the institution that holds it.
    let target = match decision.permission() {
        Permission::Reassign => Target::Institution(&routed.institution_id),
        _ => Target::Region(&routed.region),
    };
    permit(caller, decision.permission(), target, registry)?;
    if let Some(destination) = decision.destination() {
        permit(caller, decision.permission(), Target::Institution(destination), registry)?;
    }
    let current = Status::parse(&routed.status).ok_or_else(|| ApiError::internal("unknown stored status"))?;
    let next = aduan_procedure::transition(current, decision.action(), Role::Verifier)
        .map_err(|error| ApiError::conflict("illegal_transition", error.to_string()))?;
    // The procedure lets a verifier assign an assigned case too: that is a
    // reassignment, for escalated cases only, through its own step.
    match &decision {
        Decision::Reassign { .. } if routed.escalated_to_verifier_at.is_none() => {
            return Err(ApiError::conflict(
                "not_escalated",
                "only a case escalated to the national verifier can be reassigned",
            ));
        }
        Decision::Assign { .. } if current != Status::Submitted => {
            return Err(ApiError::conflict(
                "not_waiting",
                format!("the report is {}, not waiting in the verification queue", current.as_str()),
            ));
        }
        Decision::UpholdAppeal { .. } if routed.escalation_reason.as_deref() != Some(crate::placing::APPEAL) => {
            return Err(ApiError::conflict(
                "not_appealed",
                "only an appeal waiting for the national verifier is upheld",
            ));
        }
        _ => {}
    }
    let mut active = routed.clone().into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.routed_at = Set(chrono::Utc::now());
    clocks.after(&routed, &mut active, decision.action());
    let event = match decision {
        Decision::Assign { institution_id, tier } => {
            let given = Given { institution_id: &institution_id, matched_by: "verifier", note: "", tier };
            assign(registry, &routed, &mut active, given)?
        }
        Decision::Reassign { institution_id, reason } => {
            if institution_id == routed.institution_id {
                return Err(ApiError::invalid("same_institution", "the case is with this institution already"));
            }
            active.escalated_to_verifier_at = Set(None);
            active.escalation_reason = Set(None);
            // The tier stays the one the case has.
            let given = Given { institution_id: &institution_id, matched_by: REASSIGNED, note: &reason, tier: None };
            assign(registry, &routed, &mut active, given)?
        }
        Decision::Defer { question } => Event::Deferred(proto::Deferred { question }),
        Decision::Archive { reason, note } => {
            if !ARCHIVE_REASONS.contains(&reason.as_str()) {
                return Err(ApiError::invalid(
                    "invalid_archive_reason",
                    format!("reason must be one of {}", ARCHIVE_REASONS.join(", ")),
                ));
            }
            Event::Archived(proto::Archived { reason, note })
        }
        Decision::Merge { into_report_id } => {
            let original = check_original(&txn, report_id, into_report_id).await?;
            permit(caller, Permission::Verify, Target::Region(&original.region), registry)?;
            Event::Merged(proto::MergedAsDuplicate { into_report_id: into_report_id.to_string() })
        }
        Decision::UpholdAppeal { reason } => {
            active.escalated_to_verifier_at = Set(None);
            active.escalation_reason = Set(None);
            Event::AppealUpheld(proto::AppealUpheld { reason })
        }
    };
    let sequence = outbox::enqueue(&txn, new_envelope(report_id, caller.actor(StaffRole::Verifier), event)).await?;
    // What the verifier did is later than any fact about the case seen so far.
    active.case_sequence = Set(report_order::stored(sequence));
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A report is merged only into an earlier report that is still open: the
/// duplicate's citizen follows the original, so the original must be
/// followed somewhere and must have come first.
async fn check_original(
    txn: &DatabaseTransaction,
    report_id: Uuid,
    into_report_id: Uuid,
) -> Result<routed_report::Model, ApiError> {
    if into_report_id == report_id {
        return Err(ApiError::invalid("invalid_merge", "a report cannot be merged into itself"));
    }
    let original = routed_report::Entity::find_by_id(into_report_id)
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("original_not_found", "routing has no report with the original's id"))?;
    // Report ids are UUIDv7s given at filing: their order is the filing order.
    if into_report_id > report_id {
        return Err(ApiError::invalid("original_not_earlier", "a report is merged only into one filed before it"));
    }
    let status = Status::parse(&original.status).unwrap_or(Status::Submitted);
    if !crate::similar::may_be_original(status) {
        return Err(ApiError::conflict(
            "original_not_open",
            format!("the original is {}; merge only into a report that is still being handled", status.as_str()),
        ));
    }
    Ok(original)
}

/// Raises the privacy of a report (never lowers it), at any step, with the
/// reason the citizen will read; the report's content carries it from now on.
pub async fn raise_privacy(
    db: &DatabaseConnection,
    registry: &Registry,
    report_id: Uuid,
    caller: &Caller,
    privacy: proto::Privacy,
    reason: String,
) -> Result<routed_report::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let routed = lock_routed(&txn, report_id).await?;
    permit(caller, Permission::Verify, Target::Region(&routed.region), registry)?;
    let mut content = proto::ReportContent::decode(routed.content.as_slice()).map_err(ApiError::internal)?;
    let current = proto::Privacy::name_of(content.privacy);
    if !proto::Privacy::is_raise(current, proto::Privacy::name_of(privacy as i32)) {
        return Err(ApiError::invalid(
            "not_a_raise",
            format!("the report is {current}; privacy can only be raised (public, anonymous, confidential)"),
        ));
    }
    content.privacy = privacy as i32;
    let mut active = routed.into_active_model();
    active.content = Set(content.encode_to_vec());
    let updated = active.update(&txn).await?;
    let event = Event::PrivacyRaised(proto::PrivacyRaised { privacy: privacy as i32, reason });
    outbox::enqueue(&txn, new_envelope(report_id, caller.actor(StaffRole::Verifier), event)).await?;
    txn.commit().await?;
    Ok(updated)
}
