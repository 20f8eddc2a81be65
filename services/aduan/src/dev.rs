//! `aduan dev`: every service in one process on SQLite files, the in-process
//! bus, the demo registry and one HTTP port. Same promises as the distributed
//! mode: a kill -9 loses nothing a citizen was told is filed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aduan_platform::bus::memory::MemoryBus;
use aduan_platform::bus::{Bus, RetryPolicy};
use aduan_platform::database::{self, PoolSize};
use aduan_platform::http::{Limits, Readiness, finish_router, health_router};
use aduan_platform::migrations::BusMigrator;
use aduan_platform::outbox::{OutboxRelay, OutboxSignal, RelaySettings};
use aduan_platform::{shutdown, telemetry};
use anyhow::Context;
use sea_orm_migration::MigratorTrait as _;

use crate::services::{
    ServiceName, ServiceSettings, assemble, load_registry, migrate, open_registry, warn_if_the_calendar_runs_out,
    with_openapi, with_test_clock,
};
use aduan_platform::clock::Today;
use aduan_platform::config::RateLimit;

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

/// The bus's database in a data folder, for `aduan dlq`.
pub fn bus_database_url(dir: &Path) -> String {
    sqlite_url(dir, "bus")
}

/// The key file that seals reporters' identities in the data folder, made
/// at the first start.
fn identity_keys(data_dir: &Path) -> anyhow::Result<Arc<aduan_intake::IdentityKeys>> {
    let path = data_dir.join("identity.key");
    if !path.exists() {
        aduan_intake::IdentityKeys::create_file(&path)?;
        tracing::info!(path = %path.display(), "made a key to seal reporters' identities");
    }
    Ok(Arc::new(aduan_intake::IdentityKeys::load(&path)?))
}

/// The key that signs the ledger's checkpoints, in the data folder, made at the first start.
fn audit_key(data_dir: &Path) -> anyhow::Result<Arc<aduan_ledger::CheckpointSigner>> {
    let path = audit_key_file(data_dir);
    if !path.exists() {
        aduan_audit::checkpoints::create_key_file(&path, "aduan.dev/audit")?;
        tracing::info!(path = %path.display(), "made a key to sign the audit ledger's checkpoints");
    }
    Ok(Arc::new(aduan_audit::checkpoints::load_signer(&path)?))
}

/// Where `aduan dev` keeps the audit key in a data folder.
pub fn audit_key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("audit.key")
}

/// Runs everything until Ctrl-C or SIGTERM.
pub async fn dev(options: DevOptions) -> anyhow::Result<()> {
    let telemetry = telemetry::init("dev", false)?;
    aduan_platform::metrics::install("dev");
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
    let memory_bus = Arc::new(MemoryBus::new(policy, bus_db.clone()));
    let bus: Arc<dyn Bus> = memory_bus.clone();
    // Bound first: the services check access tokens with the keys accounts
    // publishes at this very address.
    let listener =
        tokio::net::TcpListener::bind(options.addr).await.with_context(|| format!("listening on {}", options.addr))?;
    let addr = listener.local_addr()?;
    let settings = ServiceSettings {
        identity_keys: Some(identity_keys(&options.data_dir)?),
        identity_retention: std::time::Duration::from_secs(
            u64::from(aduan_platform::config::IDENTITY_RETENTION_DAYS) * 86_400,
        ),
        citizen_rate: RateLimit::from_env()?,
        // Web calls the services over loopback on behalf of the citizen it names.
        trusted_proxies: aduan_platform::http::TrustedProxies::loopback(),
        dedupe_retention: aduan_platform::dedupe::RETENTION,
        accounts_url: format!("http://{addr}"),
        // The demo users sign in with a password alone; anyone else still needs a second factor.
        accounts: aduan_accounts::AccountsSettings {
            totp_required: false,
            ..aduan_accounts::AccountsSettings::from_env()?
        },
        audit_key: Some(audit_key(&options.data_dir)?),
        files: Some(aduan_intake::photos::FileStore::local(&options.data_dir.join("files"))?),
        public_url: Some(std::env::var("ADUAN_PUBLIC_URL").unwrap_or_else(|_| format!("http://{addr}"))),
    };

    let mut router = axum::Router::new();
    let mut openapi: Option<utoipa::openapi::OpenApi> = None;
    let mut databases = vec![bus_db.clone()];
    let mut relays = Vec::new();
    let mut background = Vec::new();
    // One date for every service's clocks, which a test clock moves together.
    let today = Today::default();
    let mut routing_registry = None;
    let mut accounts_db = None;
    for service in ServiceName::ALL {
        let db = database::connect(&sqlite_url(&options.data_dir, service.as_str()), PoolSize::default()).await?;
        migrate(service, &db).await?;
        let signal = OutboxSignal::default();
        let live = open_registry(service, &db, &registry).await?;
        if service == ServiceName::Routing {
            warn_if_the_calendar_runs_out(&live.current());
            routing_registry = Some(live.clone());
        }
        if service == ServiceName::Accounts {
            accounts_db = Some(db.clone());
        }
        let assembled =
            assemble(service, db.clone(), live, signal.clone(), today.clone(), &settings, stop.clone()).await?;
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
        relays
            .push(OutboxRelay::new(db.clone(), bus.clone(), signal, RelaySettings::default()).named(service.as_str()));
        databases.push(db);
    }
    // Every consumer is subscribed before any relay runs, so nothing left in
    // an outbox by a previous run is published to nobody.
    let relays: Vec<_> = relays.into_iter().map(|relay| tokio::spawn(relay.run(stop.clone()))).collect();
    let mut background: Vec<_> = background.into_iter().map(tokio::spawn).collect();
    background.push(tokio::spawn(memory_bus.run_replays()));

    // The pages, at `/`, calling the APIs at this same address.
    let web_db =
        database::connect(&sqlite_url(&options.data_dir, ServiceName::Web.as_str()), PoolSize::default()).await?;
    migrate(ServiceName::Web, &web_db).await?;
    let sessions = aduan_web::DatabaseSessionStore::new(web_db.clone());
    let web = aduan_web::WebState::new(aduan_web::WebSettings::one_address(&format!("http://{addr}")))?;
    let pages = aduan_web::pages(web, sessions, stop.clone())?;
    background.extend(pages.chores.into_iter().map(tokio::spawn));
    router = router.merge(pages.router);
    databases.push(web_db);
    let openapi = openapi.context("no service assembled")?;
    let router = with_test_clock(router, today, routing_registry.context("routing assembled")?)?;
    let router = with_openapi(router, openapi, "aduan")
        .merge(health_router(Readiness { databases: databases.clone(), bus: Some(bus.clone()) }));
    let accounts_db = accounts_db.context("accounts assembled")?;
    let demo_users = aduan_accounts::seed_demo_users(&accounts_db).await?;
    let open311_key = aduan_accounts::seed_demo_open311_key(&accounts_db).await?;
    println!("aduan dev is running: intake, routing, resolution, accounts and web in one process");
    println!("  pages:    http://{addr}/  (staff: http://{addr}/sign-in)");
    println!("  API:      http://{addr}/api/v1/  (file a report: POST /api/v1/reports)");
    println!("  OpenAPI:  http://{addr}/api/openapi.json");
    println!("  Open311:  http://{addr}/open311/v2/discovery.json  (demo api_key: {open311_key})");
    println!("  health:   http://{addr}/healthz  http://{addr}/readyz");
    println!("  data:     {}", options.data_dir.display());
    println!("Demo staff (sign in at /sign-in, or POST /api/v1/sessions {{\"username\", \"password\"}} and send");
    println!("the access_token as `Authorization: Bearer <token>`; they are for trying aduan out only):");
    for user in &demo_users {
        println!("  {:<18} {:<30} {}", user.username, user.password, user.role);
    }
    println!("Stop with Ctrl-C.");
    let limits = Limits::default();
    aduan_platform::http::serve(listener, finish_router(router, limits), stop.clone(), limits).await?;

    bus.shutdown().await;
    shutdown::join_all_within(relays.into_iter().chain(background).collect(), shutdown::TASK_GRACE).await;
    for db in databases {
        shutdown::close_within(db, shutdown::TASK_GRACE).await;
    }
    tracing::info!("stopped cleanly");
    Ok(())
}
