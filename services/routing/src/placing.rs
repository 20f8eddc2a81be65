//! Placing reports: a filed report goes to the institution the registry names;
//! a returned one goes to the next candidate, never back to one that returned it.

use std::sync::Arc;

use aduan_platform::bus::{HandlerError, Incoming};
use aduan_platform::consumer::{ApplyEvent, firsts_of_reports};
use aduan_platform::envelope::{new_envelope, occurred_at, report_id, system_actor};
use aduan_platform::outbox;
use aduan_platform::proto::{self, Envelope, Message as _, envelope::Event};
use aduan_platform::report_order;
use aduan_procedure::{Action, EscalationStep, Role, Status};
use aduan_registry::MatchedBy;
use aduan_registry_store::LiveRegistry;
use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QuerySelect, Set};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::verification_clock::{VERIFICATION, VerificationClocks};
use crate::{SERVICE, routed_report};

/// A report's filing, to be placed.
struct Filing<'a> {
    report_id: Uuid,
    filed: &'a proto::ReportFiled,
    /// The filing's span: its assignment continues its trace.
    span: &'a tracing::Span,
}

/// Routing's reaction to `filed` and `returned`.
#[derive(Debug, Clone)]
pub struct PlaceReports {
    /// The registry routing decides by.
    pub registry: Arc<LiveRegistry>,
    /// The clocks of reports waiting for a verifier.
    pub verification: VerificationClocks,
}

impl PlaceReports {
    fn assigned(&self, content: proto::ReportContent, returned_by: &[String]) -> proto::AssignedToInstitution {
        let registry = self.registry.current();
        let decision = registry.route(&content.category, &content.region, returned_by);
        proto::AssignedToInstitution {
            institution_id: decision.institution.id.clone(),
            institution_name: decision.institution.name.clone(),
            content: Some(content),
            returns_so_far: u32::try_from(returned_by.len()).unwrap_or(u32::MAX),
            matched_by: decision.matched_by.as_str().to_owned(),
            note: String::new(),
            tier: String::new(),
        }
    }

    async fn place_new(
        &self,
        txn: &DatabaseTransaction,
        report_id: Uuid,
        filed: &proto::ReportFiled,
    ) -> Result<(), HandlerError> {
        if routed_report::Entity::find_by_id(report_id).one(txn).await?.is_some() {
            // Already placed under another message id (a re-published filing).
            return Ok(());
        }
        let span = tracing::Span::current();
        self.place_all(txn, &[Filing { report_id, filed, span: &span }]).await
    }

    /// Places `filings`, none placed before: one insert of their routes
    /// and one of the assignments routing is certain of, whatever their number.
    async fn place_all(&self, txn: &DatabaseTransaction, filings: &[Filing<'_>]) -> Result<(), HandlerError> {
        let mut routes = Vec::with_capacity(filings.len());
        let mut assignments = Vec::with_capacity(filings.len());
        for filing in filings {
            let (route, assigned) = self.route_of(filing)?;
            routes.push(route);
            if let Some(assigned) = assigned {
                let envelope = new_envelope(filing.report_id, system_actor(SERVICE), Event::Assigned(assigned));
                assignments.push(outbox::Outgoing::in_span(envelope, filing.span));
            }
        }
        // Sixteen parameters a row: well within a statement's limit.
        for chunk in routes.chunks(1000) {
            routed_report::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        outbox::enqueue_all(txn, assignments).await?;
        Ok(())
    }

    /// The route of a new filing, and its assignment when a rule is certain.
    fn route_of(
        &self,
        filing: &Filing<'_>,
    ) -> Result<(routed_report::ActiveModel, Option<proto::AssignedToInstitution>), HandlerError> {
        let report_id = filing.report_id;
        let content = filing
            .filed
            .content
            .clone()
            .ok_or_else(|| HandlerError::Permanent("a filed event without content".into()))?;
        let assigned = self.assigned(content.clone(), &[]);
        let certain = assigned.matched_by != MatchedBy::NationalVerifier.as_str();
        let status = if certain { Status::Assigned } else { Status::Submitted };
        let search_text = crate::similar::search_text(&content);
        let mut routed = routed_report::ActiveModel {
            report_id: Set(report_id),
            category: Set(content.category.clone()),
            region: Set(content.region.clone()),
            content: Set(content.encode_to_vec()),
            status: Set(status.as_str().to_owned()),
            institution_id: Set(assigned.institution_id.clone()),
            matched_by: Set(assigned.matched_by.clone()),
            returned_by: Set("[]".into()),
            returns: Set(0),
            routed_at: Set(chrono::Utc::now()),
            escalated_to_verifier_at: Set(None),
            escalation_reason: Set(None),
            case_sequence: Set(0),
            verification_clock: Set(None),
            verification_overdue_at: Set(None),
            search_text: Set(Some(search_text.clone())),
            likeness_sketch: Set(Some(crate::similar::sketch(&search_text))),
        };
        let _in_its_trace = filing.span.enter();
        if certain {
            tracing::info!(%report_id, institution = %assigned.institution_id, matched_by = %assigned.matched_by, "report routed");
            Ok((routed, Some(assigned)))
        } else {
            // No rule is certain: a verifier decides.
            tracing::info!(%report_id, "report waits in the verification queue");
            self.verification.start(&mut routed, &content.region);
            Ok((routed, None))
        }
    }

    /// Places the batch's filings (each report's first event in it, not
    /// placed before) together; answers the places in the batch it took.
    async fn place_filed(
        &self,
        txn: &DatabaseTransaction,
        batch: &[&Incoming],
    ) -> Result<std::collections::HashSet<usize>, HandlerError> {
        use sea_orm::{ColumnTrait as _, QueryFilter as _};
        let candidates = firsts_of_reports(batch, |event| match event {
            Event::Filed(filed) => Some(filed),
            _ => None,
        });
        if candidates.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        let placed: std::collections::HashSet<Uuid> = routed_report::Entity::find()
            .select_only()
            .column(routed_report::Column::ReportId)
            .filter(routed_report::Column::ReportId.is_in(candidates.iter().map(|(_, report_id, _, _)| *report_id)))
            .into_tuple()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        // Already placed under another message id (a re-published filing): nothing to do.
        let taken = candidates.iter().map(|(index, _, _, _)| *index).collect();
        let new: Vec<Filing<'_>> = candidates
            .into_iter()
            .filter(|(_, report_id, _, _)| !placed.contains(report_id))
            .map(|(_, report_id, filed, span)| Filing { report_id, filed, span })
            .collect();
        self.place_all(txn, &new).await?;
        Ok(taken)
    }

    async fn reroute(
        &self,
        txn: &DatabaseTransaction,
        report_id: Uuid,
        returned: &proto::ReturnedNotAuthority,
    ) -> Result<(), HandlerError> {
        let Some(routed) = routed_report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("report {report_id} was never routed")));
        };
        let mut returned_by = routed.returned_by();
        if !returned_by.contains(&returned.institution_id) {
            returned_by.push(returned.institution_id.clone());
        }
        let content = proto::ReportContent::decode(routed.content.as_slice())
            .map_err(|error| HandlerError::Permanent(format!("stored content is unreadable: {error}")))?;
        let assigned = self.assigned(content, &returned_by);
        let certain = assigned.matched_by != MatchedBy::NationalVerifier.as_str();
        let returns = routed.returns.saturating_add(1);
        let region = routed.region.clone();
        let mut active = routed.into_active_model();
        let status = if certain { Status::Assigned } else { Status::Submitted };
        if certain {
            active.verification_clock = Set(None);
            active.verification_overdue_at = Set(None);
        } else {
            // Back in the queue: a new verification step, with a new clock.
            self.verification.start(&mut active, &region);
        }
        active.status = Set(status.as_str().to_owned());
        active.institution_id = Set(assigned.institution_id.clone());
        active.matched_by = Set(assigned.matched_by.clone());
        active.returned_by = Set(serde_json::to_string(&returned_by).map_err(anyhow::Error::from)?);
        active.returns = Set(returns);
        active.routed_at = Set(chrono::Utc::now());
        active.escalated_to_verifier_at = Set(None);
        active.escalation_reason = Set(None);
        active.update(txn).await?;
        if certain {
            tracing::info!(%report_id, institution = %assigned.institution_id, returns, "report re-routed");
            outbox::enqueue(txn, new_envelope(report_id, system_actor(SERVICE), Event::Assigned(assigned))).await?;
        } else {
            tracing::info!(%report_id, returns, "returned report waits in the verification queue");
        }
        Ok(())
    }

    /// Sends an appealed report to the level above the institution that
    /// resolved it. Above an institution with no parent (or whose parent is
    /// the national verifier itself) the appeal goes on the national
    /// verifier's list, who reassigns the case or upholds the answer.
    async fn appeal_up(&self, txn: &DatabaseTransaction, report_id: Uuid) -> Result<(), HandlerError> {
        let Some(routed) = routed_report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("report {report_id} was never routed")));
        };
        let registry = self.registry.current();
        let national_verifier = registry.national_verifier().id.clone();
        let parent = registry
            .institution(&routed.institution_id)
            .and_then(|institution| institution.parent.as_deref())
            .and_then(|parent| registry.institution(parent))
            .filter(|parent| parent.id != national_verifier);
        let content = proto::ReportContent::decode(routed.content.as_slice())
            .map_err(|error| HandlerError::Permanent(format!("stored content is unreadable: {error}")))?;
        let returns_so_far = u32::try_from(routed.returns).unwrap_or(0);
        let institution_id = routed.institution_id.clone();
        let mut active = routed.into_active_model();
        active.routed_at = Set(chrono::Utc::now());
        match parent {
            Some(parent) => {
                active.status = Set(Status::Assigned.as_str().to_owned());
                active.institution_id = Set(parent.id.clone());
                active.matched_by = Set(APPEAL.into());
                active.escalated_to_verifier_at = Set(None);
                active.escalation_reason = Set(None);
                active.update(txn).await?;
                let assigned = proto::AssignedToInstitution {
                    institution_id: parent.id.clone(),
                    institution_name: parent.name.clone(),
                    content: Some(content),
                    returns_so_far,
                    matched_by: APPEAL.into(),
                    note: String::new(),
                    tier: String::new(),
                };
                tracing::info!(%report_id, institution = %parent.id, "appeal sent up a level");
                outbox::enqueue(txn, new_envelope(report_id, system_actor(SERVICE), Event::Assigned(assigned))).await?;
            }
            None => {
                let escalated = proto::Escalated {
                    case_id: String::new(),
                    institution_id,
                    clock: APPEAL.into(),
                    to: EscalationStep::NationalVerifier.as_str().into(),
                    told_institution_id: String::new(),
                    due_on: String::new(),
                };
                let envelope = new_envelope(report_id, system_actor(SERVICE), Event::Escalated(escalated));
                let sequence = outbox::enqueue(txn, envelope).await?;
                active.status = Set(Status::Appealed.as_str().to_owned());
                active.escalated_to_verifier_at = Set(Some(chrono::Utc::now()));
                active.escalation_reason = Set(Some(APPEAL.into()));
                active.case_sequence = Set(report_order::stored(sequence));
                active.update(txn).await?;
                tracing::info!(%report_id, "an appeal above the top of the tree goes to the national verifier");
            }
        }
        Ok(())
    }

    async fn requeue_clarified(&self, txn: &DatabaseTransaction, report_id: Uuid) -> Result<(), HandlerError> {
        let Some(routed) = routed_report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
            return Err(HandlerError::Permanent(format!("report {report_id} was never routed")));
        };
        let current = Status::parse(&routed.status).unwrap_or(Status::Submitted);
        let next = aduan_procedure::transition(current, Action::Clarify, Role::Citizen)
            .map_err(|error| HandlerError::Permanent(error.to_string()))?;
        let mut active = routed.clone().into_active_model();
        self.verification.after(&routed, &mut active, Action::Clarify);
        active.status = Set(next.as_str().to_owned());
        active.routed_at = Set(chrono::Utc::now());
        active.update(txn).await?;
        Ok(())
    }
}

/// How an appeal is marked in the events it causes.
pub const APPEAL: &str = "appeal";

/// Puts the report on the national verifier's list of escalated cases, from
/// which it may be reassigned (`Some(reason, at)`), or takes it off (`None`),
/// unless a later fact about its case was applied already.
async fn mark_escalated(
    txn: &DatabaseTransaction,
    report_id: Uuid,
    sequence: u64,
    escalation: Option<(&str, chrono::DateTime<chrono::Utc>)>,
) -> Result<(), HandlerError> {
    let Some(routed) = routed_report::Entity::find_by_id(report_id).lock_exclusive().one(txn).await? else {
        return Err(HandlerError::Permanent(format!("report {report_id} was never routed")));
    };
    if !report_order::is_later(sequence, routed.case_sequence) {
        // An escalation from before the resolution, say, arriving after it.
        tracing::info!(%report_id, "an earlier fact about the case arrived late; not applied");
        return Ok(());
    }
    let on_list = routed.escalated_to_verifier_at.is_some();
    tracing::info!(%report_id, institution = %routed.institution_id, escalated = escalation.is_some(), "national verifier's list");
    let mut active = routed.into_active_model();
    active.case_sequence = Set(report_order::stored(sequence));
    match escalation {
        // Already so: another clock of the same case got there first.
        Some(_) if on_list => {}
        Some((reason, at)) => {
            active.escalated_to_verifier_at = Set(Some(at));
            active.escalation_reason = Set(Some(reason.to_owned()));
        }
        None => {
            active.escalated_to_verifier_at = Set(None);
            active.escalation_reason = Set(None);
        }
    }
    active.update(txn).await?;
    Ok(())
}

#[async_trait]
impl ApplyEvent for PlaceReports {
    async fn apply(&self, txn: &DatabaseTransaction, envelope: &Envelope) -> Result<(), HandlerError> {
        let report_id = report_id(envelope)?;
        match &envelope.event {
            Some(Event::Filed(filed)) => self.place_new(txn, report_id, filed).await,
            Some(Event::Returned(returned)) => self.reroute(txn, report_id, returned).await,
            Some(Event::Clarified(_)) => self.requeue_clarified(txn, report_id).await,
            Some(Event::Appealed(_)) => self.appeal_up(txn, report_id).await,
            // A case's clocks ran out up the chain; the verification clock's
            // own escalation is about the queue, not a case to reassign.
            Some(Event::Escalated(escalated))
                if escalated.to == EscalationStep::NationalVerifier.as_str() && escalated.clock != VERIFICATION =>
            {
                let escalation = Some((escalated.clock.as_str(), occurred_at(envelope)));
                mark_escalated(txn, report_id, envelope.sequence, escalation).await
            }
            // Answered: nothing left for the national verifier to reassign.
            Some(Event::Resolved(_) | Event::Closed(_)) => {
                mark_escalated(txn, report_id, envelope.sequence, None).await
            }
            _ => Ok(()),
        }
    }

    /// The batch's filings are placed together; every other event after,
    /// one by one in the batch's order.
    async fn apply_batch(&self, txn: &DatabaseTransaction, batch: &[&Incoming]) -> Result<(), HandlerError> {
        let placed = self.place_filed(txn, batch).await?;
        for (index, incoming) in batch.iter().enumerate() {
            if !placed.contains(&index) {
                self.apply(txn, &incoming.envelope).instrument(incoming.span.clone()).await?;
            }
        }
        Ok(())
    }
}
