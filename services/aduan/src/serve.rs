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

use crate::services::{ServiceName, assemble, load_registry, migrate, open_registry, with_openapi, with_test_clock};
use aduan_platform::clock::Today;

/// Runs `service` until SIGTERM, then drains and exits.
pub async fn serve(service: ServiceName, config_file: Option<&Path>) -> anyhow::Result<()> {
    let config = ServiceConfig::load(config_file, service.default_port())?;
    let telemetry = telemetry::init(service.as_str(), config.log_json)?;
    let result = run(service, config).await;
    if let Err(error) = &result {
        tracing::error!(error = format!("{error:#}"), "service stopped with an error");
    }
    telemetry.shutdown();
    result
}

async fn run(service: ServiceName, config: ServiceConfig) -> anyhow::Result<()> {
    let stop = shutdown::on_signal();
    let registry = load_registry(config.registry.as_deref())?;
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
    let today = Today::default();
    let assembled = assemble(service, db.clone(), live.clone(), signal.clone(), today.clone(), stop.clone())?;
    let background: Vec<_> = assembled.background.into_iter().map(tokio::spawn).collect();
    let (subscription, handler) = assembled.consumer;
    bus.subscribe(subscription, handler).await?;
    let relay = OutboxRelay::new(db.clone(), bus.clone(), signal, RelaySettings::default());
    let relay = tokio::spawn(relay.run(stop.clone()));

    let router = with_test_clock(assembled.router, today, live)?;
    let router = with_openapi(router, assembled.openapi, &format!("aduan {}", service.as_str()))
        .merge(health_router(Readiness { databases: vec![db.clone()], bus: bus.clone() }));
    let listener = tokio::net::TcpListener::bind(config.http_addr).await?;
    tracing::info!(service = service.as_str(), addr = %listener.local_addr()?, "listening");
    aduan_platform::http::serve(listener, finish_router(router), stop.clone()).await?;

    // HTTP has drained; now let consumers finish what they hold, then the relay.
    bus.shutdown().await;
    relay.await?;
    for task in background {
        task.await?;
    }
    db.close().await?;
    tracing::info!(service = service.as_str(), "stopped cleanly");
    Ok(())
}
