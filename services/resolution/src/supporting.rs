//! Supporting institutions: the lead institution's coordinator asks another
//! institution to support a case (a ministry's data, a neighbouring city's
//! works). The case stays the lead's: supporters read it and write their
//! contributions on it; only the lead answers the citizen and resolves.

use aduan_platform::auth::Caller;
use aduan_platform::envelope::new_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::proto::{self, envelope::Event};
use aduan_procedure::Action;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

use crate::authorization::{Action as Permission, permit};
use crate::casework::{Acting, lock_case, procedure_error};
use crate::deadlines::ClockKeeper;
use crate::entities::case_entry::NewEntry;
use crate::entities::case_supporter;

/// Asks `institution_id` to support `case_id`, with `note`.
pub async fn ask_support(
    db: &DatabaseConnection,
    clocks: &ClockKeeper,
    case_id: Uuid,
    caller: &Caller,
    institution_id: &str,
    note: String,
) -> Result<case_supporter::Model, ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let registry = clocks.registry.current();
    let coordinator = Acting::new(caller, permit(caller, Permission::AskSupport, &existing.institution_id, &registry)?);
    // Involving another institution is the coordinator's, as forwarding is,
    // and possible while the case is open to work.
    aduan_procedure::transition(current, Action::ForwardToUnit, coordinator.procedure_role())
        .map_err(procedure_error)?;
    let Some(supporter) = registry.institution(institution_id) else {
        return Err(ApiError::invalid("unknown_institution", format!("{institution_id:?} is not an institution")));
    };
    if supporter.id == existing.institution_id || registry.is_below(&supporter.id, &existing.institution_id) {
        return Err(ApiError::invalid(
            "not_a_supporter",
            "the lead institution and its own units take part through forwarding, not as supporters",
        ));
    }
    if case_supporter::Entity::find_by_id((case_id, supporter.id.clone())).one(&txn).await?.is_some() {
        return Err(ApiError::conflict("already_supporting", format!("{} supports this case already", supporter.id)));
    }
    let now = Utc::now();
    let asked = case_supporter::ActiveModel {
        case_id: Set(case_id),
        institution_id: Set(supporter.id.clone()),
        asked_by: Set(coordinator.subject.clone()),
        asked_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let institution_id = &existing.institution_id;
    let role = coordinator.role.as_str();
    NewEntry { case_id, institution_id, kind: "support_requested", author: &coordinator.subject, role, text: &note }
        .write(&txn)
        .await?;
    let event = Event::SupportRequested(proto::SupportRequested {
        case_id: case_id.to_string(),
        institution_id: supporter.id.clone(),
        note,
    });
    crate::history::emit(&txn, new_envelope(existing.report_id, coordinator.actor(), event)).await?;
    txn.commit().await?;
    Ok(asked)
}

/// A supporting institution's contribution, written on the case for the lead.
pub async fn contribute(
    db: &DatabaseConnection,
    registry: &aduan_registry::Registry,
    case_id: Uuid,
    caller: &Caller,
    institution_id: &str,
    text: String,
) -> Result<(), ApiError> {
    let txn = aduan_platform::database::begin_write(db).await?;
    let (existing, current) = lock_case(&txn, case_id).await?;
    let officer = Acting::new(caller, permit(caller, Permission::Contribute, institution_id, registry)?);
    if case_supporter::Entity::find_by_id((case_id, institution_id.to_owned())).one(&txn).await?.is_none() {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "not_a_supporter",
            format!("{institution_id:?} was not asked to support this case"),
        ));
    }
    if !current.is_open() {
        return Err(ApiError::conflict("case_not_open", format!("the case is {}", current.as_str())));
    }
    let role = officer.role.as_str();
    NewEntry { case_id, institution_id, kind: "support", author: &officer.subject, role, text: &text }
        .write(&txn)
        .await?;
    let event = Event::SupportGiven(proto::SupportGiven {
        case_id: case_id.to_string(),
        institution_id: institution_id.to_owned(),
    });
    crate::history::emit(&txn, new_envelope(existing.report_id, officer.actor(), event)).await?;
    txn.commit().await?;
    Ok(())
}
