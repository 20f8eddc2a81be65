//! Filling and emptying inboxes: a case opens where routing assigned the
//! report (or moves there when it was re-routed, appealed or reassigned) and
//! closes when the citizen accepts the resolution.

use std::collections::{HashMap, HashSet};

use aduan_platform::bus::{HandlerError, Incoming};
use aduan_platform::consumer::{ApplyEvent, firsts_of_reports};
use aduan_platform::envelope::{new_envelope, report_id, system_actor};
use aduan_platform::outbox::Outgoing;
use aduan_platform::proto::{self, Envelope, envelope::Event};
use aduan_procedure::{Action, Role, Status, Tier};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::deadlines::ClockKeeper;
use crate::entities::{case, case_branch, case_clocks, case_entry, pending_privacy};
use crate::{SERVICE, history};

/// How routing marks an assignment that carries a citizen's appeal.
const APPEAL: &str = "appeal";
/// How routing marks the national verifier's reassignment of an escalated case.
const REASSIGNED: &str = "reassigned";

/// Resolution's reaction to `assigned`, the citizen's replies and disputes, and `accepted`.
#[derive(Debug, Clone)]
pub struct KeepInboxes {
    /// Keeps the cases' clocks in step.
    pub clocks: ClockKeeper,
}

fn kind_name(kind: i32) -> &'static str {
    match proto::ReportKind::try_from(kind) {
        Ok(proto::ReportKind::Aspiration) => "aspiration",
        Ok(proto::ReportKind::InformationRequest) => "information_request",
        _ => "complaint",
    }
}

/// A verifier raised the report's privacy: the case follows, and says so.
/// A raise that comes before the case opened (the report still waited for a
/// verifier, or the raise overtook the assignment on the bus) is kept, and
/// the case opens with it.
async fn raise_privacy(
    txn: &DatabaseTransaction,
    report_id: Uuid,
    raised: &proto::PrivacyRaised,
) -> Result<(), HandlerError> {
    let name = proto::Privacy::name_of(raised.privacy);
    let Some(existing) =
        case::Entity::find().filter(case::Column::ReportId.eq(report_id)).lock_exclusive().one(txn).await?
    else {
        return keep_for_the_case(txn, report_id, name, &raised.reason).await;
    };
    if proto::Privacy::is_raise(&existing.privacy, name) {
        apply_privacy(txn, existing, name, &raised.reason).await?;
    }
    Ok(())
}

async fn keep_for_the_case(
    txn: &DatabaseTransaction,
    report_id: Uuid,
    name: &str,
    reason: &str,
) -> Result<(), HandlerError> {
    let kept = pending_privacy::Entity::find_by_id(report_id).one(txn).await?;
    let row = pending_privacy::ActiveModel {
        report_id: Set(report_id),
        privacy: Set(name.to_owned()),
        reason: Set(reason.to_owned()),
    };
    match kept {
        None => {
            row.insert(txn).await?;
        }
        Some(kept) if proto::Privacy::is_raise(&kept.privacy, name) => {
            row.update(txn).await?;
        }
        Some(_) => {}
    }
    Ok(())
}

async fn apply_privacy(
    txn: &DatabaseTransaction,
    case: case::Model,
    name: &str,
    reason: &str,
) -> Result<case::Model, HandlerError> {
    let text = format!("Now {name}: {reason}");
    case_entry::NewEntry {
        case_id: case.id,
        institution_id: &case.institution_id,
        kind: "privacy_raised",
        author: "verifier",
        role: "verifier",
        text: &text,
    }
    .write(txn)
    .await?;
    let mut active = case.into_active_model();
    active.privacy = Set(name.to_owned());
    Ok(active.update(txn).await?)
}

/// The tier the verifier set; else an information request's own tier,
/// whatever its category; else the one the category implies.
fn tier_of(clocks: &ClockKeeper, assigned: &proto::AssignedToInstitution, content: &proto::ReportContent) -> String {
    let is_information_request = content.kind == proto::ReportKind::InformationRequest as i32;
    match Tier::parse(&assigned.tier) {
        Some(tier) => tier,
        None if is_information_request => Tier::InformationRequest,
        None => clocks.registry.current().category(&content.category).map(|category| category.tier).unwrap_or_default(),
    }
    .as_str()
    .to_owned()
}

/// Moves the case of a report that has one to where routing assigned it
/// now; opens one for a report that has none.
async fn open_case(
    clocks: &ClockKeeper,
    txn: &DatabaseTransaction,
    report_id: Uuid,
    assigned: &proto::AssignedToInstitution,
) -> Result<(), HandlerError> {
    let existing = case::Entity::find().filter(case::Column::ReportId.eq(report_id)).lock_exclusive().one(txn).await?;
    let Some(existing) = existing else {
        let span = tracing::Span::current();
        return open_new_cases(clocks, txn, &[Opening { report_id, assigned, span: &span }]).await;
    };
    let mut current = Status::parse(&existing.status).unwrap_or(Status::Submitted);
    if assigned.matched_by == APPEAL && matches!(current, Status::Resolved | Status::Reopened) {
        // Routing took the citizen's appeal up a level.
        current = aduan_procedure::transition(current, Action::Appeal, Role::Citizen)
            .map_err(|error| HandlerError::Permanent(error.to_string()))?;
    }
    // Only the national verifier takes a case from an institution that has started on it.
    let role = if assigned.matched_by == REASSIGNED { Role::Verifier } else { Role::System };
    let next = match aduan_procedure::transition(current, Action::Assign, role) {
        Ok(next) => next,
        Err(error) if assigned.matched_by == REASSIGNED => {
            // The institution resolved it while the verifier was
            // reassigning it: its answer stands, and the citizen may
            // still dispute or appeal it.
            tracing::warn!(%report_id, %error, "a reassignment arrived after the case moved on; not applied");
            return Ok(());
        }
        Err(error) => return Err(HandlerError::Permanent(error.to_string())),
    };
    if assigned.matched_by == REASSIGNED {
        record_reassignment(txn, &existing, assigned).await?;
    }
    let now = Utc::now();
    let mut active = existing.into_active_model();
    if !assigned.tier.is_empty() {
        active.tier = Set(assigned.tier.clone());
    }
    active.institution_id = Set(assigned.institution_id.clone());
    active.institution_name = Set(assigned.institution_name.clone());
    active.status = Set(next.as_str().to_owned());
    active.opened_at = Set(now);
    active.updated_at = Set(now);
    let moved = active.update(txn).await?;
    let deadlines = clocks.reopened(txn, &moved).await?;
    history::emit(txn, case_opened(&moved, deadlines)).await?;
    Ok(())
}

/// The event saying `case` is in its institution's inbox, with the
/// `deadlines` of the clocks it runs there.
fn case_opened(case: &case::Model, deadlines: Vec<proto::Deadline>) -> Envelope {
    let opened =
        proto::CaseOpened { case_id: case.id.to_string(), institution_id: case.institution_id.clone(), deadlines };
    new_envelope(case.report_id, system_actor(SERVICE), Event::CaseOpened(opened))
}

/// A report's assignment that opens its case: the report has none yet.
struct Opening<'a> {
    report_id: Uuid,
    assigned: &'a proto::AssignedToInstitution,
    /// The assignment's span: the case's events continue its trace.
    span: &'a tracing::Span,
}

/// The case `opening` opens, as of `now`, its clocks not started yet.
fn new_case(clocks: &ClockKeeper, opening: &Opening<'_>, now: DateTime<Utc>) -> Result<case::Model, HandlerError> {
    let assigned = opening.assigned;
    let content =
        assigned.content.as_ref().ok_or_else(|| HandlerError::Permanent("an assigned event without content".into()))?;
    Ok(case::Model {
        id: Uuid::now_v7(),
        report_id: opening.report_id,
        institution_id: assigned.institution_id.clone(),
        institution_name: assigned.institution_name.clone(),
        status: Status::Assigned.as_str().to_owned(),
        tracking_code: content.tracking_code.clone(),
        kind: kind_name(content.kind).to_owned(),
        category: content.category.clone(),
        region: content.region.clone(),
        tier: tier_of(clocks, assigned, content),
        privacy: proto::Privacy::name_of(content.privacy).to_owned(),
        title: content.title.clone(),
        description: content.description.clone(),
        pending_resolution: None,
        rating: None,
        fixed: None,
        opened_at: now,
        updated_at: now,
        next_due_on: None,
    })
}

/// Opens the cases of reports that have none, all at once: one insert of
/// the cases, one of their clocks, and their events (each case's opening,
/// with its deadlines) in a few statements, whatever their number. A privacy
/// raise that came before its case (the report still waited for a verifier,
/// or the raise overtook the assignment on the bus) applies as the case
/// opens, case by case (it is rare).
async fn open_new_cases(
    clocks: &ClockKeeper,
    txn: &DatabaseTransaction,
    openings: &[Opening<'_>],
) -> Result<(), HandlerError> {
    let now = Utc::now();
    let mut cases: Vec<case::Model> =
        openings.iter().map(|opening| new_case(clocks, opening, now)).collect::<Result<_, _>>()?;
    let first = clocks.start_all(txn, &mut cases).await?;
    // Nineteen parameters a row: well within a statement's limit.
    for chunk in cases.chunks(500) {
        let rows = chunk.iter().cloned().map(IntoActiveModel::into_active_model);
        case::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    for chunk in first.rows.chunks(1000) {
        case_clocks::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
    }
    let reports = openings.iter().map(|opening| opening.report_id);
    let kept: HashMap<Uuid, pending_privacy::Model> = pending_privacy::Entity::find()
        .filter(pending_privacy::Column::ReportId.is_in(reports))
        .all(txn)
        .await?
        .into_iter()
        .map(|kept| (kept.report_id, kept))
        .collect();
    let mut events = Vec::with_capacity(cases.len());
    for ((case, deadlines), opening) in cases.into_iter().zip(first.deadlines).zip(openings) {
        let case = match kept.get(&case.report_id) {
            Some(kept) if proto::Privacy::is_raise(&case.privacy, &kept.privacy) => {
                apply_privacy(txn, case, &kept.privacy, &kept.reason).await?
            }
            _ => case,
        };
        events.push(Outgoing::in_span(case_opened(&case, deadlines), opening.span));
    }
    history::emit_all(txn, events).await?;
    Ok(())
}

/// Writes the verifier's reason on the case and withdraws what the old
/// institution had forwarded to its units: their clocks no longer run.
async fn record_reassignment(
    txn: &DatabaseTransaction,
    case: &case::Model,
    assigned: &proto::AssignedToInstitution,
) -> Result<(), HandlerError> {
    let text = format!("Reassigned from {}: {}", case.institution_name, assigned.note);
    case_entry::NewEntry {
        case_id: case.id,
        institution_id: &assigned.institution_id,
        kind: "reassignment",
        author: "national verifier",
        role: "verifier",
        text: &text,
    }
    .write(txn)
    .await?;
    case_branch::Entity::update_many()
        .col_expr(case_branch::Column::Status, Expr::value("withdrawn"))
        .filter(case_branch::Column::CaseId.eq(case.id))
        .filter(case_branch::Column::Status.eq("open"))
        .exec(txn)
        .await?;
    Ok(())
}

async fn close_accepted(
    clocks: &ClockKeeper,
    txn: &DatabaseTransaction,
    report_id: Uuid,
    accepted: &proto::Accepted,
) -> Result<(), HandlerError> {
    let Some(existing) =
        case::Entity::find().filter(case::Column::ReportId.eq(report_id)).lock_exclusive().one(txn).await?
    else {
        return Err(HandlerError::Permanent(format!("no case for report {report_id}")));
    };
    let current = Status::parse(&existing.status).unwrap_or(Status::Submitted);
    if current == Status::Closed {
        return Ok(());
    }
    let next = aduan_procedure::transition(current, Action::Accept, Role::Citizen)
        .map_err(|error| HandlerError::Permanent(error.to_string()))?;
    let case_id = existing.id;
    let mut active = existing.into_active_model();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    active.rating =
        Set(Some(accepted.rating).filter(|rating| (1..=5).contains(rating)).and_then(|r| i32::try_from(r).ok()));
    active.fixed = Set(match proto::Fixed::try_from(accepted.fixed) {
        Ok(proto::Fixed::Yes) => Some("yes".to_owned()),
        Ok(proto::Fixed::No) => Some("no".to_owned()),
        Ok(proto::Fixed::Partly) => Some("partly".to_owned()),
        _ => None,
    });
    let closed_case = active.update(txn).await?;
    clocks.after(txn, &closed_case, Action::Accept).await?;
    let closed = proto::Closed { case_id: case_id.to_string(), reason: "accepted".into() };
    history::emit(txn, new_envelope(report_id, system_actor(SERVICE), Event::Closed(closed))).await?;
    Ok(())
}

/// A step taken on the case by someone else (the citizen's appeal, the
/// national verifier upholding the answer): the case moves as the procedure
/// says; a step that no longer applies (the case moved on meanwhile) is only
/// recorded in the history.
async fn step_from_elsewhere(
    clocks: &ClockKeeper,
    txn: &DatabaseTransaction,
    report_id: Uuid,
    action: Action,
    role: Role,
) -> Result<(), HandlerError> {
    let Some(existing) =
        case::Entity::find().filter(case::Column::ReportId.eq(report_id)).lock_exclusive().one(txn).await?
    else {
        return Err(HandlerError::Permanent(format!("no case for report {report_id}")));
    };
    let current = Status::parse(&existing.status).unwrap_or(Status::Submitted);
    match aduan_procedure::transition(current, action, role) {
        Ok(next) => {
            let mut active = existing.into_active_model();
            active.status = Set(next.as_str().to_owned());
            active.updated_at = Set(Utc::now());
            let moved = active.update(txn).await?;
            clocks.after(txn, &moved, action).await?;
        }
        Err(error) => tracing::info!(%report_id, %error, "the case moved on; the step is only recorded"),
    }
    Ok(())
}

/// Puts what the citizen wrote on the case and moves it as the procedure
/// says. If the case moved on meanwhile (an officer resolved it as the
/// citizen wrote), the text is still kept; only the status stays.
async fn citizen_wrote(
    clocks: &ClockKeeper,
    txn: &DatabaseTransaction,
    report_id: Uuid,
    action: Action,
    kind: &str,
    text: &str,
) -> Result<(), HandlerError> {
    let Some(existing) =
        case::Entity::find().filter(case::Column::ReportId.eq(report_id)).lock_exclusive().one(txn).await?
    else {
        return Err(HandlerError::Permanent(format!("no case for report {report_id}")));
    };
    let entry = case_entry::NewEntry {
        case_id: existing.id,
        institution_id: &existing.institution_id,
        kind,
        author: "citizen",
        role: "citizen",
        text,
    }
    .write(txn)
    .await?;
    let now = entry.created_at;
    let current = Status::parse(&existing.status).unwrap_or(Status::Submitted);
    match aduan_procedure::transition(current, action, Role::Citizen) {
        Ok(next) => {
            let mut active = existing.into_active_model();
            active.status = Set(next.as_str().to_owned());
            active.updated_at = Set(now);
            let moved = active.update(txn).await?;
            clocks.after(txn, &moved, action).await?;
        }
        Err(error) => tracing::info!(%report_id, %error, "the case moved on; the citizen's text is kept"),
    }
    Ok(())
}

#[async_trait]
impl ApplyEvent for KeepInboxes {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        history::record(txn, envelope).await?;
        self.follow(txn, envelope).await
    }

    /// The batch's events go into the histories in one statement; the cases
    /// its reports' first assignments open, all at once; then each other
    /// event moves its case, in the batch's order.
    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        let envelopes: Vec<&Envelope> = batch.iter().map(|incoming| &incoming.envelope).collect();
        history::record_all(txn, &envelopes).await?;
        let opened = self.open_first_assignments(txn, batch).await?;
        for (index, incoming) in batch.iter().enumerate() {
            if !opened.contains(&index) {
                self.follow(txn, &incoming.envelope).instrument(incoming.span.clone()).await?;
            }
        }
        Ok(())
    }
}

impl KeepInboxes {
    /// Opens the cases of the batch's assignments of reports that have no
    /// case and no earlier event in the batch (a report's first assignment,
    /// the usual case), together; answers the places in the batch it took.
    async fn open_first_assignments(
        &self,
        txn: &DatabaseTransaction,
        batch: &[&Incoming],
    ) -> Result<HashSet<usize>, HandlerError> {
        let candidates = firsts_of_reports(batch, |event| match event {
            Event::Assigned(assigned) => Some(assigned),
            _ => None,
        });
        if candidates.is_empty() {
            return Ok(HashSet::new());
        }
        // Those with a case go the one-by-one way, which moves it. (A case
        // opened meanwhile by another batch fails this one's insert, and the
        // batch is handled again one by one.)
        let with_case: HashSet<Uuid> = case::Entity::find()
            .select_only()
            .column(case::Column::ReportId)
            .filter(case::Column::ReportId.is_in(candidates.iter().map(|(_, report_id, _, _)| *report_id)))
            .into_tuple()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        let (taken, openings): (HashSet<usize>, Vec<Opening<'_>>) = candidates
            .into_iter()
            .filter(|(_, report_id, _, _)| !with_case.contains(report_id))
            .map(|(index, report_id, assigned, span)| (index, Opening { report_id, assigned, span }))
            .unzip();
        open_new_cases(&self.clocks, txn, &openings).await?;
        Ok(taken)
    }

    /// What `envelope` does to its case (already in its report's history).
    async fn follow(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        if let Some(Event::RegistryChanged(changed)) = &envelope.event {
            return Ok(self.clocks.after_registry_change(txn, changed).await?);
        }
        let report_id = report_id(envelope)?;
        match &envelope.event {
            Some(Event::Assigned(assigned)) => open_case(&self.clocks, txn, report_id, assigned).await,
            Some(Event::Accepted(accepted)) => close_accepted(&self.clocks, txn, report_id, accepted).await,
            Some(Event::Appealed(_)) => {
                step_from_elsewhere(&self.clocks, txn, report_id, Action::Appeal, Role::Citizen).await
            }
            Some(Event::AppealUpheld(_)) => {
                step_from_elsewhere(&self.clocks, txn, report_id, Action::UpholdAppeal, Role::Verifier).await
            }
            Some(Event::CitizenReplied(replied)) => {
                citizen_wrote(&self.clocks, txn, report_id, Action::CitizenReplies, "citizen_reply", &replied.text)
                    .await
            }
            Some(Event::Disputed(disputed)) => {
                citizen_wrote(&self.clocks, txn, report_id, Action::Dispute, "dispute", &disputed.reason).await
            }
            Some(Event::PrivacyRaised(raised)) => raise_privacy(txn, report_id, raised).await,
            Some(Event::ReferredToOmbudsman(referred)) => {
                let action = Action::ReferToOmbudsman;
                citizen_wrote(&self.clocks, txn, report_id, action, "ombudsman_referral", &referred.reason).await
            }
            _ => Ok(()),
        }
    }
}
