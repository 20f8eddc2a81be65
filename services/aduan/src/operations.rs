//! Operators' commands over what the system set aside: `aduan dlq` shows and
//! replays the messages a consumer gave up on, `aduan outbox` the events the
//! broker refused for good. Both work on either mode: with `--data-dir`,
//! `aduan dev`'s SQLite files; otherwise the distributed deployment's
//! RabbitMQ and databases, configured as `aduan serve` is.

use std::path::PathBuf;

use aduan_platform::bus::DeadLetter;
use aduan_platform::bus::memory::DeadLetterTable;
use aduan_platform::bus::rabbit::DeadLetterQueue;
use aduan_platform::proto::{Envelope, Message as _};
use clap::Subcommand;

use crate::services::ServiceName;

/// Where the dead letters are.
#[derive(Debug, Clone, clap::Args)]
pub struct BusLocation {
    /// `aduan dev`'s data folder; without it, the RabbitMQ of the distributed mode.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The broker (distributed mode).
    #[arg(long, env = "ADUAN_AMQP_URL", default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp_url: String,
    /// The deployment's prefix of exchange and queue names (distributed mode).
    #[arg(long, env = "ADUAN_BUS_NAMESPACE", default_value = "aduan")]
    pub namespace: String,
}

/// `aduan dlq`.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Shows what a consumer gave up on (it stays parked).
    List {
        /// The consumer: intake, routing or resolution.
        consumer: String,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        #[command(flatten)]
        location: BusLocation,
    },
    /// Delivers again, to that consumer only, everything it gave up on.
    Replay {
        /// The consumer: intake, routing or resolution.
        consumer: String,
        #[command(flatten)]
        location: BusLocation,
    },
}

/// Where a service's outbox is.
#[derive(Debug, Clone, clap::Args)]
pub struct OutboxLocation {
    /// `aduan dev`'s data folder; without it, the service's own database.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A TOML configuration file, as `aduan serve` takes (distributed mode).
    #[arg(long, env = "ADUAN_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `aduan outbox`.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Shows the events the broker refused for good.
    Parked {
        /// The service whose outbox to read.
        service: ServiceName,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        #[command(flatten)]
        location: OutboxLocation,
    },
    /// Puts the parked events back in line for the relay (after the cause was fixed).
    Replay {
        /// The service whose outbox to replay.
        service: ServiceName,
        #[command(flatten)]
        location: OutboxLocation,
    },
}

fn describe(letter: &DeadLetter) -> String {
    let report = Envelope::decode(letter.payload.as_slice()).map(|envelope| envelope.report_id).unwrap_or_default();
    format!("{}  {}  report {}  {}", letter.message_id, letter.routing_key, report, letter.reason)
}

async fn dev_bus(data_dir: &std::path::Path) -> anyhow::Result<DeadLetterTable> {
    anyhow::ensure!(data_dir.is_dir(), "{} is not an aduan dev data folder", data_dir.display());
    let db = aduan_platform::database::connect(&crate::dev::bus_database_url(data_dir), Default::default()).await?;
    Ok(DeadLetterTable::new(db))
}

/// Runs `aduan dlq …`.
pub async fn dlq(command: DlqCommand) -> anyhow::Result<()> {
    match command {
        DlqCommand::List { consumer, limit, location } => {
            let letters = match &location.data_dir {
                Some(dir) => dev_bus(dir).await?.list(&consumer, limit).await?,
                None => {
                    let queue = DeadLetterQueue {
                        url: location.amqp_url,
                        namespace: location.namespace,
                        consumer: consumer.clone(),
                    };
                    queue.list(usize::try_from(limit).unwrap_or(usize::MAX)).await?
                }
            };
            println!("{} dead letter(s) of {consumer}", letters.len());
            for letter in &letters {
                println!("{}", describe(letter));
            }
        }
        DlqCommand::Replay { consumer, location } => {
            let replayed = match &location.data_dir {
                Some(dir) => {
                    let asked = dev_bus(dir).await?.request_replay(&consumer).await?;
                    println!(
                        "{asked} dead letter(s) of {consumer} will be delivered again by the running aduan dev (or at its next start)"
                    );
                    return Ok(());
                }
                None => {
                    let queue = DeadLetterQueue {
                        url: location.amqp_url,
                        namespace: location.namespace,
                        consumer: consumer.clone(),
                    };
                    queue.replay().await?
                }
            };
            println!("{replayed} dead letter(s) of {consumer} delivered again");
        }
    }
    Ok(())
}

async fn outbox_database(
    service: ServiceName,
    location: &OutboxLocation,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let url = match &location.data_dir {
        Some(dir) => format!("sqlite://{}?mode=rw", dir.join(format!("{}.sqlite", service.as_str())).display()),
        None => {
            aduan_platform::config::ServiceConfig::load(location.config.as_deref(), service.default_port())?
                .database_url
        }
    };
    aduan_platform::database::connect(&url, Default::default()).await
}

/// Runs `aduan outbox …`.
pub async fn outbox(command: OutboxCommand) -> anyhow::Result<()> {
    match command {
        OutboxCommand::Parked { service, limit, location } => {
            let db = outbox_database(service, &location).await?;
            let count = aduan_platform::outbox::count_parked(&db).await?;
            println!("{count} parked event(s) in {}'s outbox", service.as_str());
            for row in aduan_platform::outbox::parked(&db, limit).await? {
                println!("{}  {}  {}  {}", row.message_id, row.routing_key, row.parked_at.to_rfc3339(), row.reason);
            }
        }
        OutboxCommand::Replay { service, location } => {
            let db = outbox_database(service, &location).await?;
            let replayed = aduan_platform::outbox::replay_parked(&db).await?;
            println!("{replayed} parked event(s) of {} back in line; its relay publishes them", service.as_str());
        }
    }
    Ok(())
}

/// `aduan user`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a staff user (the first administrator of a new installation,
    /// say); the password is read from the first line of standard input.
    Add {
        /// 3 to 64 of a-z, 0-9, '.', '_' and '-'.
        #[arg(long)]
        username: String,
        /// The name shown to other staff.
        #[arg(long)]
        display_name: String,
        /// A role, for the whole country (`administrator`) or an
        /// institution's subtree (`coordinator@pemkot-bandung`); repeatable.
        #[arg(long = "grant", required = true)]
        grants: Vec<String>,
        #[command(flatten)]
        location: AccountsLocation,
    },
}

/// Where accounts' database is.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountsLocation {
    /// `aduan dev`'s data folder; without it, accounts' own database.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A TOML configuration file, as `aduan serve accounts` takes (distributed mode).
    #[arg(long, env = "ADUAN_CONFIG")]
    pub config: Option<PathBuf>,
}

fn parse_grant(text: &str) -> anyhow::Result<aduan_access::Grant> {
    let (role, institution) = match text.split_once('@') {
        Some((role, institution)) => (role, Some(institution.to_owned())),
        None => (text, None),
    };
    let role = aduan_access::StaffRole::parse(role).ok_or_else(|| {
        let roles: Vec<&str> = aduan_access::StaffRole::ALL.iter().map(|role| role.as_str()).collect();
        anyhow::anyhow!("{role:?} is not a role: {}", roles.join(", "))
    })?;
    let grant = aduan_access::Grant { role, institution };
    anyhow::ensure!(
        grant.is_well_formed(),
        "a {} belongs to an institution: write {}@<institution id>",
        role.as_str(),
        role.as_str()
    );
    Ok(grant)
}

/// Runs `aduan user …`.
pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, display_name, grants, location } => {
            let grants = grants.iter().map(|grant| parse_grant(grant)).collect::<anyhow::Result<Vec<_>>>()?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let url = match &location.data_dir {
                Some(dir) => format!("sqlite://{}?mode=rwc", dir.join("accounts.sqlite").display()),
                None => {
                    let port = ServiceName::Accounts.default_port();
                    aduan_platform::config::ServiceConfig::load(location.config.as_deref(), port)?.database_url
                }
            };
            let db = aduan_platform::database::connect(&url, Default::default()).await?;
            crate::services::migrate(ServiceName::Accounts, &db).await?;
            let subject = aduan_accounts::add_user(&db, &username, &display_name, password, grants).await?;
            println!("created {username} ({subject})");
        }
    }
    Ok(())
}

/// `aduan audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recomputes the ledger's tree from its entries, checks every signed
    /// checkpoint with the published key, and names the first entry that does
    /// not match. Exits non-zero when anything is wrong.
    Verify {
        /// `aduan dev`'s data folder (its audit database and key).
        #[arg(long, conflicts_with_all = ["config", "url"])]
        data_dir: Option<PathBuf>,
        /// A TOML configuration file, as `aduan serve audit` takes (its database; the key from `--key` or its key file).
        #[arg(long, env = "ADUAN_CONFIG", conflicts_with = "url")]
        config: Option<PathBuf>,
        /// Audit's base URL, to read the ledger over its API (needs `--key` and a national auditor's `ADUAN_TOKEN`).
        #[arg(long)]
        url: Option<String>,
        /// The verifier key (`<name>+<key id>+<key>`, as `GET /api/v1/ledger/key` publishes it).
        #[arg(long)]
        key: Option<String>,
        /// A national auditor's access token, for `--url`.
        #[arg(long, env = "ADUAN_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

/// Runs `aduan audit …`.
pub async fn audit(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { data_dir, config, url, key, token } = command;
    let published_key = key
        .as_deref()
        .map(str::parse::<aduan_ledger::VerifierKey>)
        .transpose()
        .map_err(|error| anyhow::anyhow!("--key is not a verifier key (`<name>+<key id>+<key>`): {error}"))?;
    let verdict = match (data_dir, url) {
        (Some(dir), _) => {
            let key = match published_key {
                Some(key) => key,
                None => {
                    aduan_audit::checkpoints::load_signer(&crate::dev::audit_key_file(&dir))?.verifier_key().clone()
                }
            };
            let url = format!("sqlite://{}?mode=ro", dir.join("audit.sqlite").display());
            let db = aduan_platform::database::connect(&url, Default::default()).await?;
            aduan_audit::verify::check_database(&db, &aduan_ledger::CheckpointVerifier::new(key)).await?
        }
        (None, Some(url)) => {
            let key = published_key
                .ok_or_else(|| anyhow::anyhow!("--url needs --key: the key you trust, not one the server hands out"))?;
            let token =
                token.ok_or_else(|| anyhow::anyhow!("--url needs a national auditor's access token in ADUAN_TOKEN"))?;
            aduan_audit::verify::check_api(
                url.trim_end_matches('/'),
                &token,
                &aduan_ledger::CheckpointVerifier::new(key),
            )
            .await?
        }
        (None, None) => {
            let config =
                aduan_platform::config::ServiceConfig::load(config.as_deref(), ServiceName::Audit.default_port())?;
            let key = match (published_key, &config.audit_key_file) {
                (Some(key), _) => key,
                (None, Some(path)) => aduan_audit::checkpoints::load_signer(path)?.verifier_key().clone(),
                (None, None) => anyhow::bail!("give the verifier key with --key (or ADUAN_AUDIT_KEY_FILE)"),
            };
            let db = aduan_platform::database::connect(&config.database_url, Default::default()).await?;
            aduan_audit::verify::check_database(&db, &aduan_ledger::CheckpointVerifier::new(key)).await?
        }
    };
    println!("{} entries, {} signed checkpoint(s) checked", verdict.entries, verdict.checkpoints);
    if verdict.holds() {
        println!("the ledger holds: every entry matches and every checkpoint verifies");
        return Ok(());
    }
    for problem in &verdict.problems {
        println!("PROBLEM: {problem}");
    }
    anyhow::bail!("the ledger does not hold ({} problem(s))", verdict.problems.len())
}
