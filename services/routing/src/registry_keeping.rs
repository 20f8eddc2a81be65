//! Routing keeps the registry: it stores the file as version 1 at first start,
//! makes each administrator's change as the next version, and publishes every
//! version, whole, for the services that keep a copy. Writers take turns, so
//! two changes made at once by two replicas become two versions, one after
//! the other, each checked against the one before.

use aduan_platform::database::{begin_write, serialize_with};
use aduan_platform::envelope::new_registry_envelope;
use aduan_platform::http::ApiError;
use aduan_platform::outbox;
use aduan_platform::proto::{self, Actor, Role, envelope::Event};
use aduan_registry::{Registry, RegistryChange, RegistryError};
use aduan_registry_store::store::{self, RegistryVersion, SEED_CHANGE};
use aduan_registry_store::{LiveRegistry, parse_version};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use crate::SERVICE;
use crate::verification_clock::VerificationClocks;

/// The name writers of the registry take turns under.
const WRITERS: &str = "routing registry";

/// Stores the registry file routing started with as version 1, and publishes
/// it, unless a version is stored already.
pub async fn seed(db: &DatabaseConnection, live: &LiveRegistry) -> anyhow::Result<()> {
    let txn = begin_write(db).await?;
    serialize_with(&txn, WRITERS).await?;
    if store::newest_version(&txn).await? > 0 {
        return Ok(());
    }
    let registry = live.current();
    let actor = Actor { role: Role::System as i32, pseudonym: SERVICE.to_owned() };
    write(&txn, 1, SEED_CHANGE.to_owned(), actor, &registry).await?;
    txn.commit().await?;
    live.offer(1, Registry::clone(&registry));
    tracing::info!("registry file stored as version 1");
    Ok(())
}

/// Makes `change` as the next version, if the newest is `expected_version`
/// (when given); answers the version it made.
pub async fn make_change(
    db: &DatabaseConnection,
    live: &LiveRegistry,
    verification: &VerificationClocks,
    change: &RegistryChange,
    expected_version: Option<i64>,
    actor: Actor,
) -> Result<RegistryVersion, ApiError> {
    let txn = begin_write(db).await?;
    serialize_with(&txn, WRITERS).await?;
    let (version, current) = newest(&txn, live).await?;
    if let Some(expected) = expected_version
        && expected != version
    {
        return Err(ApiError::conflict(
            "registry_version_conflict",
            format!("the registry is at version {version}, not {expected}: read it again and redo the change"),
        ));
    }
    let next = current.with_change(change).map_err(|error| match error {
        RegistryError::NotFound(reason) => ApiError::not_found("registry_entry_not_found", reason),
        error => ApiError::invalid("invalid_registry_change", error.to_string()),
    })?;
    let change_json = serde_json::to_string(change).map_err(ApiError::internal)?;
    let made = write(&txn, version + 1, change_json, actor, &next).await?;
    if change.may_move_deadlines() {
        verification.recheck_all(&txn).await?;
    }
    txn.commit().await?;
    live.offer(made.version, next);
    tracing::info!(version = made.version, kind = change.kind(), "registry changed");
    Ok(RegistryVersion { document: None, ..made })
}

/// The newest stored version and its registry (the one in use, when it is that version).
async fn newest(txn: &DatabaseTransaction, live: &LiveRegistry) -> Result<(i64, std::sync::Arc<Registry>), ApiError> {
    let in_use = live.current();
    let newest = store::newest_version(txn).await?;
    if newest == live.version() {
        return Ok((newest, in_use));
    }
    match store::newest(txn).await? {
        Some((version, document)) => {
            let registry = parse_version(version, &document).map_err(ApiError::internal)?;
            Ok((version, std::sync::Arc::new(registry)))
        }
        None => Ok((0, in_use)),
    }
}

/// Stores `registry` as `version` and puts it in the outbox, in `txn`.
async fn write(
    txn: &DatabaseTransaction,
    version: i64,
    change: String,
    actor: Actor,
    registry: &Registry,
) -> Result<RegistryVersion, sea_orm::DbErr> {
    let document = registry.to_toml();
    let row = RegistryVersion {
        version,
        change: change.clone(),
        actor: actor.pseudonym.clone(),
        changed_at: chrono::Utc::now(),
        document: Some(document.clone()),
    };
    store::record(txn, row.clone()).await?;
    let digest = aduan_registry_store::digest_of(&document);
    // Only the first version carries the whole registry; the others carry
    // their change, which every copy makes to the version before.
    let document = if version == 1 { document } else { String::new() };
    let version = u64::try_from(version).unwrap_or_default();
    let event = Event::RegistryChanged(proto::RegistryChanged { version, change, document, digest });
    outbox::enqueue(txn, new_registry_envelope(actor, event)).await?;
    Ok(row)
}
