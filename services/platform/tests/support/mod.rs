//! Fresh databases for the platform's integration tests: a PostgreSQL
//! database of the test's own (dropped at the end) or a SQLite file.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aduan_platform::migrations::{DeliveryAtScale, DeliveryOrderingAndParking, LighterOutbox, create_delivery_tables};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::{MigrationTrait as _, SchemaManager};

async fn create_tables(db: &DatabaseConnection) {
    let manager = SchemaManager::new(db);
    create_delivery_tables(&manager).await.unwrap();
    DeliveryOrderingAndParking.up(&manager).await.unwrap();
    DeliveryAtScale.up(&manager).await.unwrap();
    LighterOutbox.up(&manager).await.unwrap();
}

pub struct TestDatabase {
    pub db: DatabaseConnection,
    /// Where `db` is, for a test that connects again.
    pub url: String,
    postgres_name: Option<String>,
    sqlite_dir: Option<std::path::PathBuf>,
}

fn admin_url() -> String {
    std::env::var("ADUAN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDatabase {
    pub async fn postgres() -> Self {
        let name = format!("aduan_platform_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url()).await.unwrap();
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        admin.close().await.unwrap();
        let url = format!("{}/{name}", admin_url().rsplit_once('/').unwrap().0);
        let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
        create_tables(&db).await;
        Self { db, url, postgres_name: Some(name), sqlite_dir: None }
    }

    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("aduan-platform-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("test.sqlite").display());
        let db = aduan_platform::database::connect(&url, Default::default()).await.unwrap();
        create_tables(&db).await;
        Self { db, url, postgres_name: None, sqlite_dir: Some(dir) }
    }

    pub async fn both() -> Vec<Self> {
        vec![Self::sqlite().await, Self::postgres().await]
    }

    pub async fn drop_it(self) {
        self.db.close().await.unwrap();
        if let Some(name) = self.postgres_name {
            let admin = Database::connect(admin_url()).await.unwrap();
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
            admin.close().await.unwrap();
        }
        if let Some(dir) = self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
