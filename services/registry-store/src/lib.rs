//! The registry as each service keeps it: every version in the service's own
//! database ([`store`]), the version in use ([`LiveRegistry`]), and the
//! consumer step that takes in the versions routing publishes
//! ([`WithRegistryCopy`]). Routing writes versions; the others copy them.

mod copy;
mod live;
pub mod store;

pub use copy::{WithRegistryCopy, bootstrap_from_routing, digest_of};
pub use live::{LiveRegistry, parse_version, refresh_interval};

use sea_orm_migration::prelude::*;

/// The table of registry versions: a migration every service's migrator runs.
#[derive(Debug, DeriveMigrationName)]
pub struct CreateRegistryVersions;

#[async_trait::async_trait]
impl MigrationTrait for CreateRegistryVersions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        aduan_platform::migrations::create_table_for(manager, store::registry_version::Entity).await
    }
}
