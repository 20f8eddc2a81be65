//! `aduan bench`: files reports concurrently through a local distributed
//! cluster (three `aduan serve` processes, PostgreSQL, RabbitMQ) and measures
//! how fast intake accepts them, how fast they reach an inbox, and the
//! filed→inbox latency: from the commit in intake to the case's commit in
//! resolution, as each service recorded it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use uuid::Uuid;

use crate::cluster::{Cluster, ClusterOptions};
use crate::services::ServiceName;

/// Options of `aduan bench`.
#[derive(Debug, Clone, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchOptions {
    /// Another benchmark than the pipeline's.
    #[command(subcommand)]
    pub other: Option<OtherBench>,
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

/// The benchmarks other than the pipeline's.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum OtherBench {
    /// Times the staff and citizens' pages on a country's registry and a year's cases.
    Pages(crate::page_bench::PageBenchOptions),
    /// Times the auditors' figures on a ledger of a year's events (10 million by default).
    Figures(crate::figures_bench::FiguresBenchOptions),
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
    /// Median time from filing (intake's commit) to the case opening (resolution's), ms.
    pub filed_to_inbox_p50_ms: f64,
    /// 99th percentile of the same, ms.
    pub filed_to_inbox_p99_ms: f64,
    /// Requests that did not answer 201.
    pub failed_requests: u64,
}

const SAMPLES: [(&str, &str); 4] =
    [("roads", "32.73"), ("health", "31.71"), ("education", "32.04"), ("population_admin", "31.73")];

/// Runs the benchmark on a fresh cluster, prints its figures, removes the cluster.
pub async fn run(options: BenchOptions) -> anyhow::Result<()> {
    match options.other {
        Some(OtherBench::Pages(pages)) => return crate::page_bench::run(pages).await,
        Some(OtherBench::Figures(figures)) => return crate::figures_bench::run(figures).await,
        None => {}
    }
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
    // Arrival is read from the services' own databases after the fact, so
    // measuring adds nothing to the bus.
    let intake_db = Database::connect(cluster.database_url(ServiceName::Intake)).await?;
    let resolution_db = Database::connect(cluster.database_url(ServiceName::Resolution)).await?;

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

    let deadline = Instant::now() + Duration::from_secs(options.timeout_secs);
    loop {
        let in_inbox = scalar(&resolution_db, "SELECT COUNT(*) FROM inbox_case").await?;
        if u64::try_from(in_inbox).unwrap_or(0) >= accepted {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {in_inbox} of {accepted} reports reached an inbox in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let inbox_elapsed = started.elapsed();

    let filed_at: HashMap<Uuid, DateTime<Utc>> = timestamps(&intake_db, "SELECT id, filed_at FROM report").await?;
    let opened_at = timestamps(&resolution_db, "SELECT report_id, opened_at FROM inbox_case").await?;
    let mut latencies = hdrhistogram::Histogram::<u64>::new(3)?;
    for (report_id, opened) in &opened_at {
        if let Some(filed) = filed_at.get(report_id) {
            let micros = (*opened - *filed).num_microseconds().unwrap_or(0).max(0);
            latencies.record(u64::try_from(micros).unwrap_or(0))?;
        }
    }
    intake_db.close().await?;
    resolution_db.close().await?;
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

async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?.context("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

async fn timestamps(db: &DatabaseConnection, sql: &str) -> anyhow::Result<HashMap<Uuid, DateTime<Utc>>> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get_by_index::<Uuid>(0)?, row.try_get_by_index::<DateTime<Utc>>(1)?)))
        .collect()
}
