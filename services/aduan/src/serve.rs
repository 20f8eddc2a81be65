//! `aduan serve <service>`: one service a process, on PostgreSQL and RabbitMQ.

use std::path::Path;
use std::sync::Arc;

use aduan_platform::bus::Bus;
use aduan_platform::bus::rabbit::{RabbitBus, RabbitSettings};
use aduan_platform::config::ServiceConfig;
use aduan_platform::database::{self, PoolSize};
use aduan_platform::http::{Readiness, finish_router, health_router};
use aduan_platform::outbox::{OutboxRelay, OutboxSignal, RelaySettings};
use aduan_platform::{shutdown, telemetry, topology};

use crate::services::{
    ServiceName, ServiceSettings, assemble, load_registry, migrate, open_registry, warn_if_the_calendar_runs_out,
    with_openapi, with_test_clock,
};
use aduan_platform::clock::Today;

/// Runs `service` until SIGTERM, then drains and exits.
pub async fn serve(service: ServiceName, config_file: Option<&Path>) -> anyhow::Result<()> {
    let config = ServiceConfig::load(config_file, service.default_port())?;
    let telemetry = telemetry::init(service.as_str(), config.log_json)?;
    aduan_platform::metrics::install(service.as_str());
    let result = run(service, config).await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "service stopped with an error");
    }
    telemetry.shutdown();
    result
}

/// What `config` says the service needs beyond its database and the bus.
fn settings(service: ServiceName, config: &ServiceConfig) -> anyhow::Result<ServiceSettings> {
    let identity_keys = match (&config.identity_key_file, service) {
        (Some(path), _) => Some(Arc::new(aduan_intake::IdentityKeys::load(path)?)),
        (None, _) => None,
    };
    Ok(ServiceSettings {
        identity_keys,
        identity_retention: std::time::Duration::from_secs(u64::from(config.identity_retention_days) * 86_400),
        citizen_rate: config.citizen_rate,
        trusted_proxies: aduan_platform::http::TrustedProxies::from_env()?,
        dedupe_retention: config.dedupe_retention,
        accounts_url: config.accounts_url.clone(),
        accounts: aduan_accounts::AccountsSettings::from_env()?,
        audit_key: match &config.audit_key_file {
            Some(path) => Some(Arc::new(aduan_audit::checkpoints::load_signer(path)?)),
            None => None,
        },
        files: config.files_url.as_deref().map(aduan_intake::photos::FileStore::open).transpose()?,
        public_url: std::env::var("ADUAN_PUBLIC_URL").ok(),
    })
}

async fn run(service: ServiceName, config: ServiceConfig) -> anyhow::Result<()> {
    if service == ServiceName::Web {
        return run_web(config).await;
    }
    config.refuse_development_defaults()?;
    let stop = shutdown::on_signal();
    let registry = load_registry(config.registry.as_deref())?;
    let settings = settings(service, &config)?;
    let db = database::connect(&config.database_url, PoolSize { max: config.database_pool }).await?;
    migrate(service, &db).await?;
    let bus: Arc<dyn Bus> = Arc::new(
        RabbitBus::connect(RabbitSettings {
            url: config.amqp_url.clone(),
            namespace: config.bus_namespace.clone(),
            prefetch: config.prefetch,
            concurrency: config.concurrency,
            batch_size: config.batch_size,
            retry: config.retry.clone(),
            topology: topology::all(),
        })
        .await?,
    );
    let signal = OutboxSignal::default();
    let live = open_registry(service, &db, &registry).await?;
    warn_if_the_calendar_runs_out(&live.current());
    let today = Today::default();
    let assembled =
        assemble(service, db.clone(), live.clone(), signal.clone(), today.clone(), &settings, stop.clone()).await?;
    let background: Vec<_> = assembled.background.into_iter().map(tokio::spawn).collect();
    let (subscription, handler) = assembled.consumer;
    bus.subscribe(subscription, handler).await?;
    let relay = OutboxRelay::new(db.clone(), bus.clone(), signal, RelaySettings::default()).named(service.as_str());
    let relay = tokio::spawn(relay.run(stop.clone()));

    let router = with_test_clock(assembled.router, today, live)?;
    let router = with_openapi(router, assembled.openapi, &format!("aduan {}", service.as_str()))
        .merge(health_router(Readiness { databases: vec![db.clone()], bus: Some(bus.clone()) }));
    let listener = tokio::net::TcpListener::bind(config.http_addr).await?;
    tracing::info!(service = service.as_str(), addr = %listener.local_addr()?, "listening");
    aduan_platform::http::serve(listener, finish_router(router, config.limits), stop.clone(), config.limits).await?;

    // HTTP has drained; now let consumers finish what they hold, then the
    // relay. Every wait has a deadline: a process asked to stop stops.
    bus.shutdown().await;
    let mut tasks = background;
    tasks.push(relay);
    shutdown::join_all_within(tasks, shutdown::TASK_GRACE).await;
    shutdown::close_within(db, shutdown::TASK_GRACE).await;
    tracing::info!(service = service.as_str(), "stopped cleanly");
    Ok(())
}

/// Web: its own database (browser sessions) and HTTP; no bus, no registry.
async fn run_web(config: ServiceConfig) -> anyhow::Result<()> {
    let stop = shutdown::on_signal();
    let db = database::connect(&config.database_url, PoolSize { max: config.database_pool }).await?;
    migrate(ServiceName::Web, &db).await?;
    let settings = aduan_web::WebSettings::from_env(&config.accounts_url)?;
    let store = aduan_web::DatabaseSessionStore::new(db.clone());
    let pages = aduan_web::pages(aduan_web::WebState::new(settings)?, store, stop.clone())?;
    let chores: Vec<_> = pages.chores.into_iter().map(tokio::spawn).collect();
    let router = pages.router.merge(health_router(Readiness { databases: vec![db.clone()], bus: None }));
    let listener = tokio::net::TcpListener::bind(config.http_addr).await?;
    tracing::info!(service = "web", addr = %listener.local_addr()?, "listening");
    aduan_platform::http::serve(listener, finish_router(router, config.limits), stop.clone(), config.limits).await?;
    shutdown::join_all_within(chores, shutdown::TASK_GRACE).await;
    shutdown::close_within(db, shutdown::TASK_GRACE).await;
    tracing::info!(service = "web", "stopped cleanly");
    Ok(())
}
