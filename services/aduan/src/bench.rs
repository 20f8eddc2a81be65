//! `aduan bench`: files reports concurrently through a local distributed
//! cluster (three `aduan serve` processes, PostgreSQL, RabbitMQ) and measures
//! how fast intake accepts them, how fast they reach an inbox, and the
//! filed→inbox latency, taken from the events' own timestamps.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aduan_platform::bus::rabbit::Names;
use aduan_platform::envelope::occurred_at;
use aduan_platform::proto::{Envelope, Message as _, envelope::Event};
use anyhow::Context;
use futures::StreamExt as _;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};

use crate::cluster::{Cluster, ClusterOptions};
use crate::services::ServiceName;

/// Options of `aduan bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {
    /// How many reports to file.
    #[arg(long, default_value_t = 2000)]
    pub reports: u64,
    /// How many requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: u64,
    /// Give up waiting for inboxes after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

/// What the benchmark measured.
#[derive(Debug, serde::Serialize)]
pub struct BenchResult {
    /// Reports filed (answered 201).
    pub reports: u64,
    /// Requests in flight at once.
    pub concurrency: u64,
    /// Reports per second answered 201 by intake.
    pub accepted_per_s: f64,
    /// Reports per second that reached an institution's inbox, from the first request.
    pub inbox_per_s: f64,
    /// Median time from the `filed` event to the `case_opened` event, ms.
    pub filed_to_inbox_p50_ms: f64,
    /// 99th percentile of the same, ms.
    pub filed_to_inbox_p99_ms: f64,
    /// Requests that did not answer 201.
    pub failed_requests: u64,
}

const SAMPLES: [(&str, &str); 4] = [("roads", "32.73"), ("health", "31.71"), ("education", "32.04"), ("other", "31")];

/// Runs the benchmark on a fresh cluster, prints its figures, removes the cluster.
pub async fn run(options: BenchOptions) -> anyhow::Result<()> {
    let binary = std::env::current_exe().context("finding the aduan binary")?;
    let mut cluster_options = ClusterOptions::local(binary);
    cluster_options.extra_env.push(("RUST_LOG".into(), "warn".into()));
    println!("starting a cluster: intake, routing, resolution as separate processes on PostgreSQL and RabbitMQ");
    let cluster = Cluster::start(cluster_options).await?;
    let result = measure(&cluster, &options).await;
    cluster.destroy().await?;
    let result = result?;
    println!("reports filed:              {}", result.reports);
    println!("accepted by intake:         {:.0} reports/s", result.accepted_per_s);
    println!("reaching an inbox:          {:.0} reports/s", result.inbox_per_s);
    println!(
        "filed -> inbox latency:     p50 {:.1} ms, p99 {:.1} ms",
        result.filed_to_inbox_p50_ms, result.filed_to_inbox_p99_ms
    );
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

async fn measure(cluster: &Cluster, options: &BenchOptions) -> anyhow::Result<BenchResult> {
    // Observe the bus from a queue of our own, bound before the first report.
    let names = Names::new(&cluster.namespace);
    let connection = Connection::connect(cluster.amqp_url(), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    let queue = format!("{}.bench-observer", cluster.namespace);
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() },
            FieldTable::default(),
        )
        .await?;
    for key in ["report.filed", "report.case_opened"] {
        channel
            .queue_bind(
                queue.as_str().into(),
                names.exchange().into(),
                key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    let mut deliveries = channel
        .basic_consume(
            queue.as_str().into(),
            "bench".into(),
            BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() },
            FieldTable::default(),
        )
        .await?;

    let client = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency as usize).build()?;
    let url = format!("{}/api/v1/reports", cluster.base_url(ServiceName::Intake));
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..options.concurrency {
        let (client, url, next, failed, total) =
            (client.clone(), url.clone(), next.clone(), failed.clone(), options.reports);
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (category, region) = SAMPLES[(n % SAMPLES.len() as u64) as usize];
                let body = serde_json::json!({
                    "category": category,
                    "region": region,
                    "title": format!("Benchmark report {n}"),
                    "description": "Filed by aduan bench to measure throughput.",
                    "privacy": "anonymous",
                });
                let ok = matches!(client.post(&url).json(&body).send().await, Ok(response) if response.status() == reqwest::StatusCode::CREATED);
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let accepted_elapsed = started.elapsed();
    let failed = failed.load(Ordering::Relaxed);
    let accepted = options.reports - failed;

    let mut filed_at = HashMap::new();
    let mut inbox_at = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(options.timeout_secs);
    while (inbox_at.len() as u64) < accepted {
        let delivery = tokio::time::timeout_at(deadline, deliveries.next())
            .await
            .with_context(|| format!("only {} of {accepted} reports reached an inbox in time", inbox_at.len()))?
            .context("the observer's consumer ended")??;
        let envelope = Envelope::decode(delivery.data.as_slice())?;
        match envelope.event {
            Some(Event::Filed(_)) => {
                filed_at.insert(envelope.report_id.clone(), occurred_at(&envelope));
            }
            Some(Event::CaseOpened(_)) => {
                inbox_at.entry(envelope.report_id.clone()).or_insert_with(|| occurred_at(&envelope));
            }
            _ => {}
        }
    }
    let inbox_elapsed = started.elapsed();
    // The filed events all precede their case_opened on the bus; drain any still queued.
    while filed_at.len() < inbox_at.len() {
        match tokio::time::timeout(Duration::from_secs(5), deliveries.next()).await {
            Ok(Some(Ok(delivery))) => {
                let envelope = Envelope::decode(delivery.data.as_slice())?;
                if let Some(Event::Filed(_)) = envelope.event {
                    filed_at.insert(envelope.report_id.clone(), occurred_at(&envelope));
                }
            }
            _ => break,
        }
    }
    let mut latencies = hdrhistogram::Histogram::<u64>::new(3)?;
    for (report_id, inbox) in &inbox_at {
        if let Some(filed) = filed_at.get(report_id) {
            let micros = (*inbox - *filed).num_microseconds().unwrap_or(0).max(0);
            latencies.record(u64::try_from(micros).unwrap_or(0))?;
        }
    }
    let _ = connection.close(200, "bench done".into()).await;
    Ok(BenchResult {
        reports: accepted,
        concurrency: options.concurrency,
        accepted_per_s: accepted as f64 / accepted_elapsed.as_secs_f64(),
        inbox_per_s: accepted as f64 / inbox_elapsed.as_secs_f64(),
        filed_to_inbox_p50_ms: latencies.value_at_quantile(0.5) as f64 / 1000.0,
        filed_to_inbox_p99_ms: latencies.value_at_quantile(0.99) as f64 / 1000.0,
        failed_requests: failed,
    })
}
