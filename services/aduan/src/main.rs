//! `aduan`: run the whole system for development, one service in production,
//! its migrations, or the benchmark.

use std::path::PathBuf;
use std::process::ExitCode;

use aduan::services::ServiceName;
use clap::{Parser, Subcommand};

/// The services allocate and free many small buffers (rows, messages,
/// requests) across threads, where glibc's allocator spent a tenth of the
/// embedded system's time (`perf`, `aduan bench --embedded`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "aduan", version, about = "Routing and resolving complaints about public services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every service in one process on SQLite, with the in-process bus and the demo registry.
    Dev(aduan::dev::DevOptions),
    /// One service, on PostgreSQL and RabbitMQ, configured by ADUAN_* variables and an optional file.
    Serve {
        /// Which service.
        service: ServiceName,
        /// A TOML configuration file; unknown keys are rejected.
        #[arg(long, env = "ADUAN_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Brings a service's database up to date, then exits.
    Migrate {
        /// Which service.
        service: ServiceName,
        /// A TOML configuration file; unknown keys are rejected.
        #[arg(long, env = "ADUAN_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Files reports through a local distributed cluster and prints throughput and latency.
    Bench(aduan::bench::BenchOptions),
    /// Fills intake's, routing's and resolution's databases with many consistent reports (COPY), for sizing.
    Load(aduan::load::LoadOptions),
    /// Shows and replays what a consumer gave up on (its dead-letter queue).
    #[command(subcommand)]
    Dlq(aduan::operations::DlqCommand),
    /// Shows and replays the events the broker refused for good.
    #[command(subcommand)]
    Outbox(aduan::operations::OutboxCommand),
    /// Staff users: the first administrator of a new installation.
    #[command(subcommand)]
    User(aduan::operations::UserCommand),
    /// The audit ledger: verify it.
    #[command(subcommand)]
    Audit(aduan::operations::AuditCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("aduan: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Dev(options) => aduan::dev::dev(options).await,
            Command::Serve { service, config } => aduan::serve::serve(service, config.as_deref()).await,
            Command::Migrate { service, config } => migrate(service, config).await,
            Command::Bench(options) => aduan::bench::run(options).await,
            Command::Load(options) => aduan::load::run(options).await,
            Command::Dlq(command) => aduan::operations::dlq(command).await,
            Command::Outbox(command) => aduan::operations::outbox(command).await,
            Command::User(command) => aduan::operations::user(command).await,
            Command::Audit(command) => aduan::operations::audit(command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("aduan: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(service: ServiceName, config: Option<PathBuf>) -> anyhow::Result<()> {
    let config = aduan_platform::config::ServiceConfig::load(config.as_deref(), service.default_port())?;
    let db = aduan_platform::database::connect(&config.database_url, Default::default()).await?;
    aduan::services::migrate(service, &db).await?;
    println!("{} is up to date", service.as_str());
    Ok(())
}
