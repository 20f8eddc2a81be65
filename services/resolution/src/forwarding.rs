//! Forwarding down the tree (disposisi berjenjang): a coordinator sends a case
//! to units below its institution, each branch with its own clock (the first
//! follow-up budget); a unit answers its branch; a late branch is escalated
//! to the coordinator once.

use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::outbox;
use aduan_platform::proto::{self, Actor, envelope::Event};
use aduan_procedure::Action;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QuerySelect, Set};
use uuid::Uuid;

use crate::casework::{Officer, lock_case, procedure_error};
use crate::deadlines::ClockKeeper;
use crate::entities::{case, case_branch, case_entry};
use aduan_platform::clock::start_of_day;

/// Forwards `case_id` to `unit_id` with `note`; returns the new branch.
pub async fn forward(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    coordinator: &Officer,
    unit_id: &str,
    note: String,
) -> Result<case_branch::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    aduan_procedure::transition(current, Action::ForwardToUnit, coordinator.role).map_err(procedure_error)?;
    let registry = clocks.registry.current();
    if !registry.is_below(unit_id, &existing.institution_id) {
        return Err(ApiError::invalid(
            "not_a_unit_below",
            format!("{unit_id:?} is not a unit below {:?}", existing.institution_id),
        ));
    }
    let offset = registry.utc_offset_for(&existing.region);
    let today = clocks.today.date_at(offset);
    // A unit's branch gets the first follow-up budget of the institution holding the case.
    let budget = clocks.procedures.for_institution(&existing.institution_id).clocks.first_follow_up;
    let calendar = registry.calendar_for(&existing.region);
    let due_on = calendar.add_working_days(today, budget);
    let branch = case_branch::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
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
    });
    outbox::enqueue(&txn, &new_envelope(existing.report_id, coordinator.actor(), event)).await?;
    txn.commit().await?;
    Ok(branch)
}

/// The unit's answer to its branch; it goes on the case for the institution.
pub async fn answer(
    db: &DatabaseConnection,
    case_id: Uuid,
    branch_id: Uuid,
    officer: &Officer,
    text: String,
) -> Result<case_branch::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let branch = case_branch::Entity::find_by_id(branch_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|branch| branch.case_id == case_id)
        .ok_or_else(|| ApiError::not_found("branch_not_found", "this case has no such branch"))?;
    if branch.status != "open" {
        return Err(ApiError::conflict("branch_answered", "this branch was answered already"));
    }
    let report_id = case::Entity::find_by_id(case_id)
        .one(&txn)
        .await?
        .map(|case| case.report_id)
        .ok_or_else(|| ApiError::not_found("case_not_found", "no case has this id"))?;
    let now = Utc::now();
    case_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        institution_id: Set(branch.unit_id.clone()),
        kind: Set("unit_answer".into()),
        author: Set(officer.id.clone()),
        text: Set(text),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
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
    outbox::enqueue(&txn, &new_envelope(report_id, actor, event)).await?;
    txn.commit().await?;
    Ok(answered)
}
