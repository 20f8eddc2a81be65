//! The working-day clocks of cases: kept in step with every action on a case,
//! and watched by a scheduler that escalates what ran out and closes cases
//! after the citizen's silence. Each due thing fires once, even with several
//! replicas: the scheduler takes the rows it works on with `SKIP LOCKED` and
//! commits the effect, the event and the clocks' new state together.

use std::sync::Arc;
use std::time::Duration;

use aduan_platform::clock::{ROUND, Today, every_tick, start_of_day};
use aduan_platform::envelope::{new_envelope, system_actor};
use aduan_platform::outbox;
use aduan_platform::proto::{self, Envelope, envelope::Event};
use aduan_procedure::{Action, CaseClocks, ClockKind, Due, EscalationStep, ProcedureBook, Role, Status, Tier};
use aduan_registry::RegistryChange;
use aduan_registry_store::LiveRegistry;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::entities::{case, case_branch, case_clocks, escalation};
use crate::{SERVICE, history};

/// The running clocks of `clocks` and their deadlines, as announced.
pub fn deadlines_of(clocks: &CaseClocks, calendar: &aduan_procedure::Calendar) -> Vec<proto::Deadline> {
    clocks
        .running()
        .iter()
        .map(|running| proto::Deadline {
            clock: running.kind.as_str().to_owned(),
            // A paused clock's deadline moves every working day it waits.
            due_on: if running.paused_since.is_none() {
                running.clock.deadline(calendar).to_string()
            } else {
                String::new()
            },
        })
        .collect()
}

/// Keeps the case's nearest deadline for the institution (its first
/// follow-up or its resolution; the citizen's own windows are not the
/// institution's to meet), which its inbox sorts by, with every store of its
/// clocks.
async fn keep_next_due(txn: &DatabaseTransaction, case_id: Uuid, next_due: Option<NaiveDate>) -> Result<(), DbErr> {
    case::Entity::update_many()
        .col_expr(case::Column::NextDueOn, Expr::value(next_due))
        .filter(case::Column::Id.eq(case_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The nearest running deadline the institution must meet (the first
/// follow-up or the resolution), by which the inbox sorts.
pub fn next_due_on(clocks: &CaseClocks, calendar: &aduan_procedure::Calendar) -> Option<NaiveDate> {
    clocks
        .running()
        .iter()
        .filter(|running| matches!(running.kind, ClockKind::FirstFollowUp | ClockKind::Resolution))
        .filter(|running| running.paused_since.is_none())
        .map(|running| running.clock.deadline(calendar))
        .min()
}

/// The event telling everyone (the citizen, through intake) the running
/// clocks of `case` and their `deadlines`.
fn deadlines_set(case: &case::Model, deadlines: Vec<proto::Deadline>) -> Envelope {
    let set = proto::DeadlinesSet { case_id: case.id.to_string(), deadlines };
    new_envelope(case.report_id, system_actor(SERVICE), Event::DeadlinesSet(set))
}

/// Announces the running clocks of `case` and their deadlines when they
/// differ from `before`: a look that changed nothing announces nothing.
async fn announce(
    txn: &DatabaseTransaction,
    case: &case::Model,
    before: &[proto::Deadline],
    clocks: &CaseClocks,
    calendar: &aduan_procedure::Calendar,
) -> Result<(), DbErr> {
    let deadlines = deadlines_of(clocks, calendar);
    if deadlines != before {
        history::emit(txn, deadlines_set(case, deadlines)).await?;
    }
    Ok(())
}

/// A case's clocks moved by an action, ready to store.
struct Stepped {
    /// The clocks' row.
    row: case_clocks::ActiveModel,
    /// The case's nearest deadline for the institution.
    next_due: Option<NaiveDate>,
    /// Its running clocks' deadlines.
    deadlines: Vec<proto::Deadline>,
    /// Whether they differ from before the action.
    changed: bool,
}

/// The first clocks of cases being opened, ready to store once the cases are.
#[derive(Debug, Default)]
pub struct FirstClocks {
    /// The clocks' rows, one per case.
    pub rows: Vec<case_clocks::ActiveModel>,
    /// The deadlines each case opens with, in the cases' order: its
    /// `case_opened` event announces them.
    pub deadlines: Vec<Vec<proto::Deadline>>,
}

/// The clock of a unit's branch, in `escalated` events.
pub const UNIT_BRANCH: &str = "unit_branch";

/// Announces an escalation and, when it reaches an institution's staff (its
/// coordinator, the level above), puts it on their list of overdue cases.
async fn announce_escalation(
    txn: &DatabaseTransaction,
    case: &case::Model,
    escalated: proto::Escalated,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Counted as written: a round rolled back is retried, and counted again.
    metrics::counter!("aduan_escalations_total", "clock" => escalated.clock.clone(), "to" => escalated.to.clone())
        .increment(1);
    let told = escalated.told_institution_id.clone();
    let row = (!told.is_empty()).then(|| escalation::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case.id),
        institution_id: Set(escalated.institution_id.clone()),
        told_institution_id: Set(told),
        step: Set(escalated.to.clone()),
        clock: Set(escalated.clock.clone()),
        due_on: Set(escalated.due_on.parse().ok()),
        escalated_at: Set(at),
    });
    history::emit(txn, new_envelope(case.report_id, system_actor(SERVICE), Event::Escalated(escalated))).await?;
    if let Some(row) = row {
        row.insert(txn).await?;
    }
    Ok(())
}

/// When a running clock of a case runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Which clock.
    pub clock: aduan_procedure::ClockKind,
    /// Its last working day; `None` while it is paused.
    pub due_on: Option<NaiveDate>,
    /// How many escalation steps have fired for it.
    pub escalations: usize,
}

/// What the clocks need: the registry (calendars, category tiers), the
/// procedures in force (budgets, escalation chain) and today.
#[derive(Debug, Clone)]
pub struct ClockKeeper {
    /// Calendars and tiers.
    pub registry: Arc<LiveRegistry>,
    /// Budgets and the escalation chain, national or an institution's stricter ones.
    pub procedures: Arc<ProcedureBook>,
    /// Today.
    pub today: Today,
}

impl ClockKeeper {
    /// Updates the clocks of `case` for `action`, inside `txn`, and
    /// announces their deadlines if they changed.
    pub async fn after(&self, txn: &DatabaseTransaction, case: &case::Model, action: Action) -> Result<(), DbErr> {
        let (deadlines, changed) = self.store_step(txn, case, action).await?;
        if changed {
            history::emit(txn, deadlines_set(case, deadlines)).await?;
        }
        Ok(())
    }

    /// Updates the clocks of `case`, opened again at another institution,
    /// inside `txn`; answers their deadlines, which its `case_opened` announces.
    pub async fn reopened(&self, txn: &DatabaseTransaction, case: &case::Model) -> Result<Vec<proto::Deadline>, DbErr> {
        Ok(self.store_step(txn, case, Action::Assign).await?.0)
    }

    /// Moves the stored clocks of `case` by `action` and stores them;
    /// answers their deadlines and whether those changed.
    async fn store_step(
        &self,
        txn: &DatabaseTransaction,
        case: &case::Model,
        action: Action,
    ) -> Result<(Vec<proto::Deadline>, bool), DbErr> {
        let stored = case_clocks::Entity::find_by_id(case.id).lock_exclusive().one(txn).await?;
        let clocks: CaseClocks = match &stored {
            Some(row) => serde_json::from_str(&row.state).map_err(|error| DbErr::Custom(error.to_string()))?,
            None => CaseClocks::default(),
        };
        // The newest version this transaction sees, so that a clock set just
        // after a registry change is set by the new calendars.
        self.registry.refresh(txn).await.map_err(|error| DbErr::Custom(format!("{error:#}")))?;
        let Stepped { row, next_due, deadlines, changed } = self.step(case, clocks, action)?;
        if stored.is_some() {
            row.update(txn).await?;
        } else {
            row.insert(txn).await?;
        }
        keep_next_due(txn, case.id, next_due).await?;
        Ok((deadlines, changed))
    }

    /// Starts the clocks of `cases`, which are being opened and not stored
    /// yet, under the newest registry version this transaction sees: sets
    /// each one's nearest deadline, and answers the clocks to store after
    /// the cases and the deadlines their openings announce.
    pub async fn start_all(&self, txn: &DatabaseTransaction, cases: &mut [case::Model]) -> Result<FirstClocks, DbErr> {
        self.registry.refresh(txn).await.map_err(|error| DbErr::Custom(format!("{error:#}")))?;
        let mut first = FirstClocks::default();
        for case in cases {
            let stepped = self.step(case, CaseClocks::default(), Action::Assign)?;
            case.next_due_on = stepped.next_due;
            first.rows.push(stepped.row);
            first.deadlines.push(stepped.deadlines);
        }
        Ok(first)
    }

    /// `clocks` of `case` after `action`, under the registry as last refreshed.
    fn step(&self, case: &case::Model, mut clocks: CaseClocks, action: Action) -> Result<Stepped, DbErr> {
        let registry = self.registry.current();
        let calendar = registry.calendar_for(&case.region);
        let offset = registry.utc_offset_for(&case.region);
        let tier = Tier::parse(&case.tier)
            .unwrap_or_else(|| registry.category(&case.category).map(|category| category.tier).unwrap_or_default());
        let procedure = self.procedures.for_institution(&case.institution_id);
        let before = deadlines_of(&clocks, &calendar);
        clocks.on_action(action, self.today.date_at(offset), tier, procedure, &calendar);
        let row = case_clocks::ActiveModel {
            case_id: Set(case.id),
            state: Set(serde_json::to_string(&clocks).map_err(|error| DbErr::Custom(error.to_string()))?),
            next_check_at: Set(clocks.next_check(procedure, &calendar).map(|day| start_of_day(day, offset))),
        };
        let deadlines = deadlines_of(&clocks, &calendar);
        Ok(Stepped { row, next_due: next_due_on(&clocks, &calendar), changed: deadlines != before, deadlines })
    }

    /// The deadlines of `case`'s running clocks under today's calendars.
    pub async fn deadlines<C: ConnectionTrait>(&self, conn: &C, case: &case::Model) -> Result<Vec<Deadline>, DbErr> {
        let Some(row) = case_clocks::Entity::find_by_id(case.id).one(conn).await? else {
            return Ok(Vec::new());
        };
        let clocks: CaseClocks = serde_json::from_str(&row.state).map_err(|error| DbErr::Custom(error.to_string()))?;
        let calendar = self.registry.current().calendar_for(&case.region);
        Ok(clocks
            .running()
            .iter()
            .map(|running| Deadline {
                clock: running.kind,
                // A paused clock's deadline moves every working day it waits.
                due_on: running.paused_since.is_none().then(|| running.clock.deadline(&calendar)),
                escalations: running.escalations,
            })
            .collect())
    }

    /// After a new registry version that may move deadlines (a holiday added
    /// or removed, ...), every clock waiting for a later day is looked at again
    /// on the scheduler's next round, which sets it to its deadline under the
    /// new calendars: a deadline that moved earlier is not missed.
    pub async fn after_registry_change(
        &self,
        txn: &DatabaseTransaction,
        changed: &proto::RegistryChanged,
    ) -> Result<(), DbErr> {
        // The first version, or one this build cannot read: assume the worst.
        let may_move =
            serde_json::from_str::<RegistryChange>(&changed.change).map_or(true, |change| change.may_move_deadlines());
        if !may_move {
            return Ok(());
        }
        let now = self.today.now();
        let moved = case_clocks::Entity::update_many()
            .col_expr(case_clocks::Column::NextCheckAt, Expr::value(now))
            .filter(case_clocks::Column::NextCheckAt.gt(now))
            .exec(txn)
            .await?;
        tracing::info!(
            version = changed.version,
            clocks = moved.rows_affected,
            "registry changed; clocks to look at again"
        );
        Ok(())
    }

    /// Fires what is due now; returns how many cases it looked at.
    pub async fn fire_due(&self, db: &DatabaseConnection) -> anyhow::Result<usize> {
        let now = self.today.now();
        let txn = aduan_platform::database::begin_write(db).await?;
        let mut query = case_clocks::Entity::find().filter(case_clocks::Column::NextCheckAt.lte(now)).limit(ROUND);
        if txn.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.all(&txn).await?;
        // A registry change asks for clocks to be looked at again in the same
        // commit as its version: the rows above came with a version at least
        // as new, so use it, not one the periodic refresh has yet to pick up.
        self.registry.refresh(&txn).await?;
        for row in &rows {
            self.fire_for_case(&txn, row).await?;
        }
        let late_branches = self.escalate_late_branches(&txn, now).await?;
        txn.commit().await?;
        metrics::counter!("aduan_deadlines_looked_at_total").increment(rows.len() as u64);
        Ok(rows.len() + late_branches)
    }

    /// Tells the coordinator, once, about each unit that let its branch run out.
    async fn escalate_late_branches(&self, txn: &DatabaseTransaction, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut query = case_branch::Entity::find()
            .filter(case_branch::Column::Status.eq("open"))
            .filter(case_branch::Column::Escalated.eq(false))
            .filter(case_branch::Column::LateAt.lte(now))
            .limit(ROUND);
        if txn.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let late = query.all(txn).await?;
        for branch in &late {
            let Some(case) = case::Entity::find_by_id(branch.case_id).one(txn).await? else { continue };
            let escalated = proto::Escalated {
                case_id: case.id.to_string(),
                institution_id: branch.unit_id.clone(),
                clock: UNIT_BRANCH.into(),
                to: EscalationStep::Coordinator.as_str().into(),
                told_institution_id: case.institution_id.clone(),
                due_on: branch.due_on.to_string(),
            };
            tracing::info!(case_id = %case.id, unit = %branch.unit_id, "a unit's branch ran out; telling the coordinator");
            announce_escalation(txn, &case, escalated, now).await?;
            let mut active = branch.clone().into_active_model();
            active.escalated = Set(true);
            active.update(txn).await?;
        }
        Ok(late.len())
    }

    async fn fire_for_case(&self, txn: &DatabaseTransaction, row: &case_clocks::Model) -> anyhow::Result<()> {
        let Some(case) = case::Entity::find_by_id(row.case_id).lock_exclusive().one(txn).await? else {
            // Clocks of no case: never look at them again.
            let mut active = row.clone().into_active_model();
            active.next_check_at = Set(None);
            active.update(txn).await?;
            return Ok(());
        };
        let mut clocks: CaseClocks = serde_json::from_str(&row.state)?;
        let registry = self.registry.current();
        let calendar = registry.calendar_for(&case.region);
        let offset = registry.utc_offset_for(&case.region);
        let today = self.today.date_at(offset);
        let procedure = self.procedures.for_institution(&case.institution_id);
        let before = deadlines_of(&clocks, &calendar);
        for due in clocks.due(today, procedure, &calendar) {
            match due {
                Due::Escalate { kind, to } => {
                    let due_on = clocks.running().iter().find(|running| running.kind == kind).map(|running| {
                        // The deadline this step is late for: each step gets one working day more.
                        calendar.add_working_days(
                            running.clock.deadline(&calendar),
                            u32::try_from(running.escalations).unwrap_or(u32::MAX),
                        )
                    });
                    clocks.escalated(kind);
                    let (to, told) = self.who_is_told(&case.institution_id, to);
                    let escalated = proto::Escalated {
                        case_id: case.id.to_string(),
                        institution_id: case.institution_id.clone(),
                        clock: kind.as_str().to_owned(),
                        to: to.as_str().to_owned(),
                        told_institution_id: told.unwrap_or_default(),
                        due_on: due_on.map(|day| day.to_string()).unwrap_or_default(),
                    };
                    tracing::info!(case_id = %case.id, clock = kind.as_str(), to = to.as_str(), "clock ran out; escalating");
                    announce_escalation(txn, &case, escalated, Utc::now()).await?;
                }
                Due::ResumeWithoutAnswer => {
                    let current = Status::parse(&case.status).unwrap_or(Status::Submitted);
                    if let Ok(next) = aduan_procedure::transition(current, Action::ResumeWithoutAnswer, Role::System) {
                        let mut active = case.clone().into_active_model();
                        active.status = Set(next.as_str().to_owned());
                        active.updated_at = Set(Utc::now());
                        active.update(txn).await?;
                        let lapsed = proto::QuestionLapsed {
                            case_id: case.id.to_string(),
                            institution_id: case.institution_id.clone(),
                        };
                        tracing::info!(case_id = %case.id, "the citizen did not answer in time; the case resumes");
                        let envelope =
                            new_envelope(case.report_id, system_actor(SERVICE), Event::QuestionLapsed(lapsed));
                        history::emit(txn, envelope).await?;
                    }
                    let tier = Tier::parse(&case.tier).unwrap_or_default();
                    clocks.on_action(Action::ResumeWithoutAnswer, today, tier, procedure, &calendar);
                }
                Due::CloseForSilence => {
                    let current = Status::parse(&case.status).unwrap_or(Status::Submitted);
                    if let Ok(next) = aduan_procedure::transition(current, Action::CloseForSilence, Role::System) {
                        let mut active = case.clone().into_active_model();
                        active.status = Set(next.as_str().to_owned());
                        active.updated_at = Set(Utc::now());
                        active.update(txn).await?;
                        let closed = proto::Closed { case_id: case.id.to_string(), reason: "silence".into() };
                        tracing::info!(case_id = %case.id, "closed after the citizen's silence");
                        let envelope = new_envelope(case.report_id, system_actor(SERVICE), Event::Closed(closed));
                        history::emit(txn, envelope).await?;
                    }
                    clocks.on_action(Action::CloseForSilence, today, Default::default(), procedure, &calendar);
                }
            }
        }
        let mut active = row.clone().into_active_model();
        active.state = Set(serde_json::to_string(&clocks)?);
        active.next_check_at = Set(clocks.next_check(procedure, &calendar).map(|day| start_of_day(day, offset)));
        active.update(txn).await?;
        keep_next_due(txn, case.id, next_due_on(&clocks, &calendar)).await?;
        announce(txn, &case, &before, &clocks, &calendar).await?;
        Ok(())
    }

    /// Who an escalation `to` a step reaches for a case held by `institution`:
    /// its coordinator, the institution above it, or the national verifier;
    /// the parent level of an institution with no parent (or whose parent is
    /// the national verifier) is the national verifier (PROCEDURE.md).
    fn who_is_told(&self, institution: &str, to: EscalationStep) -> (EscalationStep, Option<String>) {
        let registry = self.registry.current();
        match to {
            EscalationStep::Coordinator => (to, Some(institution.to_owned())),
            EscalationStep::ParentLevel => {
                let national_verifier = &registry.national_verifier().id;
                match registry.institution(institution).and_then(|held| held.parent.clone()) {
                    Some(parent) if &parent != national_verifier => (to, Some(parent)),
                    _ => (EscalationStep::NationalVerifier, None),
                }
            }
            EscalationStep::NationalVerifier => (to, None),
        }
    }

    /// Looks for due clocks every `tick` until `stop`.
    pub async fn run(
        self,
        db: DatabaseConnection,
        outbox: outbox::OutboxSignal,
        tick: Duration,
        stop: CancellationToken,
    ) {
        let last_count = std::sync::Mutex::new(None::<std::time::Instant>);
        every_tick(tick, outbox, stop, || async {
            let looked_at = self.fire_due(&db).await?;
            let due = last_count.lock().map(|last| last.is_none_or(|at| at.elapsed() > OVERDUE_COUNT_EVERY));
            if due.unwrap_or(false) {
                if let Ok(mut last) = last_count.lock() {
                    *last = Some(std::time::Instant::now());
                }
                // A count that fails is only a gauge left stale: the round's work stands.
                if let Err(error) = self.count_overdue(&db).await {
                    tracing::warn!(error = format!("{error:#}"), "could not count the overdue cases");
                }
            }
            Ok(looked_at)
        })
        .await;
    }

    /// Tells the metrics how many open cases are past their nearest deadline.
    async fn count_overdue(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let today = self.today.date_at(self.registry.current().national_utc_offset());
        let overdue = count_overdue_cases(db, today).await?;
        metrics::gauge!("aduan_cases_overdue").set(overdue as f64);
        Ok(())
    }
}

/// How many open cases are past their nearest deadline on `today`. The
/// open cases' partial index by deadline holds the answer, whatever the
/// number of closed cases.
async fn count_overdue_cases(db: &DatabaseConnection, today: NaiveDate) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    case::Entity::find().filter(case::open_cases()).filter(case::Column::NextDueOn.lt(today)).count(db).await
}

/// How often the overdue cases are counted for the metrics.
/// (It reads every open case's deadline: a minute apart would be a scan a
/// minute on every replica.)
const OVERDUE_COUNT_EVERY: Duration = Duration::from_secs(300);

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveModelTrait as _, ConnectOptions, Database, IntoActiveModel as _};
    use sea_orm_migration::MigratorTrait as _;

    use super::*;

    fn case_in(status: Status, next_due_on: Option<NaiveDate>) -> case::Model {
        case::Model {
            id: Uuid::now_v7(),
            report_id: Uuid::now_v7(),
            institution_id: "kota-bandung".into(),
            institution_name: "Pemerintah Kota Bandung".into(),
            status: status.as_str().into(),
            tracking_code: format!("LAP-{}", Uuid::now_v7().simple()),
            kind: "complaint".into(),
            category: "jalan".into(),
            region: "32.73".into(),
            tier: "city".into(),
            privacy: "public".into(),
            title: "Jalan berlubang".into(),
            description: "Lubang besar di Jalan Braga.".into(),
            pending_resolution: None,
            rating: None,
            fixed: None,
            opened_at: Utc::now(),
            updated_at: Utc::now(),
            next_due_on,
        }
    }

    #[tokio::test]
    async fn only_open_cases_past_their_deadline_are_overdue() {
        // One connection: each connection to `sqlite::memory:` is a database of its own.
        let options = ConnectOptions::new("sqlite::memory:").max_connections(1).to_owned();
        let db = Database::connect(options).await.expect("an in-memory database");
        crate::Migrator::up(&db, None).await.expect("migrated");
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a day");
        let yesterday = today.pred_opt().expect("a day before");
        for (status, due) in [
            (Status::Assigned, Some(yesterday)),
            (Status::InFollowUp, Some(yesterday)),
            (Status::Reopened, Some(yesterday)),
            (Status::Assigned, Some(today)),
            (Status::Assigned, None),
            (Status::AwaitingCitizen, Some(yesterday)),
            (Status::Resolved, Some(yesterday)),
            (Status::Closed, Some(yesterday)),
        ] {
            case_in(status, due).into_active_model().insert(&db).await.expect("a case");
        }
        assert_eq!(count_overdue_cases(&db, today).await.expect("counted"), 3);
    }
}
