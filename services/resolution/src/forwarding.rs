//! Forwarding down the tree (disposisi berjenjang): a coordinator sends a case
//! to units below its institution, and a unit's coordinator may send its own
//! branch further down to the units below it. Each branch has its own clock
//! (the first follow-up budget, never past the branch it hangs from); a unit
//! answers its branch; a late branch is escalated to the coordinator once.

use aduan_platform::auth::Caller;
use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::proto::{self, Actor, envelope::Event};
use aduan_procedure::Action;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QuerySelect, Set};
use uuid::Uuid;

use crate::authorization::{Action as Permission, permit};
use crate::casework::{Acting, lock_case, procedure_error};
use crate::deadlines::ClockKeeper;
use crate::entities::{case, case_branch, case_entry};
use aduan_platform::clock::start_of_day;

/// Forwards `case_id` to `unit_id` with `note`, from the institution or
/// (`from_branch`) further down from a unit's open branch; returns the new branch.
pub async fn forward(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    caller: &Caller,
    unit_id: &str,
    from_branch: Option<Uuid>,
    note: String,
) -> Result<case_branch::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let parent = match from_branch {
        Some(branch_id) => Some(lock_branch(&txn, case_id, branch_id).await?),
        None => None,
    };
    // The institution forwards its case; a unit forwards its own branch.
    let forwarder = parent.as_ref().map_or(&existing.institution_id, |parent| &parent.unit_id);
    let registry = clocks.registry.current();
    let coordinator = Acting::new(caller, permit(caller, Permission::Forward, forwarder, &registry)?);
    if let Some(parent) = &parent {
        ensure_open(parent)?;
    }
    aduan_procedure::transition(current, Action::ForwardToUnit, coordinator.procedure_role())
        .map_err(procedure_error)?;
    if !registry.is_below(unit_id, forwarder) {
        return Err(ApiError::invalid("not_a_unit_below", format!("{unit_id:?} is not a unit below {forwarder:?}")));
    }
    let offset = registry.utc_offset_for(&existing.region);
    let today = clocks.today.date_at(offset);
    // A unit's branch gets the first follow-up budget of the institution holding the case.
    let budget = clocks.procedures.for_institution(&existing.institution_id).clocks.first_follow_up;
    let calendar = registry.calendar_for(&existing.region);
    let mut due_on = calendar.add_working_days(today, budget);
    if let Some(parent) = &parent {
        // A unit cannot give more time than it has itself.
        due_on = due_on.min(parent.due_on);
    }
    let branch = case_branch::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        parent_branch_id: Set(parent.as_ref().map(|parent| parent.id)),
        unit_id: Set(unit_id.to_owned()),
        note: Set(note),
        status: Set("open".into()),
        forwarded_at: Set(Utc::now()),
        due_on: Set(due_on),
        late_at: Set(start_of_day(due_on.succ_opt().unwrap_or(due_on), offset)),
        escalated: Set(false),
        answered_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let event = Event::ForwardedToUnit(proto::ForwardedToUnit {
        case_id: case_id.to_string(),
        branch_id: branch.id.to_string(),
        unit_id: unit_id.to_owned(),
        parent_branch_id: branch.parent_branch_id.map(|id| id.to_string()).unwrap_or_default(),
    });
    crate::history::emit(&txn, new_envelope(existing.report_id, coordinator.actor(), event)).await?;
    txn.commit().await?;
    Ok(branch)
}

/// The branch `branch_id` of `case_id`, locked, whatever its state (who may
/// act on it is checked before whether it can be acted on).
async fn lock_branch(
    txn: &sea_orm::DatabaseTransaction,
    case_id: Uuid,
    branch_id: Uuid,
) -> Result<case_branch::Model, ApiError> {
    case_branch::Entity::find_by_id(branch_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|branch| branch.case_id == case_id)
        .ok_or_else(|| ApiError::not_found("branch_not_found", "this case has no such branch"))
}

fn ensure_open(branch: &case_branch::Model) -> Result<(), ApiError> {
    if branch.status != "open" {
        return Err(ApiError::conflict("branch_not_open", format!("this branch is {}, not open", branch.status)));
    }
    Ok(())
}

/// The unit's answer to its branch; it goes on the case for the institution.
pub async fn answer(
    db: &DatabaseConnection,
    registry: &aduan_registry::Registry,
    case_id: Uuid,
    branch_id: Uuid,
    caller: &Caller,
    text: String,
) -> Result<case_branch::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let branch = lock_branch(&txn, case_id, branch_id).await?;
    // Who may answer before whether it can be answered: a stranger learns nothing of its state.
    let officer = Acting::new(caller, permit(caller, Permission::AnswerBranch, &branch.unit_id, registry)?);
    ensure_open(&branch)?;
    let report_id = case::Entity::find_by_id(case_id)
        .one(&txn)
        .await?
        .map(|case| case.report_id)
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    let entry = case_entry::NewEntry {
        case_id,
        institution_id: &branch.unit_id,
        kind: "unit_answer",
        author: &officer.subject,
        role: officer.role.as_str(),
        text: &text,
    }
    .write(&txn)
    .await?;
    let now = entry.created_at;
    let unit_id = branch.unit_id.clone();
    let mut active = branch.into_active_model();
    active.status = Set("answered".into());
    active.answered_at = Set(Some(now));
    let answered = active.update(&txn).await?;
    let event = Event::UnitAnswered(proto::UnitAnswered {
        case_id: case_id.to_string(),
        branch_id: branch_id.to_string(),
        unit_id,
    });
    let actor: Actor = officer.actor();
    crate::history::emit(&txn, new_envelope(report_id, actor, event)).await?;
    txn.commit().await?;
    Ok(answered)
}
