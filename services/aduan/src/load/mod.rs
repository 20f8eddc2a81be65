//! `aduan load`: fills intake's, routing's and resolution's PostgreSQL
//! databases with many reports at once, by `COPY`, each report consistent
//! across the three as if it had gone through the pipeline: its rows, its
//! timeline, its history, its clocks and the sequence its next event takes.
//! For sizing and benchmarking a deployment, not for a live one's data.

mod copy;
mod indexes;
mod story;

use std::path::PathBuf;
use std::time::Instant;

use aduan_registry::Registry;
use anyhow::Context as _;
use sqlx::Connection as _;
use tokio::sync::mpsc;

use crate::services::{self, ServiceName};
use story::{Rows, Scene};
pub use story::{Sample, Stage};

/// Reports generated and written at a time: one transaction per database.
const CHUNK: u64 = 20_000;

/// Options of `aduan load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadOptions {
    /// How many reports.
    #[arg(long)]
    pub reports: u64,
    /// Intake's database.
    #[arg(long, env = "ADUAN_LOAD_INTAKE_DATABASE_URL")]
    pub intake_database: String,
    /// Routing's database.
    #[arg(long, env = "ADUAN_LOAD_ROUTING_DATABASE_URL")]
    pub routing_database: String,
    /// Resolution's database.
    #[arg(long, env = "ADUAN_LOAD_RESOLUTION_DATABASE_URL")]
    pub resolution_database: String,
    /// The registry the services run on.
    #[arg(long, default_value = "services/registry/data/indonesia/registry.toml")]
    pub registry: PathBuf,
    /// The category of the busy inbox, which takes one report in a hundred.
    #[arg(long, default_value = "roads")]
    pub busy_category: String,
    /// And its region.
    #[arg(long, default_value = "32.73")]
    pub busy_region: String,
}

/// Where the reports go.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Intake's database URL.
    pub intake: String,
    /// Routing's.
    pub routing: String,
    /// Resolution's.
    pub resolution: String,
}

/// What a load wrote.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Reports per stage, in the order of [`Stage::ALL`].
    pub stages: [u64; 4],
    /// Rows written, all databases together.
    pub rows: u64,
    /// Seconds it took, migrations and statistics included.
    pub seconds: f64,
    /// A few reports of each stage, the busy inbox's among them.
    pub samples: Vec<Sample>,
    /// The institution of the busy inbox.
    pub busy_institution: String,
}

/// Runs `aduan load` and prints what it wrote.
pub async fn run(options: LoadOptions) -> anyhow::Result<()> {
    let registry =
        Registry::load(&options.registry).with_context(|| format!("reading {}", options.registry.display()))?;
    let targets = Targets {
        intake: options.intake_database,
        routing: options.routing_database,
        resolution: options.resolution_database,
    };
    let busy = (options.busy_category.as_str(), options.busy_region.as_str());
    let loaded = load(&targets, &registry, options.reports, busy).await?;
    for (stage, count) in Stage::ALL.iter().zip(loaded.stages) {
        println!("{count:>12} {}", stage.as_str());
    }
    println!(
        "loaded {} reports ({} rows) in {:.1} s; the busy inbox is {}'s",
        options.reports, loaded.rows, loaded.seconds, loaded.busy_institution
    );
    Ok(())
}

/// Loads `reports` reports into `targets`, migrating them first; a report
/// in a hundred goes to the inbox of the rule for `busy` (category, region).
pub async fn load(targets: &Targets, registry: &Registry, reports: u64, busy: (&str, &str)) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    for (service, url) in [
        (ServiceName::Intake, &targets.intake),
        (ServiceName::Routing, &targets.routing),
        (ServiceName::Resolution, &targets.resolution),
    ] {
        let scheme = url.split(':').next().unwrap_or_default();
        anyhow::ensure!(
            scheme.starts_with("postgres"),
            "the loader writes to PostgreSQL only: {service:?}'s database is a {scheme} URL"
        );
        let db = aduan_platform::database::connect(url, Default::default()).await?;
        services::migrate(service, &db).await?;
        db.close().await?;
    }
    let scene = Scene::new(registry, services::load_procedures(registry)?, busy, chrono::Utc::now())?;
    let busy_institution = scene.busy_institution().to_owned();

    // One thread tells the stories while the databases take the last chunk.
    let (chunks, ready) = mpsc::channel::<anyhow::Result<(Rows, Vec<Sample>)>>(2);
    let teller = std::thread::spawn(move || {
        let mut start = 0;
        while start < reports {
            let end = (start + CHUNK).min(reports);
            let told = tell(&scene, start..end);
            let failed = told.is_err();
            if chunks.blocking_send(told).is_err() || failed {
                return;
            }
            start = end;
        }
    });

    let mut intake = sqlx::PgConnection::connect(&targets.intake).await?;
    let mut routing = sqlx::PgConnection::connect(&targets.routing).await?;
    let mut resolution = sqlx::PgConnection::connect(&targets.resolution).await?;
    // Indexes are built once at the end rather than kept row by row: many
    // times faster for a trigram index, and what pg_restore does too.
    let mut set_aside = Vec::new();
    let mut failed = None;
    for (connection, tables) in [
        (&mut intake, &["report", "report_update", "report_clock"][..]),
        (&mut routing, &["routed_report", "report_clock"][..]),
        (&mut resolution, &["inbox_case", "case_clocks", "case_entry", "report_history", "report_clock"][..]),
    ] {
        match indexes::set_aside(connection, tables).await {
            Ok(indexes) => set_aside.push(indexes),
            Err(error) => {
                failed = Some(error);
                break;
            }
        }
    }
    let copied = match failed {
        Some(error) => Err(error),
        None => copy_all(reports, &busy_institution, ready, [&mut intake, &mut routing, &mut resolution]).await,
    };
    // Built again whatever happened, each database's at the same time and
    // on a connection of its own (a copy cut short leaves its connection
    // unusable): a failed load leaves its tables their indexes. Then what
    // autovacuum would do in its time, done now: statistics for the
    // planner, and the visibility map that lets counts read an index alone.
    drop((intake, routing, resolution));
    let mut set_aside = set_aside.into_iter();
    let finished = tokio::join!(
        finish(&targets.intake, set_aside.next()),
        finish(&targets.routing, set_aside.next()),
        finish(&targets.resolution, set_aside.next()),
    );
    finished.0.and(finished.1).and(finished.2)?;
    let Copied { stages, samples, rows } = copied?;
    teller.join().map_err(|_| anyhow::anyhow!("the loader's story teller panicked"))?;
    Ok(Loaded { stages, rows, seconds: started.elapsed().as_secs_f64(), samples, busy_institution })
}

/// What the chunks wrote.
struct Copied {
    stages: [u64; 4],
    samples: Vec<Sample>,
    rows: u64,
}

/// Writes the chunks as they are told into intake's, routing's and
/// resolution's databases.
async fn copy_all(
    reports: u64,
    busy_institution: &str,
    mut ready: mpsc::Receiver<anyhow::Result<(Rows, Vec<Sample>)>>,
    [intake, routing, resolution]: [&mut sqlx::PgConnection; 3],
) -> anyhow::Result<Copied> {
    let started = Instant::now();
    let mut stages = [0; 4];
    let mut samples = Vec::new();
    let mut rows = 0;
    let mut done = 0;
    while let Some(told) = ready.recv().await {
        let (mut chunk, told_samples) = told?;
        for sample in told_samples {
            let stage = Stage::ALL.iter().position(|stage| *stage == sample.stage).unwrap_or(0);
            stages[stage] += 1;
            done += 1;
            let busy = sample.institution_id == busy_institution && sample.stage != Stage::Closed;
            if stages[stage] <= 3 || (busy && samples.len() < 32) {
                samples.push(sample);
            }
        }
        let Rows {
            report,
            report_update,
            intake_clock,
            routed_report,
            routing_clock,
            case,
            case_clocks,
            case_entry,
            report_history,
            resolution_clock,
        } = &mut chunk;
        let mut intake_tables: [&mut dyn Table; 3] = [report, report_update, intake_clock];
        let mut routing_tables: [&mut dyn Table; 2] = [routed_report, routing_clock];
        let mut resolution_tables: [&mut dyn Table; 5] =
            [case, case_clocks, case_entry, report_history, resolution_clock];
        let (a, b, c) = tokio::try_join!(
            write(intake, &mut intake_tables),
            write(routing, &mut routing_tables),
            write(resolution, &mut resolution_tables),
        )?;
        rows += a + b + c;
        if done % (CHUNK * 25) == 0 {
            let seconds = started.elapsed().as_secs_f64();
            println!("{done} reports, {rows} rows, {:.0} reports/s", done as f64 / seconds);
        }
    }
    anyhow::ensure!(done == reports, "the loader stopped after {done} of {reports} reports");
    Ok(Copied { stages, samples, rows })
}

/// Builds again the indexes a database's tables had, then vacuums it.
async fn finish(url: &str, set_aside: Option<indexes::SetAside>) -> anyhow::Result<()> {
    let mut connection = sqlx::PgConnection::connect(url).await?;
    if let Some(set_aside) = set_aside {
        indexes::rebuild(&mut connection, &set_aside).await?;
    }
    sqlx::raw_sql("VACUUM (ANALYZE)").execute(&mut connection).await?;
    Ok(())
}

fn tell(scene: &Scene, numbers: std::ops::Range<u64>) -> anyhow::Result<(Rows, Vec<Sample>)> {
    let mut rows = Rows::default();
    let samples = numbers.map(|n| rows.add(scene, n)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok((rows, samples))
}

/// A table's rows to copy.
trait Table: Send {
    fn statement(&self) -> String;
    fn take_text(&mut self) -> String;
}

impl<E: sea_orm::EntityTrait> Table for copy::CopyRows<E> {
    fn statement(&self) -> String {
        copy::CopyRows::statement(self)
    }

    fn take_text(&mut self) -> String {
        copy::CopyRows::take_text(self)
    }
}

/// Copies `tables` into one database in one transaction; answers the rows written.
async fn write(connection: &mut sqlx::PgConnection, tables: &mut [&mut dyn Table]) -> anyhow::Result<u64> {
    let mut transaction = connection.begin().await?;
    let mut rows = 0;
    for table in tables.iter_mut() {
        let statement = table.statement();
        let text = table.take_text();
        if text.is_empty() {
            continue;
        }
        let mut copy = transaction.copy_in_raw(&statement).await?;
        copy.send(text.into_bytes()).await?;
        rows += copy.finish().await.with_context(|| statement.clone())?;
    }
    transaction.commit().await?;
    Ok(rows)
}
