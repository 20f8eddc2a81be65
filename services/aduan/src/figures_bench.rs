//! `aduan bench figures`: a plausible year of a country's reports written as
//! audit ledger entries (10 million events by default) into a fresh
//! PostgreSQL database, the figures' facts rebuilt from those entries alone,
//! and the time the figures take at that size: one institution's quarter,
//! the country's quarter, the ranking of a quarter and of the year.
//!
//! The year: reports filed evenly over it, routed by the registry's rules
//! (category by region), verified within days (some late), answered,
//! resolved, rated and closed, some sent back as not the institution's and
//! taken up by the level above, some disputed or appealed; each institution
//! with a quality of its own, so that the ranking has something to rank.
//! Entries go in by COPY, with the tree's nodes computed as they are
//! appended, exactly as the audit service stores them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use aduan_audit::figures::{Inputs, Period};
use aduan_audit::figures_api::{Wanted, load};
use aduan_ledger::{Hash, NodeSource};
use aduan_platform::proto::envelope::Event;
use aduan_platform::proto::{self, Message as _};
use aduan_registry::{Level, Registry};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use serde::Serialize;
use sqlx::postgres::PgPoolCopyExt;

/// Options of `aduan bench figures`.
#[derive(Debug, Clone, clap::Args)]
pub struct FiguresBenchOptions {
    /// Events written to the ledger.
    #[arg(long, default_value_t = 10_000_000)]
    pub events: u64,
    /// The year the reports are filed in.
    #[arg(long, default_value_t = 2026)]
    pub year: i32,
    /// Times each figure is computed (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: u32,
    /// The registry.
    #[arg(long, default_value = "services/registry/data/indonesia/registry.toml")]
    pub registry: PathBuf,
    /// Keep the database afterwards (its name is printed).
    #[arg(long)]
    pub keep: bool,
}

/// One figure's timings.
#[derive(Debug, Serialize)]
pub struct FigureTiming {
    /// What was computed.
    pub figure: String,
    /// Cases read.
    pub cases: usize,
    /// Median, ms.
    pub median_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
}

/// The last perfect node of each level: all the left siblings an append asks for.
#[derive(Debug, Default)]
struct Frontier(HashMap<u32, (u64, Hash)>);

impl NodeSource for Frontier {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.0.get(&level).filter(|(at, _)| *at == index).map(|(_, hash)| *hash)
    }
}

/// COPY streams for the entries and the nodes, sent in chunks.
struct LedgerWriter {
    entries: sqlx::postgres::PgCopyIn<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    nodes: sqlx::postgres::PgCopyIn<sqlx::pool::PoolConnection<sqlx::Postgres>>,
    entry_buffer: String,
    node_buffer: String,
    frontier: Frontier,
    size: u64,
}

const CHUNK: usize = 4 << 20;

impl LedgerWriter {
    async fn open(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let pool = db.get_postgres_connection_pool();
        let entries = pool
            .copy_in_raw(
                "COPY ledger_entry (leaf_index, message_id, event, report_id, occurred_at, appended_at, body, leaf_hash) \
                 FROM STDIN (FORMAT csv)",
            )
            .await?;
        let nodes = pool.copy_in_raw("COPY ledger_node (level, node_index, hash) FROM STDIN (FORMAT csv)").await?;
        Ok(Self {
            entries,
            nodes,
            entry_buffer: String::with_capacity(CHUNK),
            node_buffer: String::with_capacity(CHUNK),
            frontier: Frontier::default(),
            size: 0,
        })
    }

    async fn append(&mut self, envelope: &proto::Envelope) -> anyhow::Result<()> {
        use std::fmt::Write as _;
        let body = envelope.encode_to_vec();
        let leaf = aduan_ledger::leaf_hash(&body);
        let at = envelope.occurred_at.as_ref().map_or(0, |at| at.seconds);
        let at = DateTime::from_timestamp(at, 0).unwrap_or_default().format("%Y-%m-%d %H:%M:%S+00");
        let name = envelope.event.as_ref().map_or("unknown", Event::name);
        writeln!(
            self.entry_buffer,
            "{},{},{},{},{at},{at},\\x{},\\x{}",
            self.size,
            envelope.message_id,
            name,
            envelope.report_id,
            hex::encode(&body),
            leaf.to_hex()
        )?;
        for node in aduan_ledger::nodes_completed_by(self.size, leaf, &self.frontier)? {
            writeln!(self.node_buffer, "{},{},\\x{}", node.level, node.index, node.hash.to_hex())?;
            self.frontier.0.insert(node.level, (node.index, node.hash));
        }
        self.size += 1;
        if self.entry_buffer.len() >= CHUNK {
            self.entries.send(std::mem::take(&mut self.entry_buffer).into_bytes()).await?;
        }
        if self.node_buffer.len() >= CHUNK {
            self.nodes.send(std::mem::take(&mut self.node_buffer).into_bytes()).await?;
        }
        Ok(())
    }

    async fn finish(mut self) -> anyhow::Result<u64> {
        if !self.entry_buffer.is_empty() {
            self.entries.send(std::mem::take(&mut self.entry_buffer).into_bytes()).await?;
        }
        if !self.node_buffer.is_empty() {
            self.nodes.send(std::mem::take(&mut self.node_buffer).into_bytes()).await?;
        }
        self.entries.finish().await?;
        self.nodes.finish().await?;
        Ok(self.size)
    }
}

/// Where reports go: (category, region, institution) by the registry's rules.
fn routes(registry: &Registry) -> Vec<(String, String, String)> {
    let mut routes = Vec::new();
    for region in registry.regions().iter().filter(|region| region.parent.is_some()) {
        for category in registry.categories() {
            if let Some(institution) = registry.rule_institution(&category.id, &region.code) {
                routes.push((category.id.clone(), region.code.clone(), institution.to_owned()));
            }
        }
    }
    routes
}

/// How well an institution works, 0.3 to 1: the same every run.
fn quality(institution: &str) -> f64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(institution.as_bytes());
    0.3 + 0.7 * f64::from(digest[0]) / 255.0
}

/// Events not yet due, earliest first.
#[derive(Debug, Default)]
struct Pending {
    heap: BinaryHeap<Reverse<(i64, u64)>>,
    events: HashMap<u64, proto::Envelope>,
    next: u64,
}

impl Pending {
    fn push(&mut self, envelope: proto::Envelope) {
        let at = envelope.occurred_at.as_ref().map_or(0, |at| at.seconds);
        self.heap.push(Reverse((at, self.next)));
        self.events.insert(self.next, envelope);
        self.next += 1;
    }

    /// The earliest event due by `until`.
    fn pop_until(&mut self, until: i64) -> Option<proto::Envelope> {
        let Reverse((at, key)) = *self.heap.peek()?;
        if at > until {
            return None;
        }
        self.heap.pop();
        self.events.remove(&key)
    }
}

/// One report's story, told as events.
struct Story<'a> {
    rng: &'a mut StdRng,
    pending: &'a mut Pending,
    registry: &'a Registry,
    report_id: String,
    sequence: u64,
}

const DAY: i64 = 86_400;

impl Story<'_> {
    fn emit(&mut self, at: i64, event: Event) {
        self.sequence += 1;
        let id = uuid::Uuid::from_u128(self.rng.random::<u128>());
        self.pending.push(proto::Envelope {
            message_id: id.to_string(),
            report_id: self.report_id.clone(),
            occurred_at: Some(proto::Timestamp { seconds: at, nanos: 0 }),
            actor: Some(aduan_platform::envelope::system_actor("bench")),
            sequence: self.sequence,
            event: Some(event),
        });
    }

    fn content(category: &str, region: &str) -> proto::ReportContent {
        proto::ReportContent {
            kind: proto::ReportKind::Complaint as i32,
            category: category.to_owned(),
            region: region.to_owned(),
            title: aduan_audit::commitments::commitment("title"),
            description: aduan_audit::commitments::commitment("description"),
            privacy: proto::Privacy::Public as i32,
            tracking_code: aduan_audit::commitments::commitment("code"),
        }
    }

    /// The report filed at `filed` about `category` in `region`, for `institution`.
    fn tell(&mut self, filed: i64, category: &str, region: &str, institution: &str) {
        self.emit(
            filed,
            Event::Filed(proto::ReportFiled { content: Some(Self::content(category, region)), channel: "web".into() }),
        );
        let roll: f64 = self.rng.random();
        if roll < 0.02 {
            let archived = proto::Archived { reason: "too_vague".into(), note: String::new() };
            self.emit(filed + DAY, Event::Archived(archived));
            return;
        }
        if roll < 0.03 {
            self.emit(
                filed + DAY,
                Event::Merged(proto::MergedAsDuplicate { into_report_id: uuid::Uuid::nil().to_string() }),
            );
            return;
        }
        let late = self.rng.random::<f64>() < 0.08;
        let verified = filed
            + if late { 5 * DAY + self.rng.random_range(0..3 * DAY) } else { self.rng.random_range(3600..3 * DAY) };
        if late {
            let escalated =
                proto::Escalated { clock: "verification".into(), to: "national_verifier".into(), ..Default::default() };
            self.emit(filed + 4 * DAY, Event::Escalated(escalated));
        }
        let mut holder = institution.to_owned();
        let (mut at, mut case_id) = self.assign(verified, &holder, category, region, "rule");
        if self.rng.random::<f64>() < 0.05 {
            let returned = proto::ReturnedNotAuthority { institution_id: holder.clone(), ..Default::default() };
            at += self.rng.random_range(DAY..3 * DAY);
            self.emit(at, Event::Returned(returned));
            holder = self
                .registry
                .institution(&holder)
                .and_then(|found| found.parent.clone())
                .unwrap_or_else(|| self.registry.national_verifier().id.clone());
            (at, case_id) = self.assign(at + DAY, &holder, category, region, "parent_institution");
        }
        self.work(at, &holder, &case_id);
    }

    /// Assigns the report to `institution` at `at`; answers when the case
    /// opened, and its id.
    fn assign(&mut self, at: i64, institution: &str, category: &str, region: &str, matched_by: &str) -> (i64, String) {
        let name = self.registry.institution(institution).map_or(institution, |found| found.name.as_str()).to_owned();
        self.emit(
            at,
            Event::Assigned(proto::AssignedToInstitution {
                institution_id: institution.to_owned(),
                institution_name: name,
                content: Some(Self::content(category, region)),
                matched_by: matched_by.to_owned(),
                ..Default::default()
            }),
        );
        let case_id = uuid::Uuid::from_u128(self.rng.random::<u128>()).to_string();
        let due = |days: i64| date_of(at + days * DAY).to_string();
        let deadlines = vec![
            proto::Deadline { clock: "first_follow_up".into(), due_on: due(7) },
            proto::Deadline { clock: "resolution".into(), due_on: due(30) },
        ];
        self.emit(
            at + 1,
            Event::CaseOpened(proto::CaseOpened {
                case_id: case_id.clone(),
                institution_id: institution.to_owned(),
                deadlines,
            }),
        );
        (at + 1, case_id)
    }

    /// The institution's work on the case it opened at `at`.
    fn work(&mut self, at: i64, institution: &str, case_id: &str) {
        let q = quality(institution);
        let escalate = |clock: &str| {
            Event::Escalated(proto::Escalated {
                institution_id: institution.to_owned(),
                clock: clock.to_owned(),
                to: "coordinator".into(),
                told_institution_id: institution.to_owned(),
                ..Default::default()
            })
        };
        let answers = self.rng.random::<f64>() < 0.35 + 0.6 * q;
        let first = at + (self.rng.random::<f64>() * (12.0 - 9.0 * q) * DAY as f64) as i64;
        if !answers || first > at + 7 * DAY {
            self.emit(at + 8 * DAY, escalate("first_follow_up"));
        }
        if !answers {
            return;
        }
        let text = aduan_audit::commitments::commitment("follow-up");
        let posted = proto::FollowUpPosted {
            institution_id: institution.to_owned(),
            message: text.clone(),
            ..Default::default()
        };
        self.emit(first, Event::FollowUpPosted(posted));
        if self.rng.random::<f64>() > 0.55 + 0.4 * q {
            self.emit(at + 31 * DAY, escalate("resolution"));
            return;
        }
        let resolved = first + (self.rng.random::<f64>() * (45.0 - 35.0 * q) * DAY as f64) as i64;
        if resolved > at + 30 * DAY {
            self.emit(at + 31 * DAY, escalate("resolution"));
        }
        let resolution =
            proto::Resolved { institution_id: institution.to_owned(), summary: text, ..Default::default() };
        self.emit(resolved, Event::Resolved(resolution));
        let roll: f64 = self.rng.random();
        let replied = resolved + self.rng.random_range(DAY..5 * DAY);
        if roll < 0.03 {
            self.emit(replied, Event::Disputed(proto::Disputed { reason: String::new() }));
        } else if roll < 0.04 {
            self.emit(replied, Event::Appealed(proto::Appealed { reason: String::new() }));
            self.emit(replied + 5 * DAY, Event::AppealUpheld(proto::AppealUpheld { reason: String::new() }));
        } else if roll < 0.65 {
            let rating = (1.0 + 4.0 * q * self.rng.random::<f64>().sqrt()).round() as u32;
            let fixed = if rating >= 4 {
                proto::Fixed::Yes
            } else if rating == 3 {
                proto::Fixed::Partly
            } else {
                proto::Fixed::No
            };
            self.emit(
                replied,
                Event::Accepted(proto::Accepted { rating, comment: String::new(), fixed: fixed as i32 }),
            );
        }
        self.emit(
            replied + DAY,
            Event::Closed(proto::Closed { case_id: case_id.to_owned(), reason: "accepted".into() }),
        );
    }
}

fn date_of(seconds: i64) -> NaiveDate {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default().date_naive()
}

/// Writes `events` events of a plausible year into `db`'s ledger; answers the size.
async fn generate(db: &DatabaseConnection, registry: &Registry, options: &FiguresBenchOptions) -> anyhow::Result<u64> {
    let routes = routes(registry);
    anyhow::ensure!(!routes.is_empty(), "the registry routes no category in any region");
    let start = NaiveDate::from_ymd_opt(options.year, 1, 1)
        .context("the year")?
        .and_hms_opt(0, 0, 0)
        .context("midnight")?
        .and_utc();
    let year_seconds = 365 * DAY;
    // About seven events a report (see `Story`): the year's reports make the events asked for.
    let reports = (options.events / 7).max(1);
    let spacing = (year_seconds as f64 / reports as f64).max(1.0);
    let mut rng = StdRng::seed_from_u64(2026);
    let mut pending = Pending::default();
    let mut writer = LedgerWriter::open(db).await?;
    let mut filed_so_far = 0u64;
    while writer.size < options.events {
        let filed = start.timestamp() + (filed_so_far as f64 * spacing) as i64;
        // Everything due before this filing is written first: the ledger in
        // time order. Reports go on being filed (past the year's end if the
        // estimate fell short) until the ledger holds the events asked for.
        while writer.size < options.events
            && let Some(envelope) = pending.pop_until(filed)
        {
            writer.append(&envelope).await?;
        }
        let (category, region, institution) = &routes[rng.random_range(0..routes.len())];
        let report_id = uuid::Uuid::from_u128(rng.random::<u128>()).to_string();
        let mut story = Story { rng: &mut rng, pending: &mut pending, registry, report_id, sequence: 0 };
        story.tell(filed, category, region, institution);
        filed_so_far += 1;
        if filed_so_far.is_multiple_of(100_000) {
            println!("  {filed_so_far} reports filed, {} events written", writer.size);
        }
    }
    writer.finish().await
}

async fn time_figure(
    db: &DatabaseConnection,
    registry: &Registry,
    repeat: u32,
    figure: &str,
    period: &Period,
    wanted: Wanted<'_>,
    compute: impl Fn(&Inputs<'_>) -> usize,
) -> anyhow::Result<FigureTiming> {
    let mut times = Vec::new();
    let mut cases = 0;
    for _ in 0..repeat.max(1) {
        let began = Instant::now();
        let (reports, facts) = load(db, registry, period, wanted).await?;
        let inputs = Inputs { reports: &reports, cases: &facts, registry, now: Utc::now() };
        std::hint::black_box(compute(&inputs));
        times.push(began.elapsed().as_secs_f64() * 1000.0);
        cases = facts.len();
    }
    times.sort_by(f64::total_cmp);
    Ok(FigureTiming {
        figure: figure.to_owned(),
        cases,
        median_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
    })
}

/// Runs the benchmark and prints its figures.
pub async fn run(options: FiguresBenchOptions) -> anyhow::Result<()> {
    let registry =
        Registry::load(&options.registry).with_context(|| format!("reading {}", options.registry.display()))?;
    let admin_url = std::env::var("ADUAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("aduan_figures_bench_{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let admin = Database::connect(&admin_url).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
    let url = format!("{}/{name}", admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base));
    let result = measure(&url, &registry, &options).await;
    if options.keep {
        println!("kept the database {name}");
    } else {
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    }
    let timings = result?;
    println!("{:<48} {:>9} {:>10} {:>10}", "figure", "cases", "median ms", "max ms");
    for timing in &timings {
        println!("{:<48} {:>9} {:>10.1} {:>10.1}", timing.figure, timing.cases, timing.median_ms, timing.max_ms);
    }
    println!("{}", serde_json::to_string(&timings)?);
    Ok(())
}

async fn measure(url: &str, registry: &Registry, options: &FiguresBenchOptions) -> anyhow::Result<Vec<FigureTiming>> {
    let db = Database::connect(url).await?;
    aduan_audit::Migrator::up(&db, None).await?;
    println!("writing {} events of {} into the ledger", options.events, options.year);
    let began = Instant::now();
    let size = generate(&db, registry, options).await?;
    println!("ledger: {size} entries in {:.1} s", began.elapsed().as_secs_f64());
    // A checkpoint of it, signed with a key of the bench's own: `aduan audit
    // verify` then checks the nodes written here against the entries.
    let key_file = std::env::temp_dir().join(format!("aduan-figures-bench-{}.key", uuid::Uuid::now_v7().simple()));
    aduan_audit::checkpoints::create_key_file(&key_file, "aduan.bench/audit")?;
    let signer = aduan_audit::checkpoints::load_signer(&key_file)?;
    let checkpoint = aduan_audit::checkpoints::sign_now(&db, &signer).await?;
    println!("checkpoint at {} signed; verifier key {}", checkpoint.tree_size, signer.verifier_key());
    std::fs::remove_file(&key_file).ok();
    // What a COPY wrote, the planner has not seen yet.
    db.execute_unprepared("ANALYZE ledger_entry").await?;
    let began = Instant::now();
    let reports = aduan_audit::projection::rebuild(&db).await?;
    println!("facts of {reports} reports rebuilt from the entries in {:.1} s", began.elapsed().as_secs_f64());
    db.execute_unprepared("ANALYZE").await?;
    let quarter = Period::parse(&format!("{}-Q3", options.year))?;
    let year = Period::parse(&options.year.to_string())?;
    // The institution given the most cases: the heaviest quarter there is.
    let busiest: Option<String> = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT institution_id FROM audit_case GROUP BY institution_id ORDER BY COUNT(*) DESC LIMIT 1",
        ))
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?;
    let busiest = busiest.context("no case at all")?;
    let level = registry.institution(&busiest).map(|found| found.level);
    println!("busiest institution: {busiest} ({level:?})");
    let mut timings = Vec::new();
    let repeat = options.repeat;
    let own = Wanted { institution: Some(&busiest), open_cases: true, reports: false };
    timings.push(
        time_figure(
            &db,
            registry,
            repeat,
            &format!("one institution's quarter ({busiest})"),
            &quarter,
            own,
            |inputs| inputs.institution(&busiest, &quarter).figures.cases as usize,
        )
        .await?,
    );
    let country = Wanted { institution: None, open_cases: true, reports: true };
    timings.push(
        time_figure(
            &db,
            registry,
            repeat,
            "the country's quarter (with levels, backlog)",
            &quarter,
            country,
            |inputs| inputs.national(&quarter).levels.len(),
        )
        .await?,
    );
    let ranking = Wanted { institution: None, open_cases: false, reports: false };
    timings.push(
        time_figure(&db, registry, repeat, "national ranking, a quarter", &quarter, ranking, |inputs| {
            inputs.ranking(&quarter, None).len()
        })
        .await?,
    );
    timings.push(
        time_figure(&db, registry, repeat, "national ranking, the year", &year, ranking, |inputs| {
            inputs.ranking(&year, None).len()
        })
        .await?,
    );
    let regencies = Some(aduan_audit::figures::level_name(Level::Regency));
    timings.push(
        time_figure(&db, registry, repeat, "ranking of regencies and cities, a quarter", &quarter, ranking, |inputs| {
            inputs.ranking(&quarter, regencies).len()
        })
        .await?,
    );
    Ok(timings)
}
