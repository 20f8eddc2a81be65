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
    /// Intake's database; without it, intake's rows are not written.
    #[arg(long, env = "ADUAN_LOAD_INTAKE_DATABASE_URL")]
    pub intake_database: Option<String>,
    /// Routing's database; without it, routing's rows are not written.
    #[arg(long, env = "ADUAN_LOAD_ROUTING_DATABASE_URL")]
    pub routing_database: Option<String>,
    /// Resolution's database; without it, resolution's rows are not written.
    #[arg(long, env = "ADUAN_LOAD_RESOLUTION_DATABASE_URL")]
    pub resolution_database: Option<String>,
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

/// Where the reports go. A service left out gets none of their rows: a
/// disk too small for a country's reports in every service at once can
/// hold them in some, and each service's pages read its own database.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Intake's database URL.
    pub intake: Option<String>,
    /// Routing's.
    pub routing: Option<String>,
    /// Resolution's.
    pub resolution: Option<String>,
}

impl Targets {
    /// All three services' databases.
    pub fn all(intake: &str, routing: &str, resolution: &str) -> Self {
        Self {
            intake: Some(intake.to_owned()),
            routing: Some(routing.to_owned()),
            resolution: Some(resolution.to_owned()),
        }
    }

    /// `service`'s database, if it is written to.
    fn url(&self, service: ServiceName) -> Option<&str> {
        match service {
            ServiceName::Intake => self.intake.as_deref(),
            ServiceName::Routing => self.routing.as_deref(),
            ServiceName::Resolution => self.resolution.as_deref(),
            _ => None,
        }
    }

    /// The services written to, in the order of [`SERVICES`], with their URLs.
    fn chosen(&self) -> Vec<(ServiceName, &str)> {
        SERVICES.into_iter().filter_map(|service| Some((service, self.url(service)?))).collect()
    }
}

/// The services whose databases a load fills.
pub const SERVICES: [ServiceName; 3] = [ServiceName::Intake, ServiceName::Routing, ServiceName::Resolution];

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
    // An empty variable in the environment is no database.
    let given = |url: Option<String>| url.filter(|url| !url.is_empty());
    let targets = Targets {
        intake: given(options.intake_database),
        routing: given(options.routing_database),
        resolution: given(options.resolution_database),
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
    let chosen = targets.chosen();
    anyhow::ensure!(
        !chosen.is_empty(),
        "no database to load: give --intake-database, --routing-database or --resolution-database \
         (or ADUAN_LOAD_INTAKE_DATABASE_URL, ...), one or several"
    );
    for &(service, url) in &chosen {
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

    let mut databases = Vec::with_capacity(chosen.len());
    for &(service, url) in &chosen {
        databases.push((service, url, sqlx::PgConnection::connect(url).await?, None));
    }
    // Indexes are built once at the end rather than kept row by row: many
    // times faster, and what pg_restore does too. Each database keeps what
    // was set aside from it.
    let mut failed = None;
    for (service, _, connection, set_aside) in &mut databases {
        let tables: Vec<&str> = tables_of(&mut Rows::default(), *service).iter().map(|table| table.table()).collect();
        match indexes::set_aside(connection, &tables).await {
            Ok(indexes) => *set_aside = Some(indexes),
            Err(error) => {
                failed = Some(error);
                break;
            }
        }
    }
    let copied = match failed {
        Some(error) => Err(error),
        None => {
            let writers = databases.iter_mut().map(|(service, _, connection, _)| (*service, connection)).collect();
            copy_all(reports, &busy_institution, ready, writers).await
        }
    };
    // Built again whatever happened, each database's at the same time and
    // on a connection of its own (a copy cut short leaves its connection
    // unusable): a failed load leaves its tables their indexes. Then what
    // autovacuum would do in its time, done now: statistics for the
    // planner, and the visibility map that lets counts read an index alone.
    // The copies' connections are closed here, before the indexes are built.
    let finishing: Vec<_> =
        databases.into_iter().map(|(_, url, _connection, set_aside)| finish(url, set_aside)).collect();
    futures::future::join_all(finishing).await.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
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

/// Writes the chunks as they are told into the chosen services' databases.
async fn copy_all(
    reports: u64,
    busy_institution: &str,
    mut ready: mpsc::Receiver<anyhow::Result<(Rows, Vec<Sample>)>>,
    mut writers: Vec<(ServiceName, &mut sqlx::PgConnection)>,
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
        let mut by_service = tables_by_service(&mut chunk);
        let writes = writers.iter_mut().map(|(service, connection)| {
            let tables = by_service.iter_mut().find(|(of, _)| of == service).map(|(_, tables)| std::mem::take(tables));
            write(connection, tables.unwrap_or_default())
        });
        rows += futures::future::try_join_all(writes).await?.into_iter().sum::<u64>();
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
    fn table(&self) -> &'static str;
    fn statement(&self) -> String;
    fn take_text(&mut self) -> String;
}

/// A chunk's tables, by the service whose database keeps them: the one
/// place that says which tables a load fills.
fn tables_by_service(rows: &mut Rows) -> [(ServiceName, Vec<&mut dyn Table>); 3] {
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
    } = rows;
    [
        (ServiceName::Intake, vec![report as &mut dyn Table, report_update, intake_clock]),
        (ServiceName::Routing, vec![routed_report as &mut dyn Table, routing_clock]),
        (
            ServiceName::Resolution,
            vec![case as &mut dyn Table, case_clocks, case_entry, report_history, resolution_clock],
        ),
    ]
}

/// The tables of `service` in `rows`.
fn tables_of(rows: &mut Rows, service: ServiceName) -> Vec<&mut dyn Table> {
    tables_by_service(rows).into_iter().find(|(of, _)| *of == service).map(|(_, tables)| tables).unwrap_or_default()
}

impl<E: sea_orm::EntityTrait> Table for copy::CopyRows<E> {
    fn table(&self) -> &'static str {
        copy::CopyRows::table(self)
    }

    fn statement(&self) -> String {
        copy::CopyRows::statement(self)
    }

    fn take_text(&mut self) -> String {
        copy::CopyRows::take_text(self)
    }
}

/// Copies `tables` into one database in one transaction; answers the rows written.
async fn write(connection: &mut sqlx::PgConnection, tables: Vec<&mut dyn Table>) -> anyhow::Result<u64> {
    let mut transaction = connection.begin().await?;
    let mut rows = 0;
    for table in tables {
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
