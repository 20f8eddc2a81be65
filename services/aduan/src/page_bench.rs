//! `aduan bench pages`: how fast the pages staff and citizens use all day
//! answer, and how much they weigh, on a registry the size of a country's
//! and an inbox the size of a year's. It starts `aduan dev` on a fresh data
//! folder (the Indonesian seed by default), files one report through the API
//! as a citizen would, loads many more open cases straight into resolution's
//! database and a full verification queue into routing's, signs a member of
//! staff in through the sign-in page, then asks each page many times in
//! turn and prints its latency percentiles and its size.
//!
//! With `--distributed`, the same pages are asked of web in front of a local
//! cluster on PostgreSQL, after `aduan load` has filled intake, routing and
//! resolution with `--reports` reports.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use aduan_platform::proto::{self, Message as _};
use aduan_registry::Registry;
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use crate::child;
use crate::cluster::{Cluster, ClusterOptions};
use crate::load::{Stage, Targets};
use crate::services::ServiceName;

/// Options of `aduan bench pages`.
#[derive(Debug, Clone, clap::Args)]
pub struct PageBenchOptions {
    /// Open cases loaded into resolution, spread over the registry's
    /// institutions (a fifth of them in the measured inbox).
    #[arg(long, default_value_t = 100_000)]
    pub cases: u64,
    /// Reports loaded into the verification queue.
    #[arg(long, default_value_t = 2_000)]
    pub queued: u64,
    /// Requests measured per page, one at a time, after as many to warm up as a tenth of them.
    #[arg(long, default_value_t = 200)]
    pub requests: u32,
    /// The registry.
    #[arg(long, default_value = "services/registry/data/indonesia/registry.toml")]
    pub registry: PathBuf,
    /// Measure web in front of a local distributed cluster on PostgreSQL
    /// (each service its own process and database) instead of `aduan dev`.
    #[arg(long)]
    pub distributed: bool,
    /// With `--distributed`: reports loaded by `aduan load` (`--cases` and
    /// `--queued` are for `aduan dev`).
    #[arg(long, default_value_t = 1_000_000)]
    pub reports: u64,
    /// With `--distributed`: the services whose databases are loaded, and
    /// whose pages are timed (all three by default). A disk too small for
    /// ten million reports in every service at once can time them in turns:
    /// each page reads the databases of the services it names.
    #[arg(long, requires = "distributed", value_delimiter = ',', default_values = ["intake", "routing", "resolution"])]
    pub loaded: Vec<ServiceName>,
}

/// What the pages are asked about.
struct Subjects {
    /// The busy inbox's institution.
    busy: String,
    /// A case there.
    case: String,
    /// A report waiting for a verifier.
    queued: String,
    /// A report's tracking code.
    code: String,
    /// The services whose data the pages may read.
    loaded: Vec<ServiceName>,
}

/// A page's figures.
#[derive(Debug, Serialize)]
pub struct PageFigures {
    /// What was asked.
    pub page: String,
    /// Median, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// The answer's size, bytes.
    pub bytes: usize,
}

/// The budget every page is held to (the staff workspace issue).
const BUDGET_MS: f64 = 50.0;
const BUDGET_BYTES: usize = 50 * 1024;
const USERNAME: &str = "bench.staff";
const PASSWORD: &str = "bench-staff-password-1234";

/// Runs the benchmark and prints its figures.
pub async fn run(options: PageBenchOptions) -> anyhow::Result<()> {
    let registry =
        Registry::load(&options.registry).with_context(|| format!("reading {}", options.registry.display()))?;
    let figures = if options.distributed {
        measure_distributed(&options, &registry).await?
    } else {
        let data_dir = std::env::temp_dir().join(format!("aduan-page-bench-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let result = measure(&options, &registry, &data_dir).await;
        std::fs::remove_dir_all(&data_dir).ok();
        result?
    };
    println!("{:<66} {:>7} {:>7} {:>7} {:>7}", "page", "p50 ms", "p99 ms", "max ms", "KiB");
    for page in &figures {
        let over = if page.p99_ms > BUDGET_MS || page.bytes > BUDGET_BYTES { "  over budget" } else { "" };
        println!(
            "{:<66} {:>7.1} {:>7.1} {:>7.1} {:>7.1}{over}",
            page.page,
            page.p50_ms,
            page.p99_ms,
            page.max_ms,
            page.bytes as f64 / 1024.0
        );
    }
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}

/// `aduan dev` on the bench's folder and `port`, once it answers.
async fn start_dev(options: &PageBenchOptions, data_dir: &Path, port: u16) -> anyhow::Result<tokio::process::Child> {
    let log_path = data_dir.join("dev.log");
    let log_start = child::log_length(&log_path);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("dev")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--registry")
        .arg(&options.registry)
        .env("RUST_LOG", "warn")
        // The bench's member of staff signs in with a password alone; what
        // is measured is the pages, not the second factor.
        .env("ADUAN_ACCOUNTS_TOTP_REQUIRED_ROLES", "")
        // One client asks thousands of pages: the per-client limit that
        // stops a script filing thousands of reports would stop the bench.
        .env("ADUAN_CITIZEN_RATE_PER_MINUTE", "10000000")
        .env("ADUAN_CITIZEN_BURST", "1000000")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    child::wait_ready(&mut child, &base, "aduan dev", (&log_path, log_start), Duration::from_secs(180)).await?;
    Ok(child)
}

async fn measure(options: &PageBenchOptions, registry: &Registry, data_dir: &Path) -> anyhow::Result<Vec<PageFigures>> {
    // Killed when dropped (`kill_on_drop`), whatever the bench's outcome.
    let (port, _dev) = child::start_on_free_port(|port| start_dev(options, data_dir, port)).await?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    println!(
        "aduan dev is up on the registry {} ({} institutions)",
        options.registry.display(),
        registry.institutions().len()
    );

    // One report as a citizen files it: its case, tracking page and timeline are real.
    let filed: serde_json::Value = client
        .post(format!("{base}/api/v1/reports"))
        .json(&serde_json::json!({
            "category": "roads", "region": "32.73", "privacy": "public",
            "title": "Jalan berlubang di depan pasar",
            "description": "Lubang besar di Jalan Braga nomor 12, berbahaya bagi pengendara motor di malam hari.",
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let code = filed["tracking_code"].as_str().context("a tracking code")?.to_owned();
    let resolution = connect(data_dir, "resolution").await?;
    let case = wait_for_case(&resolution, &code).await?;
    let busy = case.institution_id.clone();

    let started = Instant::now();
    load_cases(&resolution, registry, &busy, options.cases).await?;
    let routing = connect(data_dir, "routing").await?;
    let queued = load_queue(&routing, registry, options.queued).await?;
    println!(
        "loaded {} open cases ({} in {busy}'s inbox) and {} reports waiting for a verifier in {:.1} s",
        options.cases,
        options.cases / 5,
        options.queued,
        started.elapsed().as_secs_f64()
    );

    let accounts = connect(data_dir, "accounts").await?;
    let cookie = add_staff_and_sign_in(&accounts, &client, &base, &busy).await?;
    let subjects = Subjects {
        busy,
        case: case.id.to_string(),
        queued: queued.to_string(),
        code,
        loaded: crate::load::SERVICES.to_vec(),
    };
    time_pages(&client, &base, &cookie, &subjects, options.requests).await
}

/// Web in front of a local cluster whose databases `aduan load` filled.
async fn measure_distributed(options: &PageBenchOptions, registry: &Registry) -> anyhow::Result<Vec<PageFigures>> {
    if let Some(other) = options.loaded.iter().find(|service| !crate::load::SERVICES.contains(service)) {
        anyhow::bail!(
            "{} is not loaded by `aduan load`: --loaded takes intake, routing and resolution",
            other.as_str()
        );
    }
    let mut cluster_options = ClusterOptions::local(std::env::current_exe()?);
    cluster_options.extra_env = vec![
        ("ADUAN_REGISTRY".to_owned(), options.registry.display().to_string()),
        // The bench's member of staff signs in with a password alone.
        ("ADUAN_ACCOUNTS_TOTP_REQUIRED_ROLES".to_owned(), String::new()),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
    ];
    let mut cluster = Cluster::start(cluster_options).await?;
    let result = measure_cluster(options, registry, &mut cluster).await;
    cluster.destroy().await?;
    result
}

async fn measure_cluster(
    options: &PageBenchOptions,
    registry: &Registry,
    cluster: &mut Cluster,
) -> anyhow::Result<Vec<PageFigures>> {
    let base = cluster.start_web().await?;
    let url =
        |service: ServiceName| options.loaded.contains(&service).then(|| cluster.database_url(service).to_owned());
    let targets = Targets {
        intake: url(ServiceName::Intake),
        routing: url(ServiceName::Routing),
        resolution: url(ServiceName::Resolution),
    };
    println!(
        "a local cluster is up on the registry {}; loading {} reports into {:?}",
        options.registry.display(),
        options.reports,
        options.loaded
    );
    let loaded = crate::load::load(&targets, registry, options.reports, ("roads", "32.73")).await?;
    let busy = loaded.busy_institution.clone();
    println!(
        "loaded {} reports ({} rows) in {:.0} s: {} waiting for a verifier, {} open cases",
        options.reports,
        loaded.rows,
        loaded.seconds,
        loaded.stages[0],
        loaded.stages[1] + loaded.stages[2],
    );
    if let Some(resolution) = &targets.resolution {
        let resolution = aduan_platform::database::connect(resolution, Default::default()).await?;
        let open_statuses =
            aduan_procedure::Status::ALL.into_iter().filter(|status| status.is_open()).map(|status| status.as_str());
        let open = aduan_resolution::entities::case::Entity::find()
            .filter(aduan_resolution::entities::case::Column::InstitutionId.eq(busy.as_str()))
            .filter(aduan_resolution::entities::case::Column::Status.is_in(open_statuses))
            .count(&resolution)
            .await?;
        println!("{open} open cases in {busy}'s inbox");
    }
    let sample = |stage: Stage, here: bool| {
        loaded
            .samples
            .iter()
            .find(|sample| sample.stage == stage && (!here || sample.institution_id == busy))
            .cloned()
            .with_context(|| format!("no loaded report {stage:?}"))
    };
    let case = sample(Stage::FollowedUp, true)?.case_id.context("a case")?;
    let queued = sample(Stage::Queued, false)?.report_id;
    let followed = sample(Stage::Closed, false)?;

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let accounts =
        aduan_platform::database::connect(cluster.database_url(ServiceName::Accounts), Default::default()).await?;
    let cookie = add_staff_and_sign_in(&accounts, &client, &base, &busy).await?;
    let code = followed.tracking_code.clone();
    let subjects = Subjects {
        busy,
        case: case.to_string(),
        queued: queued.to_string(),
        code: code.clone(),
        loaded: options.loaded.clone(),
    };
    let mut figures = time_pages(&client, &base, &cookie, &subjects, options.requests).await?;
    if options.loaded.contains(&ServiceName::Intake) {
        // The citizen's own view, with their secret, from intake's API.
        let url = format!("{}/api/v1/reports/{code}", cluster.base_url(ServiceName::Intake));
        let label = "intake API: the citizen's view with their secret".to_owned();
        figures.push(
            time_page(&label, options.requests, || {
                client.get(&url).header(aduan_intake::api::SECRET_HEADER, &followed.secret)
            })
            .await?,
        );
    }
    Ok(figures)
}

/// Times the pages staff and citizens use all day, as the staff member of
/// `cookie`: those whose services' data is loaded.
async fn time_pages(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    subjects: &Subjects,
    requests: u32,
) -> anyhow::Result<Vec<PageFigures>> {
    use ServiceName::{Intake, Resolution, Routing};
    let Subjects { busy, case, queued, code, loaded } = subjects;
    let pages: [(String, &[ServiceName]); 10] = [
        (format!("/staff/institutions/{busy}/inbox"), &[Resolution]),
        (format!("/staff/institutions/{busy}/inbox?status=open&sort=opened"), &[Resolution]),
        (format!("/staff/institutions/{busy}/inbox?status=open&overdue=yes"), &[Resolution]),
        // The case's photos come from intake.
        (format!("/staff/cases/{case}"), &[Resolution, Intake]),
        ("/staff/verification".to_owned(), &[Routing]),
        (format!("/staff/verification/{queued}"), &[Routing]),
        ("/staff".to_owned(), &[]),
        ("/staff/administration/registry".to_owned(), &[]),
        (format!("/track/{code}"), &[Intake]),
        ("/reports".to_owned(), &[Intake]),
    ];
    let mut figures = Vec::new();
    for (page, reads) in pages {
        if reads.iter().all(|service| loaded.contains(service)) {
            let url = format!("{base}{page}");
            figures
                .push(time_page(&page, requests, || client.get(&url).header(reqwest::header::COOKIE, cookie)).await?);
        }
    }
    Ok(figures)
}

/// Adds the bench's member of staff (verifier and administrator, and
/// coordinator, officer and supervisor of `busy`) and signs them in through
/// the sign-in page; their session cookie.
async fn add_staff_and_sign_in(
    accounts: &DatabaseConnection,
    client: &reqwest::Client,
    base: &str,
    busy: &str,
) -> anyhow::Result<String> {
    let grants = ["verifier", "administrator"]
        .into_iter()
        .map(|role| aduan_access::Grant {
            role: aduan_access::StaffRole::parse(role).unwrap_or(aduan_access::StaffRole::Verifier),
            institution: None,
        })
        .chain(["coordinator", "officer", "supervisor"].into_iter().filter_map(|role| {
            aduan_access::StaffRole::parse(role).map(|role| aduan_access::Grant::in_institution(role, busy.to_owned()))
        }))
        .collect();
    aduan_accounts::add_user(accounts, USERNAME, "Bench Staff", PASSWORD, grants).await?;
    sign_in(client, base).await
}

async fn connect(data_dir: &Path, name: &str) -> anyhow::Result<DatabaseConnection> {
    let url = format!("sqlite://{}?mode=rw", data_dir.join(format!("{name}.sqlite")).display());
    aduan_platform::database::connect(&url, Default::default()).await
}

async fn wait_for_case(
    resolution: &DatabaseConnection,
    tracking_code: &str,
) -> anyhow::Result<aduan_resolution::entities::case::Model> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let case = aduan_resolution::entities::case::Entity::find()
            .filter(aduan_resolution::entities::case::Column::TrackingCode.eq(tracking_code))
            .one(resolution)
            .await?;
        if let Some(case) = case {
            return Ok(case);
        }
        anyhow::ensure!(Instant::now() < deadline, "the filed report never reached an inbox");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Words for loaded reports, so that texts and duplicate searches are not all alike.
const WORDS: [&str; 16] = [
    "jalan",
    "berlubang",
    "lampu",
    "mati",
    "sampah",
    "menumpuk",
    "banjir",
    "selokan",
    "puskesmas",
    "antrean",
    "sekolah",
    "rusak",
    "air",
    "bersih",
    "izin",
    "lambat",
];

fn words(n: u64, count: usize) -> String {
    (0..count)
        .map(|i| WORDS[((n.wrapping_mul(31) + i as u64 * 7) % WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cases` open cases: a fifth in `busy`'s inbox, the rest over every
/// institution of the registry, with deadlines over the next three weeks.
async fn load_cases(db: &DatabaseConnection, registry: &Registry, busy: &str, cases: u64) -> anyhow::Result<()> {
    use aduan_resolution::entities::case;
    let institutions = registry.institutions();
    let today = Utc::now().date_naive();
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(500);
    for n in 0..cases {
        let institution = if n % 5 == 0 { busy } else { &institutions[(n as usize) % institutions.len()].id };
        let opened_at = Utc::now() - chrono::Duration::minutes(i64::try_from(n % 40_000).unwrap_or(0));
        batch.push(case::ActiveModel {
            id: Set(Uuid::now_v7()),
            report_id: Set(Uuid::now_v7()),
            institution_id: Set(institution.to_owned()),
            institution_name: Set(registry
                .institution(institution)
                .map(|found| found.name.clone())
                .unwrap_or_default()),
            status: Set(if n % 3 == 0 { "in_follow_up" } else { "assigned" }.to_owned()),
            tracking_code: Set(format!("ADU-BNCH-{:04X}-{:04X}", n >> 16, n & 0xFFFF)),
            kind: Set("complaint".to_owned()),
            category: Set("roads".to_owned()),
            region: Set("32.73".to_owned()),
            tier: Set("simple".to_owned()),
            privacy: Set(if n % 10 == 0 { "confidential" } else { "public" }.to_owned()),
            title: Set(format!("Laporan {n}: {}", words(n, 4))),
            description: Set(words(n, 40)),
            pending_resolution: Set(None),
            rating: Set(None),
            fixed: Set(None),
            opened_at: Set(opened_at),
            updated_at: Set(opened_at),
            next_due_on: Set(Some(due_on(today, n))),
        });
        if batch.len() == 500 {
            case::Entity::insert_many(std::mem::take(&mut batch)).exec(&txn).await?;
        }
    }
    if !batch.is_empty() {
        case::Entity::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

fn due_on(today: NaiveDate, n: u64) -> NaiveDate {
    today + chrono::Duration::days(i64::try_from(n % 21).unwrap_or(0) - 3)
}

/// `queued` reports waiting for a verifier: half of them in one busy
/// neighbourhood (Kota Bandung), the rest over the regions of the registry.
/// Answers the newest of the busy neighbourhood's, which has the most
/// earlier reports to be compared with.
async fn load_queue(db: &DatabaseConnection, registry: &Registry, queued: u64) -> anyhow::Result<Uuid> {
    use aduan_routing::routed_report;
    let regions = registry.regions();
    let verifier = registry.national_verifier().id.clone();
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(200);
    let mut newest_in_busy = Uuid::nil();
    for n in 0..queued {
        let busy = n % 2 == 0;
        let region = if busy { "32.73" } else { regions[(n as usize * 13) % regions.len()].code.as_str() };
        let report_id = Uuid::now_v7();
        if busy {
            newest_in_busy = report_id;
        }
        let content = proto::ReportContent {
            category: "other".into(),
            region: region.to_owned(),
            title: format!("Laporan antrean {n}: {}", words(n, 5)),
            description: words(n + 7, 30),
            tracking_code: format!("ADU-QUEU-{:04X}-{:04X}", n >> 16, n & 0xFFFF),
            privacy: proto::Privacy::Public as i32,
            ..proto::ReportContent::default()
        };
        let search_text = aduan_routing::similar::search_text(&content);
        batch.push(routed_report::ActiveModel {
            report_id: Set(report_id),
            category: Set(content.category.clone()),
            region: Set(region.to_owned()),
            search_text: Set(Some(search_text.clone())),
            likeness_sketch: Set(Some(aduan_routing::similar::sketch(&search_text))),
            content: Set(content.encode_to_vec()),
            status: Set("submitted".into()),
            institution_id: Set(verifier.clone()),
            matched_by: Set("national_verifier".into()),
            returned_by: Set("[]".into()),
            returns: Set(0),
            routed_at: Set(Utc::now()),
            escalated_to_verifier_at: Set(None),
            escalation_reason: Set(None),
            case_sequence: Set(0),
            verification_clock: Set(None),
            verification_overdue_at: Set(None),
        });
        if batch.len() == 200 {
            routed_report::Entity::insert_many(std::mem::take(&mut batch)).exec(&txn).await?;
        }
    }
    if !batch.is_empty() {
        routed_report::Entity::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(newest_in_busy)
}

/// Signs the bench's member of staff in through the sign-in page; their session cookie.
async fn sign_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let body = format!("username={USERNAME}&password={PASSWORD}&next=%2Fstaff");
    let response = client
        .post(format!("{base}/sign-in"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(response.status().is_redirection(), "signing in answered {}", response.status());
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("aduan_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
        .context("no session cookie after signing in")
}

/// Asks `request()` `requests` times after a tenth as many to warm up.
async fn time_page(
    page: &str,
    requests: u32,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> anyhow::Result<PageFigures> {
    let mut latencies = hdrhistogram::Histogram::<u64>::new(3)?;
    let mut bytes = 0;
    for round in 0..(requests + requests / 10) {
        let started = Instant::now();
        let response = request().send().await?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            status.is_success(),
            "{page} answered {status} {location}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        bytes = body.len();
        if round >= requests / 10 {
            latencies.record(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX))?;
        }
    }
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(PageFigures {
        page: page.to_owned(),
        p50_ms: ms(latencies.value_at_quantile(0.5)),
        p99_ms: ms(latencies.value_at_quantile(0.99)),
        max_ms: ms(latencies.max()),
        bytes,
    })
}
