//! Registry versions in a service's database (SQLite here; PostgreSQL in the
//! end-to-end tests): only the newest keeps its document, a late or repeated
//! version changes nothing, and the version in use follows what is stored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aduan_registry::{Registry, RegistryChange, Rule};
use aduan_registry_store::store::{self, RegistryVersion};
use aduan_registry_store::{CreateRegistryVersions, LiveRegistry};
use sea_orm::{Database, DatabaseConnection};
use sea_orm_migration::{MigrationTrait as _, SchemaManager};

async fn database() -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    CreateRegistryVersions.up(&SchemaManager::new(&db)).await.unwrap();
    db
}

/// The demo registry with roads in Bandung sent to `institution`.
fn registry_sending_roads_to(institution: &str) -> Registry {
    let rule = Rule { category: "roads".into(), region: "32.73".into(), institution: institution.into(), source: None };
    Registry::demo().with_change(&RegistryChange::PutRule { rule }).unwrap()
}

fn version(number: i64, registry: &Registry) -> RegistryVersion {
    RegistryVersion {
        version: number,
        change: format!(r#"{{"kind":"test","n":{number}}}"#),
        actor: "admin-test".into(),
        changed_at: chrono::Utc::now(),
        document: Some(registry.to_toml()),
    }
}

#[tokio::test]
async fn only_the_newest_version_keeps_its_document_whatever_the_order() {
    let db = database().await;
    assert_eq!(store::newest(&db).await.unwrap(), None);
    let demo = Registry::demo();
    assert!(store::record(&db, version(1, &demo)).await.unwrap());
    assert!(store::record(&db, version(2, &demo)).await.unwrap());
    // Version 4 arrives before 3, and 4 arrives twice.
    let fourth = registry_sending_roads_to("jabar-dbmpr");
    assert!(store::record(&db, version(4, &fourth)).await.unwrap());
    assert!(store::record(&db, version(3, &demo)).await.unwrap());
    assert!(!store::record(&db, version(4, &demo)).await.unwrap(), "a repeated version is not stored again");

    let (newest, document) = store::newest(&db).await.unwrap().expect("a version");
    assert_eq!(newest, 4);
    assert_eq!(document, fourth.to_toml(), "the first copy of version 4 stands");
    let history = store::history(&db, None, 10).await.unwrap();
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), [4, 3, 2, 1]);
    assert!(history.iter().all(|v| v.document.is_none()), "the history carries no documents");
    assert_eq!(store::history(&db, Some(3), 1).await.unwrap()[0].version, 2, "paging back");
    assert_eq!(store::newest_version(&db).await.unwrap(), 4);
}

#[tokio::test]
async fn the_version_in_use_follows_what_is_stored() {
    let db = database().await;
    let live = LiveRegistry::open(&db, Registry::demo()).await.unwrap();
    assert_eq!(live.version(), 0, "the file, before any version is stored");
    assert_eq!(live.current().route("roads", "32.73", &[]).institution.id, "bandung-dpu");

    let changed = registry_sending_roads_to("jabar-dbmpr");
    store::record(&db, version(1, &changed)).await.unwrap();
    live.refresh(&db).await.unwrap();
    assert_eq!(live.version(), 1);
    assert_eq!(live.current().route("roads", "32.73", &[]).institution.id, "jabar-dbmpr");
    assert!(!live.offer(1, Registry::demo()), "an equal or older version is not taken");
    assert_eq!(live.current().route("roads", "32.73", &[]).institution.id, "jabar-dbmpr");

    // A restart reads the database, not the file.
    let restarted = LiveRegistry::open(&db, Registry::demo()).await.unwrap();
    assert_eq!(restarted.snapshot().0, 1);
    assert_eq!(restarted.current().route("roads", "32.73", &[]).institution.id, "jabar-dbmpr");
}
