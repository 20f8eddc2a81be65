//! Configuration of one service process in the distributed mode: an optional
//! TOML file (unknown keys rejected) overlaid by `ADUAN_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::bus::RetryPolicy;

/// The file's shape; every key optional, every unknown key an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    amqp_url: Option<String>,
    bus_namespace: Option<String>,
    http_addr: Option<SocketAddr>,
    registry: Option<PathBuf>,
    log_json: Option<bool>,
    prefetch: Option<u16>,
    concurrency: Option<usize>,
    batch_size: Option<usize>,
    retry_delays_ms: Option<Vec<u64>>,
    database_pool: Option<u32>,
    request_timeout_ms: Option<u64>,
    max_in_flight: Option<usize>,
    header_read_timeout_ms: Option<u64>,
    dedupe_retention_hours: Option<u64>,
    citizen_rate_per_minute: Option<u32>,
    citizen_burst: Option<u32>,
    identity_key_file: Option<PathBuf>,
    audit_key_file: Option<PathBuf>,
    identity_retention_days: Option<u32>,
    accounts_url: Option<String>,
    files_url: Option<String>,
    allow_development_defaults: Option<bool>,
}

/// Everything a service process needs to start.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The service's own database (`postgres://…` or `sqlite://…`).
    pub database_url: String,
    /// The RabbitMQ broker.
    pub amqp_url: String,
    /// Prefix of the exchange and queue names.
    pub bus_namespace: String,
    /// Where the HTTP API listens.
    pub http_addr: SocketAddr,
    /// The registry file; `None` means the built-in demo registry.
    pub registry: Option<PathBuf>,
    /// Log lines as JSON.
    pub log_json: bool,
    /// Deliveries held unacknowledged per consumer.
    pub prefetch: u16,
    /// Batches handled at once per consumer.
    pub concurrency: usize,
    /// Waiting deliveries handled together in one transaction.
    pub batch_size: usize,
    /// Back-off before each retry of a failing message.
    pub retry: RetryPolicy,
    /// Database connections kept at most.
    pub database_pool: u32,
    /// Request deadline and the cap on requests in flight.
    pub limits: crate::http::Limits,
    /// How long records of handled messages are kept.
    pub dedupe_retention: Duration,
    /// Citizens' requests per minute per client (intake), and the burst allowed.
    pub citizen_rate: RateLimit,
    /// The file of keys that seal reporters' identities (intake).
    pub identity_key_file: Option<PathBuf>,
    /// The file of the key that signs the ledger's checkpoints (audit).
    pub audit_key_file: Option<PathBuf>,
    /// Days a reporter's identity is kept after their report is done (intake).
    pub identity_retention_days: u32,
    /// Where accounts publishes the keys that verify access tokens.
    pub accounts_url: String,
    /// Where citizens' photos are kept (intake): `file:///path` or `s3://bucket`
    /// (S3 settings from the usual `AWS_*` variables).
    pub files_url: Option<String>,
    /// Whether `aduan serve` may start on the development machine's defaults
    /// (the broker's `guest` account, the demo registry); never in production.
    pub allow_development_defaults: bool,
}

/// How many requests a client may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained, per minute.
    pub per_minute: u32,
    /// At once, after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimit {
    /// Generous enough for many citizens behind one address (mobile
    /// carriers' NAT) and for a person trying the system out, tight enough
    /// to stop one script filing thousands.
    fn default() -> Self {
        Self { per_minute: 600, burst: 300 }
    }
}

impl RateLimit {
    /// From `ADUAN_CITIZEN_RATE_PER_MINUTE` and `ADUAN_CITIZEN_BURST`, for `aduan dev`.
    pub fn from_env() -> anyhow::Result<Self> {
        let default = Self::default();
        Ok(Self {
            per_minute: env_var("ADUAN_CITIZEN_RATE_PER_MINUTE")?.unwrap_or(default.per_minute),
            burst: env_var("ADUAN_CITIZEN_BURST")?.unwrap_or(default.burst),
        })
    }
}

/// Days a reporter's identity is kept after the report is done, by default.
pub const IDENTITY_RETENTION_DAYS: u32 = 365;

/// Reads the variable `name`, parsed, if it is set.
fn env_var<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map(Some)
            .map_err(|error| anyhow::anyhow!("environment variable {name}={value:?} is not valid: {error}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(error) => Err(anyhow::anyhow!("environment variable {name}: {error}")),
    }
}

fn parse_delays(text: &str) -> anyhow::Result<Vec<u64>> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| part.trim().parse::<u64>().with_context(|| format!("{part:?} is not a number of milliseconds")))
        .collect()
}

impl ServiceConfig {
    /// Refuses what only a development machine may run on: the broker's
    /// `guest` account (every service would share one all-powerful user) and
    /// no registry file (the demo registry would route a country's reports),
    /// unless told these are development defaults.
    pub fn refuse_development_defaults(&self) -> anyhow::Result<()> {
        if self.allow_development_defaults {
            return Ok(());
        }
        // Read as the client reads it: an empty or absent user logs in as guest.
        let user = self
            .amqp_url
            .parse::<lapin::uri::AMQPUri>()
            .map_err(|error| anyhow::anyhow!("ADUAN_AMQP_URL is not an AMQP URL: {error}"))?
            .authority
            .userinfo
            .username;
        anyhow::ensure!(
            !user.is_empty() && user != "guest",
            "the broker's guest account is refused outside aduan dev: give each service its own RabbitMQ user \
             in ADUAN_AMQP_URL (deploy/rabbitmq/definitions.json has one per service), or set \
             ADUAN_ALLOW_DEVELOPMENT_DEFAULTS=true on a development machine"
        );
        anyhow::ensure!(
            self.registry.is_some(),
            "no registry file: set ADUAN_REGISTRY (e.g. the Indonesian seed) so that reports are routed by the \
             country's registry, not the demo one, or set ADUAN_ALLOW_DEVELOPMENT_DEFAULTS=true on a development machine"
        );
        Ok(())
    }
    /// Loads `file` (if given), then applies `ADUAN_*` variables over it;
    /// `default_port` is the service's own when nothing says otherwise.
    pub fn load(file: Option<&Path>, default_port: u16) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("in the configuration file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        if let Some(value) = env_var("ADUAN_DATABASE_URL")? {
            config.database_url = Some(value);
        }
        if let Some(value) = env_var("ADUAN_AMQP_URL")? {
            config.amqp_url = Some(value);
        }
        if let Some(value) = env_var("ADUAN_BUS_NAMESPACE")? {
            config.bus_namespace = Some(value);
        }
        if let Some(value) = env_var("ADUAN_HTTP_ADDR")? {
            config.http_addr = Some(value);
        }
        if let Some(value) = env_var::<String>("ADUAN_REGISTRY")? {
            config.registry = Some(PathBuf::from(value));
        }
        if let Some(value) = env_var("ADUAN_LOG_JSON")? {
            config.log_json = Some(value);
        }
        if let Some(value) = env_var("ADUAN_PREFETCH")? {
            config.prefetch = Some(value);
        }
        if let Some(value) = env_var("ADUAN_CONCURRENCY")? {
            config.concurrency = Some(value);
        }
        if let Some(value) = env_var("ADUAN_BATCH_SIZE")? {
            config.batch_size = Some(value);
        }
        if let Some(value) = env_var::<String>("ADUAN_RETRY_DELAYS_MS")? {
            config.retry_delays_ms = Some(parse_delays(&value).context("ADUAN_RETRY_DELAYS_MS")?);
        }
        if let Some(value) = env_var("ADUAN_DATABASE_POOL")? {
            config.database_pool = Some(value);
        }
        if let Some(value) = env_var("ADUAN_REQUEST_TIMEOUT_MS")? {
            config.request_timeout_ms = Some(value);
        }
        if let Some(value) = env_var("ADUAN_MAX_IN_FLIGHT")? {
            config.max_in_flight = Some(value);
        }
        if let Some(value) = env_var("ADUAN_HEADER_READ_TIMEOUT_MS")? {
            config.header_read_timeout_ms = Some(value);
        }
        if let Some(value) = env_var("ADUAN_DEDUPE_RETENTION_HOURS")? {
            config.dedupe_retention_hours = Some(value);
        }
        if let Some(value) = env_var("ADUAN_CITIZEN_RATE_PER_MINUTE")? {
            config.citizen_rate_per_minute = Some(value);
        }
        if let Some(value) = env_var("ADUAN_CITIZEN_BURST")? {
            config.citizen_burst = Some(value);
        }
        if let Some(value) = env_var::<String>("ADUAN_IDENTITY_KEY_FILE")? {
            config.identity_key_file = Some(PathBuf::from(value));
        }
        if let Some(value) = env_var::<String>("ADUAN_AUDIT_KEY_FILE")? {
            config.audit_key_file = Some(PathBuf::from(value));
        }
        if let Some(value) = env_var("ADUAN_IDENTITY_RETENTION_DAYS")? {
            config.identity_retention_days = Some(value);
        }
        if let Some(value) = env_var("ADUAN_ACCOUNTS_URL")? {
            config.accounts_url = Some(value);
        }
        if let Some(value) = env_var("ADUAN_FILES_URL")? {
            config.files_url = Some(value);
        }
        if let Some(value) = env_var("ADUAN_ALLOW_DEVELOPMENT_DEFAULTS")? {
            config.allow_development_defaults = Some(value);
        }
        let database_url = config
            .database_url
            .context("no database configured: set ADUAN_DATABASE_URL or database_url in the configuration file")?;
        Ok(Self {
            database_url,
            amqp_url: config.amqp_url.unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            bus_namespace: config.bus_namespace.unwrap_or_else(|| "aduan".into()),
            http_addr: config.http_addr.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], default_port))),
            registry: config.registry,
            log_json: config.log_json.unwrap_or(false),
            // Enough held to fill every batch at once (prefetch at least
            // concurrency times the batch), unless configured otherwise.
            // Deliveries handled after a batch still in hand count against
            // it until that batch is done (they are acknowledged together).
            prefetch: config.prefetch.unwrap_or(256),
            concurrency: config.concurrency.unwrap_or(8),
            batch_size: config.batch_size.unwrap_or(32),
            retry: match config.retry_delays_ms {
                Some(delays) => RetryPolicy { delays: delays.into_iter().map(Duration::from_millis).collect() },
                None => RetryPolicy::default(),
            },
            database_pool: config.database_pool.unwrap_or(16),
            limits: {
                let default = crate::http::Limits::default();
                crate::http::Limits {
                    request_timeout: config.request_timeout_ms.map_or(default.request_timeout, Duration::from_millis),
                    max_in_flight: config.max_in_flight.unwrap_or(default.max_in_flight),
                    header_read_timeout: config
                        .header_read_timeout_ms
                        .map_or(default.header_read_timeout, Duration::from_millis),
                }
            },
            dedupe_retention: config
                .dedupe_retention_hours
                .map_or(crate::dedupe::RETENTION, |hours| Duration::from_secs(hours.saturating_mul(3600))),
            citizen_rate: RateLimit {
                per_minute: config.citizen_rate_per_minute.unwrap_or(RateLimit::default().per_minute),
                burst: config.citizen_burst.unwrap_or(RateLimit::default().burst),
            },
            identity_key_file: config.identity_key_file,
            audit_key_file: config.audit_key_file,
            identity_retention_days: config.identity_retention_days.unwrap_or(IDENTITY_RETENTION_DAYS),
            accounts_url: config.accounts_url.unwrap_or_else(|| "http://127.0.0.1:8084".into()),
            files_url: config.files_url,
            allow_development_defaults: config.allow_development_defaults.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_the_file_and_key_named() {
        let dir = std::env::temp_dir().join(format!("aduan-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("intake.toml");
        std::fs::write(&path, "database_url = \"sqlite::memory:\"\ndatabse_pool = 3\n").expect("write");
        let error = format!("{:#}", ServiceConfig::load(Some(&path), 8081).expect_err("must fail"));
        assert!(error.contains("intake.toml"), "{error}");
        assert!(error.contains("databse_pool"), "{error}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_file_sets_values_and_defaults_fill_the_rest() {
        let dir = std::env::temp_dir().join(format!("aduan-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("routing.toml");
        std::fs::write(&path, "database_url = \"postgres://x@db/routing\"\nretry_delays_ms = [10, 20]\n")
            .expect("write");
        let config = ServiceConfig::load(Some(&path), 8082).expect("loads");
        assert_eq!(config.database_url, "postgres://x@db/routing");
        assert_eq!(config.retry.delays, vec![Duration::from_millis(10), Duration::from_millis(20)]);
        assert_eq!(config.http_addr.port(), 8082);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn delays_parse_from_a_list() {
        assert_eq!(parse_delays("100, 200,").expect("parses"), vec![100, 200]);
        assert!(parse_delays("100,soon").is_err());
    }

    #[test]
    fn the_shipped_example_configurations_load() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
        for service in ["intake", "routing", "resolution"] {
            let path = dir.join(format!("{service}.toml"));
            let config = ServiceConfig::load(Some(&path), 0).unwrap_or_else(|error| panic!("{error:#}"));
            assert!(config.database_url.ends_with(service), "{}", config.database_url);
            assert!(config.log_json);
        }
    }
}
