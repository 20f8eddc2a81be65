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
    /// Run the embedded mode (`aduan dev`: one process, SQLite, the
    /// in-process bus) instead of the distributed cluster.
    #[arg(long, conflicts_with = "ceilings")]
    pub embedded: bool,
    /// Also measure what PostgreSQL and RabbitMQ can do at most on this
    /// machine (durable single-row commits, confirmed persistent messages),
    /// after the run, and print the run's figures beside them.
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
    /// `distributed` (a process per service, PostgreSQL, RabbitMQ) or `embedded` (`aduan dev`).
    pub system: String,
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
    let result = if options.embedded {
        println!("starting aduan dev: every service in one process, on SQLite, with the in-process bus");
        let data_dir = std::env::temp_dir().join(format!("aduan-bench-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let result = measure_embedded(&binary, &data_dir, &options).await;
        std::fs::remove_dir_all(&data_dir).ok();
        result?
    } else {
        let mut cluster_options = ClusterOptions::local(binary);
        cluster_options.extra_env.push(("RUST_LOG".into(), "warn".into()));
        let (postgres, amqp) = (cluster_options.postgres_admin_url.clone(), cluster_options.amqp_url.clone());
        println!("starting a cluster: intake, routing, resolution as separate processes on PostgreSQL and RabbitMQ");
        let cluster = Cluster::start(cluster_options).await?;
        let target = Target {
            intake_url: cluster.base_url(ServiceName::Intake),
            databases: [ServiceName::Intake, ServiceName::Routing, ServiceName::Resolution]
                .map(|service| cluster.database_url(service).to_owned()),
            pids: cluster.pids(),
        };
        let result = measure(&target, &options).await;
        cluster.destroy().await?;
        let mut result = result?;
        // After the run, so that neither slows it nor counts in its CPU.
        if options.ceilings {
            println!(
                "measuring the ceilings: PostgreSQL's durable commits, RabbitMQ's confirmed messages ({CEILING_SECONDS} s each)"
            );
            let duration = Duration::from_secs(CEILING_SECONDS);
            match crate::ceilings::measure(&postgres, &amqp, duration).await {
                Ok(ceilings) => result.ceilings = Some(ceilings),
                // The run's own figures stand without them.
                Err(error) => eprintln!("could not measure the ceilings: {error:#}"),
            }
        }
        result
    };
    println!(
        "offered:                    {} reports ({:.0}/s, {} loop, {})",
        result.offered, result.offered_per_s, result.mode, result.system
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

/// What the load goes to and where arrival is read.
struct Target {
    /// Intake's base URL.
    intake_url: String,
    /// The databases of intake, routing and resolution.
    databases: [String; 3],
    /// The processes whose CPU is measured.
    pids: Vec<(String, u32)>,
}

/// The pipeline of `aduan dev` on a fresh folder.
async fn measure_embedded(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
    options: &BenchOptions,
) -> anyhow::Result<BenchResult> {
    // Killed when dropped (`kill_on_drop`), whatever the bench's outcome.
    let (port, dev) = crate::child::start_on_free_port(|port| start_dev(binary, data_dir, port)).await?;
    let sqlite = |name: &str| format!("sqlite://{}?mode=ro", data_dir.join(format!("{name}.sqlite")).display());
    let target = Target {
        intake_url: format!("http://127.0.0.1:{port}"),
        databases: [sqlite("intake"), sqlite("routing"), sqlite("resolution")],
        pids: dev.id().map(|pid| ("aduan dev".to_owned(), pid)).into_iter().collect(),
    };
    measure(&target, options).await
}

/// `aduan dev` on `data_dir` and `port`, once it answers.
async fn start_dev(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
    port: u16,
) -> anyhow::Result<tokio::process::Child> {
    let log_path = data_dir.join("dev.log");
    let log_start = crate::child::log_length(&log_path);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
    let mut child = tokio::process::Command::new(binary)
        .arg("dev")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        // One client files every report: the per-client limit that stops a
        // script flooding intake would stop the bench.
        .env("ADUAN_CITIZEN_RATE_PER_MINUTE", "10000000")
        .env("ADUAN_CITIZEN_BURST", "1000000")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    crate::child::wait_ready(&mut child, &base, "aduan dev", (&log_path, log_start), Duration::from_secs(120)).await?;
    Ok(child)
}

async fn measure(target: &Target, options: &BenchOptions) -> anyhow::Result<BenchResult> {
    // Arrival is read from the services' own databases after the fact, so
    // measuring adds nothing to the bus.
    let [intake, routing, resolution] = &target.databases;
    let intake = Database::connect(intake).await?;
    let routing = Database::connect(routing).await?;
    let resolution = Database::connect(resolution).await?;
    let recorded = Recorded { intake: &intake, routing: &routing, resolution: &resolution };

    let pids = &target.pids;
    let cpu_before = cpu_ticks(pids);
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let client = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency as usize).build()?;
    let url = format!("{}/api/v1/reports", target.intake_url);
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
    let cpu = cpu_percent(&cpu_before, &cpu_ticks(pids), arrived_elapsed);
    anyhow::ensure!(
        arrived == ids.len(),
        "only {arrived} of {} reports arrived within {} s",
        ids.len(),
        options.timeout_secs
    );
    let hops = recorded.hops(&ids).await?;
    // Up to the last arrival as the services recorded it, not to when the
    // benchmark's polling noticed it.
    let last_arrival = hops.values().filter_map(|hops| hops.opened.max(hops.seen)).max();
    let arrived_in = last_arrival
        .and_then(|at| (at - started_at).to_std().ok())
        .filter(|elapsed| !elapsed.is_zero())
        .unwrap_or(arrived_elapsed);
    let stretches = stretches(&hops)?;
    let inbox = stretches.iter().find(|stretch| stretch.stretch.starts_with("filed -> opened"));
    intake.close().await?;
    routing.close().await?;
    resolution.close().await?;
    let accepted = load.codes.len() as u64;
    Ok(BenchResult {
        system: if options.embedded { "embedded" } else { "distributed" }.to_owned(),
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
        inbox_per_s: arrived as f64 / arrived_in.as_secs_f64(),
        filed_to_inbox_p50_ms: inbox.map_or(0.0, |stretch| stretch.p50_ms),
        filed_to_inbox_p99_ms: inbox.map_or(0.0, |stretch| stretch.p99_ms),
        stretches,
        cpu_percent: cpu,
        failed_requests: load.failed,
        ceilings: None,
    })
}
