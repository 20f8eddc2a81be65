//! The verification step's clock: a report waiting for a verifier must be
//! verified within the procedure's `verify_and_assign` working days, counted
//! where the report is and paused while the citizen is asked to clarify. When
//! it runs out, the national verifier is told once, by an `escalated` event.

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::clock::{ROUND, Today, every_tick, start_of_day};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::outbox::{self, OutboxSignal};
use aduan_platform::proto::{self, envelope::Event};
use aduan_procedure::{Action, EscalationStep, ProcedureBook, VerificationClock};
use aduan_registry_store::LiveRegistry;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};
use tokio_util::sync::CancellationToken;

use crate::{SERVICE, routed_report};

/// The clock's name in `escalated` events.
pub const VERIFICATION: &str = "verification";

/// What the verification clocks need: calendars, the national verifier's
/// procedure, and now.
#[derive(Debug, Clone)]
pub struct VerificationClocks {
    /// Calendars and time zones.
    pub registry: Arc<LiveRegistry>,
    /// The national procedure and its tightenings.
    pub procedures: Arc<ProcedureBook>,
    /// Now.
    pub today: Today,
}

/// A waiting report's verification deadline, as the queue shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationDue {
    /// The last working day to verify; `None` while the citizen is asked.
    pub verify_by: Option<NaiveDate>,
    /// Whether that day has passed.
    pub overdue: bool,
}

impl VerificationClocks {
    /// Starts the clock of a report that now waits for a verifier in `region`.
    pub fn start(&self, active: &mut routed_report::ActiveModel, region: &str) {
        let registry = self.registry.current();
        let national_verifier = &registry.national_verifier().id;
        let budget = self.procedures.for_institution(national_verifier).clocks.verify_and_assign;
        let clock = VerificationClock::start(self.today.date_at(registry.utc_offset_for(region)), budget);
        self.store(active, Some(clock), region);
    }

    /// Moves the clock of `routed` for `action` (defer, clarify, assign, ...).
    pub fn after(&self, routed: &routed_report::Model, active: &mut routed_report::ActiveModel, action: Action) {
        let Some(clock) = stored(routed) else { return };
        let registry = self.registry.current();
        let today = self.today.date_at(registry.utc_offset_for(&routed.region));
        let next = clock.after(action, today, &registry.calendar_for(&routed.region));
        self.store(active, next, &routed.region);
    }

    /// The deadline of a waiting report.
    pub fn due(&self, routed: &routed_report::Model) -> VerificationDue {
        let Some(clock) = stored(routed) else { return VerificationDue { verify_by: None, overdue: false } };
        let registry = self.registry.current();
        let verify_by = clock.deadline(&registry.calendar_for(&routed.region));
        let today = self.today.date_at(registry.utc_offset_for(&routed.region));
        VerificationDue { verify_by, overdue: verify_by.is_some_and(|day| day < today) }
    }

    fn store(&self, active: &mut routed_report::ActiveModel, clock: Option<VerificationClock>, region: &str) {
        let registry = self.registry.current();
        let overdue_at = clock
            .and_then(|clock| clock.overdue_from(&registry.calendar_for(region)))
            .map(|day| start_of_day(day, registry.utc_offset_for(region)));
        active.verification_clock = Set(clock.and_then(|clock| serde_json::to_string(&clock).ok()));
        active.verification_overdue_at = Set(overdue_at);
    }

    /// After a registry change that may move deadlines: every waiting
    /// report's deadline is looked at again on the scheduler's next round.
    pub async fn recheck_all<C: ConnectionTrait>(&self, conn: &C) -> Result<(), sea_orm::DbErr> {
        let now = self.today.now();
        routed_report::Entity::update_many()
            .col_expr(routed_report::Column::VerificationOverdueAt, Expr::value(now))
            .filter(routed_report::Column::VerificationOverdueAt.gt(now))
            .exec(conn)
            .await?;
        Ok(())
    }

    /// Tells the national verifier of each report whose verification is
    /// overdue now, once; answers how many it looked at. A report whose
    /// deadline moved later (a holiday added since) is only rescheduled.
    pub async fn escalate_overdue(&self, db: &DatabaseConnection) -> anyhow::Result<usize> {
        let txn = aduan_platform::database::begin_write(db).await?;
        let mut query = routed_report::Entity::find()
            .filter(routed_report::Column::VerificationOverdueAt.lte(self.today.now()))
            .limit(ROUND);
        if txn.get_database_backend() == DbBackend::Postgres {
            // Replicas share the work; each report is told once.
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let overdue = query.all(&txn).await?;
        self.registry.refresh(&txn).await?;
        let national_verifier = self.registry.current().national_verifier().id.clone();
        for routed in &overdue {
            let mut active = routed.clone().into_active_model();
            if !self.due(routed).overdue {
                self.store(&mut active, stored(routed), &routed.region);
                active.update(&txn).await?;
                continue;
            }
            let clock = stored(routed).map(VerificationClock::escalated);
            self.store(&mut active, clock, &routed.region);
            active.update(&txn).await?;
            let escalated = proto::Escalated {
                case_id: String::new(),
                institution_id: national_verifier.clone(),
                clock: VERIFICATION.to_owned(),
                to: EscalationStep::NationalVerifier.as_str().to_owned(),
                told_institution_id: String::new(),
                due_on: self.due(routed).verify_by.map(|day| day.to_string()).unwrap_or_default(),
            };
            tracing::info!(report_id = %routed.report_id, "verification overdue; telling the national verifier");
            let envelope = new_envelope(routed.report_id, system_actor(SERVICE), Event::Escalated(escalated));
            outbox::enqueue(&txn, envelope).await?;
        }
        txn.commit().await?;
        Ok(overdue.len())
    }

    /// Looks for overdue verifications every `tick` until `stop`.
    pub async fn run(self, db: DatabaseConnection, outbox: OutboxSignal, tick: Duration, stop: CancellationToken) {
        every_tick(tick, outbox, stop, || self.escalate_overdue(&db)).await;
    }
}

fn stored(routed: &routed_report::Model) -> Option<VerificationClock> {
    serde_json::from_str(routed.verification_clock.as_deref()?).ok()
}
