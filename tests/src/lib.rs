//! The end-to-end test kit: the `aduan` binary, a running cluster or `aduan
//! dev`, a citizen's and an officer's HTTP calls, and waiting for the system
//! to settle. Everything talks to real processes, PostgreSQL and RabbitMQ.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod citizen;
pub mod dev;
pub mod otlp;
pub mod proxy;
pub mod rabbit;
pub mod staff;

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
            // Only the environment a person's shell would have: the variables
            // cargo sets for a running test would make this build's
            // fingerprints differ from the normal build's, and it would
            // rebuild half the workspace each time.
            let keep = ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR"];
            let status = std::process::Command::new(cargo)
                .env_clear()
                .envs(keep.iter().filter_map(|name| std::env::var(name).ok().map(|value| (*name, value))))
                .current_dir(&workspace)
                .args(["build", "--quiet", "-p", "aduan", "--bin", "aduan", "--features", "test-clock"])
                .status()
                .expect("running cargo build for the aduan binary");
            assert!(status.success(), "building the aduan binary failed");
            let target = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| workspace.join("target"), PathBuf::from);
            target.join("debug").join("aduan")
        })
        .clone()
}

/// A cluster of the services on the machine's PostgreSQL and RabbitMQ.
pub async fn start_cluster() -> Cluster {
    start_cluster_with(ClusterOptions::local(aduan_binary())).await
}

/// Database connections per service process in tests: the tests run several
/// clusters of five services at once against one PostgreSQL, whose 100
/// connections the production default (16 each) would exhaust.
const TEST_DATABASE_POOL: &str = "5";

/// A cluster started with `options`, whose staff requests the kit makes as
/// its all-roles test user (see [`staff`]).
pub async fn start_cluster_with(mut options: ClusterOptions) -> Cluster {
    if !options.extra_env.iter().any(|(name, _)| name == "ADUAN_DATABASE_POOL") {
        options.extra_env.push(("ADUAN_DATABASE_POOL".into(), TEST_DATABASE_POOL.into()));
    }
    let cluster = Cluster::start(options).await.expect("starting the cluster");
    let config = cluster.config_file(ServiceName::Accounts).expect("accounts' configuration");
    let location = vec!["--config".to_owned(), config.display().to_string()];
    let bases: Vec<String> = ServiceName::ALL.iter().map(|service| cluster.base_url(*service)).collect();
    staff::act_as_everyone(
        &reqwest::Client::new(),
        &cluster.base_url(ServiceName::Accounts),
        &cluster.base_url(ServiceName::Routing),
        &location,
        &bases,
    )
    .await;
    cluster
}

/// A cluster whose resolution date tests can move (`POST /api/v1/test-clock`)
/// and whose scheduler looks every `tick_ms` milliseconds.
pub async fn start_cluster_with_test_clock(tick_ms: u64) -> Cluster {
    let mut options = ClusterOptions::local(aduan_binary());
    options.extra_env.push(("ADUAN_TEST_CLOCK".into(), "1".into()));
    options.extra_env.push(("ADUAN_CLOCK_TICK_MS".into(), tick_ms.to_string()));
    start_cluster_with(options).await
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

/// The items of a page (`{"items": [...], "next": ...}`); panics on anything else.
pub fn items(page: serde_json::Value) -> Vec<serde_json::Value> {
    match page {
        serde_json::Value::Object(mut page) => match page.remove("items") {
            Some(serde_json::Value::Array(items)) => items,
            _ => panic!("not a page: {page:?}"),
        },
        other => panic!("not a page: {other}"),
    }
}

/// GETs the page at `url` and reads its items.
pub async fn get_items(client: &reqwest::Client, url: &str) -> Vec<serde_json::Value> {
    items(get_json(client, url).await)
}

/// GETs `url` (as the kit's staff there) and reads its JSON answer, whatever the status.
pub async fn get_json<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: &str) -> T {
    staff::get(client, url).await.json().await.expect("a JSON answer")
}

/// A PostgreSQL database of a test's own, migrated as `service`'s, for tests
/// that drive a service's consumer or API in the test process.
#[derive(Debug)]
pub struct FreshDatabase {
    /// The connection.
    pub db: DatabaseConnection,
    /// Its URL.
    pub url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var("ADUAN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl FreshDatabase {
    /// Creates and migrates it.
    pub async fn create(service: ServiceName) -> Self {
        let fresh = Self::create_empty(service).await;
        aduan::services::migrate(service, &fresh.db).await.expect("migrating");
        fresh
    }

    /// Creates it without migrating it, for tests of the migrations themselves.
    pub async fn create_empty(service: ServiceName) -> Self {
        let name = format!("aduan_test_{}_{}", service.as_str(), uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url()).await.expect("connecting to PostgreSQL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("creating a database");
        admin.close().await.expect("closing");
        let url = format!("{}/{name}", admin_url().rsplit_once('/').expect("a database URL").0);
        let db = aduan_platform::database::connect(&url, Default::default()).await.expect("connecting");
        Self { db, url, name }
    }

    /// Drops it.
    pub async fn drop_it(self) {
        self.db.close().await.expect("closing");
        let admin = Database::connect(admin_url()).await.expect("connecting to PostgreSQL");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .await
            .expect("dropping");
        admin.close().await.expect("closing");
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

/// The Python of the tests' stand-ins (`tests/python/.venv`, set up by `scripts/test.sh`).
pub fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/.venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/test.sh, which sets it up", python.display());
    python
}

/// The first column of every row `sql` answers, as bytes.
pub async fn byte_strings(db: &DatabaseConnection, sql: &str) -> Vec<Vec<u8>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("running a query")
        .into_iter()
        .map(|row| row.try_get_by_index::<Vec<u8>>(0).expect("bytes"))
        .collect()
}

/// Files `total` reports from `workers` concurrent citizens, calling
/// `on_progress` with the number filed so far after each; returns the reports
/// answered 201 (a failed request is retried for up to 10 s).
pub async fn file_many<F, Fut>(base: &str, total: usize, workers: usize, on_progress: F) -> Vec<citizen::FiledReport>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let on_progress = Arc::new(on_progress);
    let filed = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, base, next, answered, on_progress, filed) =
            (client.clone(), base.to_owned(), next.clone(), answered.clone(), on_progress.clone(), filed.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    break;
                }
                // A citizen whose request failed tries again for a while, as people do.
                for _ in 0..100 {
                    if let Some(report) = citizen::try_file(&client, &base, &citizen::pothole(n)).await {
                        filed.lock().await.push(report);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                on_progress(answered.fetch_add(1, Ordering::SeqCst) + 1).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    filed.lock().await.clone()
}

/// Checks, in resolution's database, that every filed report is in exactly
/// one inbox and entered it exactly once; waits up to `timeout` for it.
pub async fn assert_each_in_one_inbox_once(
    resolution_db: &DatabaseConnection,
    filed: &[citizen::FiledReport],
    timeout: Duration,
) {
    // Each filed report by its code, not a count: a request cut by a kill
    // may have filed a report the citizen was never told of, and counting it
    // would end the wait before every report told of had arrived.
    let codes = eventually(timeout, "every filed report to reach an inbox", || async {
        let codes = strings(resolution_db, "SELECT tracking_code FROM inbox_case").await;
        let arrived: std::collections::HashSet<&str> = codes.iter().map(String::as_str).collect();
        filed.iter().all(|report| arrived.contains(report.tracking_code.as_str())).then_some(codes)
    })
    .await;
    let mut seen = std::collections::HashMap::new();
    for code in &codes {
        *seen.entry(code.as_str()).or_insert(0) += 1;
    }
    for report in filed {
        assert_eq!(
            seen.get(report.tracking_code.as_str()),
            Some(&1),
            "{} is not in exactly one inbox",
            report.tracking_code
        );
    }
    // A request cut by a kill may have committed without its answer reaching
    // the citizen: such a report is in an inbox too, which is fine. What must
    // not happen is a report entering an inbox twice.
    // Both counts in one statement, so that a case opening meanwhile (its
    // row and its event commit together) is in both or in neither.
    let openings_beyond_cases = count(
        resolution_db,
        "SELECT (SELECT COUNT(*) FROM outbox_message WHERE routing_key = 'report.case_opened') \
         - (SELECT COUNT(*) FROM inbox_case)",
    )
    .await;
    assert_eq!(openings_beyond_cases, 0, "a report entered an inbox more than once");
}
