//! `aduan bench`: files reports through a local distributed cluster (each
//! service an `aduan serve` process, PostgreSQL, RabbitMQ), either a number
//! of them with so many in flight (closed loop) or at a rate for a while,
//! whatever the answers (open loop), and measures how fast intake accepts
//! them and how fast they arrive: each report answered 201 is followed by
//! its tracking code until resolution opened it and intake shows it to its
//! citizen, with the latency of each hop as the services recorded it and the
//! CPU each process spent (see `bench_hops`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::Database;

use crate::bench_hops::{Recorded, cpu_percent, cpu_ticks, stretches};
use crate::cluster::{Cluster, ClusterOptions};
use crate::services::ServiceName;

/// Options of `aduan bench`.
#[derive(Debug, Clone, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchOptions {
    /// Another benchmark than the pipeline's.
    #[command(subcommand)]
    pub other: Option<OtherBench>,
    /// How many reports to file (closed loop).
    #[arg(long, default_value_t = 2000)]
    pub reports: u64,
    /// How many requests in flight at once (closed loop).
    #[arg(long, default_value_t = 64)]
    pub concurrency: u64,
    /// Offer this many reports a second for `--duration`, whatever the
    /// answers (open loop), instead of `--reports` with `--concurrency` in flight.
    #[arg(long)]
    pub rate: Option<u64>,
    /// How long the open loop offers reports, in seconds.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Give up waiting for inboxes after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
    /// Also measure what PostgreSQL and RabbitMQ can do at most on this
    /// machine (durable single-row commits, confirmed persistent messages),
    /// before the run, and print the run's figures beside them.
    #[arg(long)]
    pub ceilings: bool,
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
    /// `closed` (so many in flight) or `open` (at a rate).
    pub mode: String,
    /// Reports offered.
    pub offered: u64,
    /// Reports a second offered (open loop) or sent (closed loop).
    pub offered_per_s: f64,
    /// Requests in flight at once (closed loop).
    pub concurrency: Option<u64>,
    /// Reports answered 201.
    pub reports: u64,
    /// Reports per second answered 201 by intake.
    pub accepted_per_s: f64,
    /// Of those, how many arrived: open in resolution and shown to their citizen.
    pub arrived: u64,
    /// Reports per second that arrived, from the first request to the last arrival.
    pub inbox_per_s: f64,
    /// Median time from filing (intake's commit) to the case opening (resolution's), ms.
    pub filed_to_inbox_p50_ms: f64,
    /// 99th percentile of the same, ms.
    pub filed_to_inbox_p99_ms: f64,
    /// Each hop's latency.
    pub stretches: Vec<crate::bench_hops::Stretch>,
    /// The share of one core each process used over the run, %.
    pub cpu_percent: Vec<(String, f64)>,
    /// Requests that did not answer 201.
    pub failed_requests: u64,
    /// What PostgreSQL and RabbitMQ did at most in the same run (`--ceilings`).
    pub ceilings: Option<crate::ceilings::Ceilings>,
}

/// How long each ceiling is measured.
const CEILING_SECONDS: u64 = 10;

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
    let ceilings = if options.ceilings {
        println!(
            "measuring the ceilings: PostgreSQL's durable commits, RabbitMQ's confirmed messages ({CEILING_SECONDS} s each)"
        );
        let duration = Duration::from_secs(CEILING_SECONDS);
        Some(crate::ceilings::measure(&cluster_options.postgres_admin_url, &cluster_options.amqp_url, duration).await?)
    } else {
        None
    };
    println!("starting a cluster: intake, routing, resolution as separate processes on PostgreSQL and RabbitMQ");
    let cluster = Cluster::start(cluster_options).await?;
    let result = measure(&cluster, &options).await;
    cluster.destroy().await?;
    let mut result = result?;
    result.ceilings = ceilings;
    println!(
        "offered:                    {} reports ({:.0}/s, {} loop)",
        result.offered, result.offered_per_s, result.mode
    );
    println!("accepted by intake:         {} ({:.0} reports/s)", result.reports, result.accepted_per_s);
    println!("arrived (opened and shown): {} ({:.0} reports/s)", result.arrived, result.inbox_per_s);
    println!("{:<34} {:>8} {:>10} {:>10} {:>10}", "stretch", "reports", "p50 ms", "p99 ms", "max ms");
    for stretch in &result.stretches {
        println!(
            "{:<34} {:>8} {:>10.1} {:>10.1} {:>10.1}",
            stretch.stretch, stretch.reports, stretch.p50_ms, stretch.p99_ms, stretch.max_ms
        );
    }
    let cpu: Vec<String> = result.cpu_percent.iter().map(|(name, share)| format!("{name} {share}%")).collect();
    println!("CPU (% of one core):        {}", cpu.join(", "));
    if let Some(ceilings) = &result.ceilings {
        // Each report is one commit in intake and one or more in each
        // consumer, and four or more messages: the ratios say how far the
        // pipeline is from the machine's, not a promise of either.
        println!(
            "ceilings (same run):        PostgreSQL {:.0} durable commits/s, RabbitMQ {:.0} confirmed messages/s",
            ceilings.postgres_commits_per_s, ceilings.rabbitmq_confirmed_per_s
        );
        println!(
            "arrived / ceiling:          {:.1}% of PostgreSQL's commits/s, {:.1}% of RabbitMQ's messages/s",
            100.0 * result.inbox_per_s / ceilings.postgres_commits_per_s,
            100.0 * result.inbox_per_s / ceilings.rabbitmq_confirmed_per_s
        );
    }
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// What the load did: the tracking codes answered 201, and how long it took.
struct Load {
    codes: HashSet<String>,
    offered: u64,
    failed: u64,
    elapsed: Duration,
}

/// Files report `n`; answers its tracking code if intake answered 201.
async fn file_one(client: &reqwest::Client, url: &str, n: u64) -> Option<String> {
    let (category, region) = SAMPLES[(n % SAMPLES.len() as u64) as usize];
    let body = serde_json::json!({
        "category": category,
        "region": region,
        "title": format!("Benchmark report {n}"),
        "description": "Filed by aduan bench to measure throughput.",
        "privacy": "anonymous",
    });
    let response = client.post(url).json(&body).send().await.ok()?;
    if response.status() != reqwest::StatusCode::CREATED {
        return None;
    }
    let filed: serde_json::Value = response.json().await.ok()?;
    filed["tracking_code"].as_str().map(str::to_owned)
}

/// `total` reports with `concurrency` in flight.
async fn closed_loop(client: &reqwest::Client, url: &str, total: u64, concurrency: u64) -> anyhow::Result<Load> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, next) = (client.clone(), url.to_owned(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return answered;
                }
                answered.push(file_one(&client, &url, n).await);
            }
        }));
    }
    let mut codes = HashSet::new();
    let mut failed = 0;
    for worker in workers {
        for answer in worker.await? {
            match answer {
                Some(code) => {
                    codes.insert(code);
                }
                None => failed += 1,
            }
        }
    }
    Ok(Load { codes, offered: total, failed, elapsed: started.elapsed() })
}

/// `rate` reports a second for `duration`, each sent at its time whatever
/// the answers to those before it.
async fn open_loop(client: &reqwest::Client, url: &str, rate: u64, duration: Duration) -> anyhow::Result<Load> {
    anyhow::ensure!(rate > 0, "--rate must be at least 1");
    let total = (rate as f64 * duration.as_secs_f64()).round() as u64;
    let started = tokio::time::Instant::now();
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..total {
        tokio::time::sleep_until(started + Duration::from_secs_f64(n as f64 / rate as f64)).await;
        let (client, url) = (client.clone(), url.to_owned());
        requests.spawn(async move { file_one(&client, &url, n).await });
    }
    let mut codes = HashSet::new();
    let mut failed = 0;
    while let Some(answer) = requests.join_next().await {
        match answer? {
            Some(code) => {
                codes.insert(code);
            }
            None => failed += 1,
        }
    }
    Ok(Load { codes, offered: total, failed, elapsed: started.elapsed() })
}

async fn measure(cluster: &Cluster, options: &BenchOptions) -> anyhow::Result<BenchResult> {
    // Arrival is read from the services' own databases after the fact, so
    // measuring adds nothing to the bus.
    let intake = Database::connect(cluster.database_url(ServiceName::Intake)).await?;
    let routing = Database::connect(cluster.database_url(ServiceName::Routing)).await?;
    let resolution = Database::connect(cluster.database_url(ServiceName::Resolution)).await?;
    let recorded = Recorded { intake: &intake, routing: &routing, resolution: &resolution };

    let pids = cluster.pids();
    let cpu_before = cpu_ticks(&pids);
    let started = Instant::now();
    let client = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency as usize).build()?;
    let url = format!("{}/api/v1/reports", cluster.base_url(ServiceName::Intake));
    let (mode, load) = match options.rate {
        Some(rate) => ("open", open_loop(&client, &url, rate, Duration::from_secs(options.duration)).await?),
        None => ("closed", closed_loop(&client, &url, options.reports, options.concurrency).await?),
    };
    let ids = recorded.ids_of(&load.codes).await?;
    anyhow::ensure!(
        ids.len() == load.codes.len(),
        "intake holds {} of the {} reports it answered 201",
        ids.len(),
        load.codes.len()
    );
    let arrived = recorded.wait_for(&ids, Duration::from_secs(options.timeout_secs)).await?;
    let arrived_elapsed = started.elapsed();
    let cpu = cpu_percent(&cpu_before, &cpu_ticks(&pids), arrived_elapsed);
    anyhow::ensure!(
        arrived == ids.len(),
        "only {arrived} of {} reports arrived within {} s",
        ids.len(),
        options.timeout_secs
    );
    let stretches = stretches(&recorded.hops(&ids).await?)?;
    let inbox = stretches.iter().find(|stretch| stretch.stretch.starts_with("filed -> opened"));
    intake.close().await?;
    routing.close().await?;
    resolution.close().await?;
    let accepted = load.codes.len() as u64;
    Ok(BenchResult {
        mode: mode.to_owned(),
        offered: load.offered,
        offered_per_s: match options.rate {
            Some(rate) => rate as f64,
            None => load.offered as f64 / load.elapsed.as_secs_f64(),
        },
        concurrency: options.rate.is_none().then_some(options.concurrency),
        reports: accepted,
        accepted_per_s: accepted as f64 / load.elapsed.as_secs_f64(),
        arrived: arrived as u64,
        inbox_per_s: arrived as f64 / arrived_elapsed.as_secs_f64(),
        filed_to_inbox_p50_ms: inbox.map_or(0.0, |stretch| stretch.p50_ms),
        filed_to_inbox_p99_ms: inbox.map_or(0.0, |stretch| stretch.p99_ms),
        stretches,
        cpu_percent: cpu,
        failed_requests: load.failed,
        ceilings: None,
    })
}
