//! `aduan bench --ceilings`: what this machine's PostgreSQL and RabbitMQ can
//! do at most, measured in the same run as the pipeline, so the pipeline's
//! figure is read as a share of the machine's, not beside a number
//! remembered from another day.
//!
//! - PostgreSQL: single-row inserts, each its own durable commit
//!   (`synchronous_commit` as the server has it), from many connections at
//!   once, into a fresh database;
//! - RabbitMQ: persistent messages into a fresh quorum queue, with publisher
//!   confirms, many in flight on one channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use sqlx::Connection as _;

/// What the two servers did.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Ceilings {
    /// Single-row durable commits a second.
    pub postgres_commits_per_s: f64,
    /// Persistent, confirmed quorum-queue messages a second.
    pub rabbitmq_confirmed_per_s: f64,
}

/// Connections committing at once; PostgreSQL groups their commits.
const POSTGRES_CONNECTIONS: usize = 32;
/// Messages published and not yet confirmed at most.
const RABBIT_IN_FLIGHT: usize = 512;
/// The size of each message, about an envelope's.
const MESSAGE_BYTES: usize = 400;

/// Measures both ceilings for `duration` each.
pub async fn measure(postgres_admin_url: &str, amqp_url: &str, duration: Duration) -> anyhow::Result<Ceilings> {
    let postgres_commits_per_s = postgres(postgres_admin_url, duration).await.context("PostgreSQL's ceiling")?;
    let rabbitmq_confirmed_per_s = rabbitmq(amqp_url, duration).await.context("RabbitMQ's ceiling")?;
    Ok(Ceilings { postgres_commits_per_s, rabbitmq_confirmed_per_s })
}

async fn postgres(admin_url: &str, duration: Duration) -> anyhow::Result<f64> {
    let name = format!("aduan_ceiling_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    // The name is ours, made of a UUID's hex digits.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
    let measured = commit_for(&crate::cluster::database_url(admin_url, &name), duration).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await?;
    measured
}

async fn commit_for(url: &str, duration: Duration) -> anyhow::Result<f64> {
    let mut setup = sqlx::PgConnection::connect(url).await?;
    sqlx::query("CREATE TABLE ceiling (id bigserial PRIMARY KEY, at timestamptz NOT NULL, body text NOT NULL)")
        .execute(&mut setup)
        .await?;
    let committed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..POSTGRES_CONNECTIONS {
        let (url, committed) = (url.to_owned(), committed.clone());
        workers.spawn(async move {
            let mut connection = sqlx::PgConnection::connect(&url).await?;
            while started.elapsed() < duration {
                // Outside a transaction block each statement commits on its own.
                sqlx::query("INSERT INTO ceiling (at, body) VALUES (now(), $1)")
                    .bind("a report's worth of text")
                    .execute(&mut connection)
                    .await?;
                committed.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    while let Some(worker) = workers.join_next().await {
        worker??;
    }
    let elapsed = started.elapsed();
    let counted: i64 = sqlx::query_scalar("SELECT count(*) FROM ceiling").fetch_one(&mut setup).await?;
    anyhow::ensure!(
        u64::try_from(counted)? == committed.load(Ordering::Relaxed),
        "PostgreSQL holds {counted} rows of the {} it committed",
        committed.load(Ordering::Relaxed)
    );
    Ok(counted as f64 / elapsed.as_secs_f64())
}

async fn rabbitmq(url: &str, duration: Duration) -> anyhow::Result<f64> {
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    let queue = format!("aduan.ceiling.{}", uuid::Uuid::now_v7().simple());
    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    channel
        .queue_declare(queue.clone().into(), QueueDeclareOptions { durable: true, ..Default::default() }, arguments)
        .await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    let measured = publish_for(&channel, &queue, duration).await;
    channel.queue_delete(queue.into(), QueueDeleteOptions::default()).await?;
    connection.close(200, "measured".into()).await?;
    measured
}

async fn publish_for(channel: &lapin::Channel, queue: &str, duration: Duration) -> anyhow::Result<f64> {
    let body = vec![b'x'; MESSAGE_BYTES];
    let mut in_flight = std::collections::VecDeque::with_capacity(RABBIT_IN_FLIGHT);
    let mut confirmed = 0u64;
    let started = Instant::now();
    loop {
        let publishing = started.elapsed() < duration;
        if publishing && in_flight.len() < RABBIT_IN_FLIGHT {
            let confirm = channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await?;
            in_flight.push_back(confirm);
            continue;
        }
        let Some(confirm) = in_flight.pop_front() else { break };
        match confirm.await? {
            lapin::Confirmation::Ack(None) => confirmed += 1,
            other => anyhow::bail!("the broker did not hold a message: {other:?}"),
        }
    }
    Ok(confirmed as f64 / started.elapsed().as_secs_f64())
}
