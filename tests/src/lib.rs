//! The end-to-end test kit: the `aduan` binary, a running cluster or `aduan
//! dev`, a citizen's and an officer's HTTP calls, and waiting for the system
//! to settle. Everything talks to real processes, PostgreSQL and RabbitMQ.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod citizen;
pub mod dev;
pub mod rabbit;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

pub use aduan::cluster::{Cluster, ClusterOptions};
pub use aduan::services::ServiceName;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// The `aduan` binary, built once per test process so it is never stale.
pub fn aduan_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Ok(path) = std::env::var("ADUAN_BIN") {
                return PathBuf::from(path);
            }
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .current_dir(&workspace)
                .args(["build", "--quiet", "-p", "aduan", "--bin", "aduan"])
                .status()
                .expect("running cargo build for the aduan binary");
            assert!(status.success(), "building the aduan binary failed");
            let target = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| workspace.join("target"), PathBuf::from);
            target.join("debug").join("aduan")
        })
        .clone()
}

/// A cluster of the three services on the machine's PostgreSQL and RabbitMQ.
pub async fn start_cluster() -> Cluster {
    Cluster::start(ClusterOptions::local(aduan_binary())).await.expect("starting the cluster")
}

/// Polls `check` until it returns `Some`, or panics after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a service's database to check what it stored.
pub async fn open_database(url: &str) -> DatabaseConnection {
    Database::connect(url).await.expect("opening a service database")
}

/// The first column of the first row of `sql`, as a number.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("running a count")
        .expect("a count returns a row");
    row.try_get_by_index::<i64>(0).expect("a number")
}

/// Every row's first column as text.
pub async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("running a query")
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("text"))
        .collect()
}
