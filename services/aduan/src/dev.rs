//! `aduan dev`: every service in one process on SQLite files, the in-process
//! bus, the demo registry and one HTTP port. Same promises as the distributed
//! mode: a kill -9 loses nothing a citizen was told is filed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aduan_platform::bus::memory::MemoryBus;
use aduan_platform::bus::{Bus, RetryPolicy};
use aduan_platform::database::{self, PoolSize};
use aduan_platform::http::{Readiness, finish_router, health_router};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::outbox::{OutboxRelay, OutboxSignal, RelaySettings};
use aduan_platform::{shutdown, telemetry};
use anyhow::Context;
use sea_orm_migration::MigratorTrait as _;

use crate::services::{ServiceName, assemble, load_registry, migrate, open_registry, with_openapi, with_test_clock};
use aduan_platform::clock::Today;

/// Options of `aduan dev`.
#[derive(Debug, Clone, clap::Args)]
pub struct DevOptions {
    /// Where the SQLite files live.
    #[arg(long, default_value = "data", env = "ADUAN_DATA_DIR")]
    pub data_dir: PathBuf,
    /// The HTTP address of every service's API.
    #[arg(long, default_value = "127.0.0.1:8080", env = "ADUAN_HTTP_ADDR")]
    pub addr: SocketAddr,
    /// A registry file instead of the demo registry.
    #[arg(long, env = "ADUAN_REGISTRY")]
    pub registry: Option<PathBuf>,
}

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(format!("{name}.sqlite")).display())
}

/// Runs everything until Ctrl-C or SIGTERM.
pub async fn dev(options: DevOptions) -> anyhow::Result<()> {
    let telemetry = telemetry::init("dev", false)?;
    let result = run(options).await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "aduan dev stopped with an error");
    }
    telemetry.shutdown();
    result
}

async fn run(options: DevOptions) -> anyhow::Result<()> {
    let stop = shutdown::on_signal();
    std::fs::create_dir_all(&options.data_dir)
        .with_context(|| format!("creating the data folder {}", options.data_dir.display()))?;
    let registry = load_registry(options.registry.as_deref())?;

    let bus_db = database::connect(&sqlite_url(&options.data_dir, "bus"), PoolSize::default()).await?;
    BusMigrator::up(&bus_db, None).await?;
    let policy = RetryPolicy { delays: [100, 500, 2000].into_iter().map(std::time::Duration::from_millis).collect() };
    let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new(policy, bus_db.clone()));

    let mut router = axum::Router::new();
    let mut openapi: Option<utoipa::openapi::OpenApi> = None;
    let mut databases = vec![bus_db.clone()];
    let mut relays = Vec::new();
    let mut background = Vec::new();
    // One date for every service's clocks, which a test clock moves together.
    let today = Today::default();
    let mut routing_registry = None;
    for service in ServiceName::ALL {
        let db = database::connect(&sqlite_url(&options.data_dir, service.as_str()), PoolSize::default()).await?;
        migrate(service, &db).await?;
        let signal = OutboxSignal::default();
        let live = open_registry(service, &db, &registry).await?;
        if service == ServiceName::Routing {
            routing_registry = Some(live.clone());
        }
        let assembled = assemble(service, db.clone(), live, signal.clone(), today.clone(), stop.clone())?;
        background.extend(assembled.background);
        let (subscription, handler) = assembled.consumer;
        bus.subscribe(subscription, handler).await?;
        router = router.merge(assembled.router);
        openapi = Some(match openapi {
            Some(mut merged) => {
                merged.merge(assembled.openapi);
                merged
            }
            None => assembled.openapi,
        });
        relays.push(OutboxRelay::new(db.clone(), bus.clone(), signal, RelaySettings::default()));
        databases.push(db);
    }
    // Every consumer is subscribed before any relay runs, so nothing left in
    // an outbox by a previous run is published to nobody.
    let relays: Vec<_> = relays.into_iter().map(|relay| tokio::spawn(relay.run(stop.clone()))).collect();
    let background: Vec<_> = background.into_iter().map(tokio::spawn).collect();

    let openapi = openapi.context("no service assembled")?;
    let router = with_test_clock(router, today, routing_registry.context("routing assembled")?)?;
    let router = with_openapi(router, openapi, "aduan")
        .merge(health_router(Readiness { databases: databases.clone(), bus: bus.clone() }));
    let listener =
        tokio::net::TcpListener::bind(options.addr).await.with_context(|| format!("listening on {}", options.addr))?;
    let addr = listener.local_addr()?;
    println!("aduan dev is running: intake, routing and resolution in one process");
    println!("  API:      http://{addr}/api/v1/  (file a report: POST /api/v1/reports)");
    println!("  OpenAPI:  http://{addr}/api/openapi.json");
    println!("  health:   http://{addr}/healthz  http://{addr}/readyz");
    println!("  data:     {}", options.data_dir.display());
    println!("Stop with Ctrl-C.");
    aduan_platform::http::serve(listener, finish_router(router), stop.clone()).await?;

    bus.shutdown().await;
    for task in relays.into_iter().chain(background) {
        task.await?;
    }
    for db in databases {
        db.close().await?;
    }
    tracing::info!("stopped cleanly");
    Ok(())
}
