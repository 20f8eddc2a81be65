//! A local distributed cluster: each service its own `aduan serve` process,
//! each with a fresh PostgreSQL database, all on a fresh RabbitMQ namespace.
//! The benchmark and the end-to-end tests run on it, and it cleans up after
//! itself, so runs do not meet.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aduan_platform::bus::RetryPolicy;
use aduan_platform::bus::rabbit::delete_namespace;
use aduan_platform::topology;
use anyhow::Context;
use sea_orm::{ConnectionTrait, Database};
use tokio::process::{Child, Command};

use crate::child;
use crate::services::ServiceName;

/// Where the cluster's dependencies are and how to run its processes.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The `aduan` binary.
    pub binary: PathBuf,
    /// A PostgreSQL URL of a database to connect to for creating the cluster's own.
    pub postgres_admin_url: String,
    /// The RabbitMQ broker.
    pub amqp_url: String,
    /// Back-off before each retry, in milliseconds (`ADUAN_RETRY_DELAYS_MS`).
    pub retry_delays_ms: Vec<u64>,
    /// Where each process's log goes (`<service>.log`).
    pub log_dir: PathBuf,
    /// More environment for every process.
    pub extra_env: Vec<(String, String)>,
    /// Where a service reaches its database, when not where PostgreSQL is
    /// (`host:port`; a test puts a proxy in between).
    pub database_hosts: HashMap<ServiceName, String>,
    /// The broker URL the services use, when not `amqp_url` (a proxy in between).
    pub services_amqp_url: Option<String>,
}

impl ClusterOptions {
    /// The machine's PostgreSQL and RabbitMQ, overridable by
    /// `ADUAN_TEST_POSTGRES_URL` and `ADUAN_TEST_AMQP_URL`.
    pub fn local(binary: PathBuf) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        Self {
            binary,
            // On one machine TLS to the database protects nothing and costs
            // both ends CPU (PostgreSQL offers it and clients take it by default).
            postgres_admin_url: std::env::var("ADUAN_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".into()),
            amqp_url: std::env::var("ADUAN_TEST_AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            retry_delays_ms: vec![200, 1000],
            log_dir: std::env::temp_dir().join(format!("aduan-cluster-{id}")),
            extra_env: Vec::new(),
            database_hosts: HashMap::new(),
            services_amqp_url: None,
        }
    }
}

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    options: ClusterOptions,
    /// The RabbitMQ namespace (exchange and queue prefix) of this cluster.
    pub namespace: String,
    databases: HashMap<ServiceName, String>,
    database_names: Vec<String>,
    ports: HashMap<ServiceName, u16>,
    children: HashMap<ServiceName, Child>,
    replicas: Vec<Child>,
    cleaned_up: bool,
}

/// The URL of database `name` on the server of `admin_url`, with the same
/// options (`?sslmode=disable`, say).
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (address, options) = admin_url.split_once('?').map_or((admin_url, None), |(a, o)| (a, Some(o)));
    let (base, _) = address.rsplit_once('/').unwrap_or((address, ""));
    match options {
        Some(options) => format!("{base}/{name}?{options}"),
        None => format!("{base}/{name}"),
    }
}

impl Cluster {
    /// Creates the databases and starts every service; returns once all are ready.
    pub async fn start(options: ClusterOptions) -> anyhow::Result<Self> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let short = &id[id.len() - 12..];
        let namespace = format!("aduan-run-{short}");
        std::fs::create_dir_all(&options.log_dir)?;
        let admin = Database::connect(&options.postgres_admin_url)
            .await
            .context("connecting to PostgreSQL to create the cluster's databases")?;
        let mut databases = HashMap::new();
        let mut database_names = Vec::new();
        for service in ServiceName::ALL {
            let name = format!("aduan_{short}_{}", service.as_str());
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
            databases.insert(service, database_url(&options.postgres_admin_url, &name));
            database_names.push(name);
        }
        admin.close().await?;
        let mut cluster = Self {
            options,
            namespace,
            databases,
            database_names,
            ports: HashMap::new(),
            children: HashMap::new(),
            replicas: Vec::new(),
            cleaned_up: false,
        };
        aduan_intake::IdentityKeys::create_file(&cluster.identity_key_file())?;
        aduan_audit::checkpoints::create_key_file(&cluster.audit_key_file(), "aduan.test/audit")?;
        // Accounts and routing first: the others are told where they are.
        for service in [
            ServiceName::Accounts,
            ServiceName::Routing,
            ServiceName::Intake,
            ServiceName::Resolution,
            ServiceName::Audit,
        ] {
            let (port, child) =
                child::start_on_free_port(|port| cluster.start_process(service, port, service.as_str())).await?;
            cluster.ports.insert(service, port);
            cluster.children.insert(service, child);
        }
        Ok(cluster)
    }

    /// A configuration file naming `service`'s database, for the operator's
    /// commands (`aduan user add --config …`, `aduan outbox …`).
    pub fn config_file(&self, service: ServiceName) -> anyhow::Result<PathBuf> {
        let path = self.options.log_dir.join(format!("{}-operator.toml", service.as_str()));
        std::fs::write(&path, format!("database_url = \"{}\"\n", self.database_url(service)))?;
        Ok(path)
    }

    /// The key file that seals reporters' identities in intake.
    pub fn identity_key_file(&self) -> PathBuf {
        self.options.log_dir.join("identity.key")
    }

    /// The key file that signs the audit ledger's checkpoints.
    pub fn audit_key_file(&self) -> PathBuf {
        self.options.log_dir.join("audit.key")
    }

    /// `http://127.0.0.1:<port>` of a service.
    pub fn base_url(&self, service: ServiceName) -> String {
        format!("http://127.0.0.1:{}", self.ports.get(&service).copied().unwrap_or_default())
    }

    /// A service's database URL.
    pub fn database_url(&self, service: ServiceName) -> &str {
        self.databases.get(&service).map(String::as_str).unwrap_or_default()
    }

    /// The RabbitMQ URL the cluster uses.
    pub fn amqp_url(&self) -> &str {
        &self.options.amqp_url
    }

    /// Each process's name and id (replicas as `<service>-replica`).
    pub fn pids(&self) -> Vec<(String, u32)> {
        let services =
            self.children.iter().filter_map(|(service, child)| Some((service.as_str().to_owned(), child.id()?)));
        let replicas = self.replicas.iter().filter_map(|child| Some(("replica".to_owned(), child.id()?)));
        services.chain(replicas).collect()
    }

    /// Where the processes' logs are.
    pub fn log_dir(&self) -> &std::path::Path {
        &self.options.log_dir
    }

    /// Restarts `service` on its port and waits until it is ready.
    pub async fn spawn(&mut self, service: ServiceName) -> anyhow::Result<()> {
        let port = self.ports.get(&service).copied().context("no port for the service")?;
        let child = self.start_process(service, port, service.as_str()).await?;
        self.children.insert(service, child);
        Ok(())
    }

    /// Starts one more replica of `service` on a port of its own, sharing the
    /// service's database and queue; returns its base URL. It is stopped with
    /// the cluster.
    pub async fn spawn_replica(&mut self, service: ServiceName) -> anyhow::Result<String> {
        let name = format!("{}-replica-{}", service.as_str(), self.replicas.len() + 1);
        let (port, child) = child::start_on_free_port(|port| self.start_process(service, port, &name)).await?;
        self.replicas.push(child);
        Ok(format!("http://127.0.0.1:{port}"))
    }

    /// The database URL `service` is given: through the host of
    /// `database_hosts` when one is set.
    fn service_database_url(&self, service: ServiceName) -> String {
        if service == ServiceName::Web {
            // Web keeps only browser sessions.
            return format!("sqlite://{}?mode=rwc", self.options.log_dir.join("web.sqlite").display());
        }
        let url = self.database_url(service);
        match (self.options.database_hosts.get(&service), url.split_once('@')) {
            (Some(host), Some((credentials, rest))) => {
                let path = rest.split_once('/').map_or("", |(_, path)| path);
                format!("{credentials}@{host}/{path}")
            }
            _ => url.to_owned(),
        }
    }

    async fn start_process(&self, service: ServiceName, port: u16, log_name: &str) -> anyhow::Result<Child> {
        let log_path = self.options.log_dir.join(format!("{log_name}.log"));
        let log_start = child::log_length(&log_path);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
        let delays: Vec<String> = self.options.retry_delays_ms.iter().map(u64::to_string).collect();
        let mut command = Command::new(&self.options.binary);
        if service == ServiceName::Web {
            command
                .env("ADUAN_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
                .env("ADUAN_INTAKE_URL", self.base_url(ServiceName::Intake))
                .env("ADUAN_RESOLUTION_URL", self.base_url(ServiceName::Resolution))
                .env("ADUAN_AUDIT_URL", self.base_url(ServiceName::Audit));
        }
        command
            .arg("serve")
            .arg(service.as_str())
            // A test cluster on the development machine: guest and the demo registry.
            .env("ADUAN_ALLOW_DEVELOPMENT_DEFAULTS", "true")
            .env("ADUAN_DATABASE_URL", self.service_database_url(service))
            .env("ADUAN_AMQP_URL", self.options.services_amqp_url.as_deref().unwrap_or(&self.options.amqp_url))
            .env("ADUAN_BUS_NAMESPACE", &self.namespace)
            .env("ADUAN_HTTP_ADDR", format!("127.0.0.1:{port}"))
            .env("ADUAN_RETRY_DELAYS_MS", delays.join(","))
            .env("ADUAN_IDENTITY_KEY_FILE", self.identity_key_file())
            .env("ADUAN_AUDIT_KEY_FILE", self.audit_key_file())
            .env("ADUAN_FILES_URL", format!("file://{}", self.options.log_dir.join("files").display()))
            .env("ADUAN_ROUTING_URL", self.base_url(ServiceName::Routing))
            .env("ADUAN_ACCOUNTS_URL", self.base_url(ServiceName::Accounts))
            // Load generators and tests file from one address.
            .env("ADUAN_CITIZEN_RATE_PER_MINUTE", "1000000")
            .env("ADUAN_CITIZEN_BURST", "100000")
            .env("NO_COLOR", "1")
            .envs(self.options.extra_env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        let mut child = command.spawn().with_context(|| format!("starting {}", self.options.binary.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        child::wait_ready(&mut child, &base, log_name, (&log_path, log_start), Duration::from_secs(60)).await?;
        Ok(child)
    }

    /// Starts web in front of the cluster's services (its sessions in a
    /// SQLite file of the log folder); returns its base URL, which is also
    /// its public address.
    pub async fn start_web(&mut self) -> anyhow::Result<String> {
        let (port, child) =
            child::start_on_free_port(|port| self.start_process(ServiceName::Web, port, ServiceName::Web.as_str()))
                .await?;
        self.ports.insert(ServiceName::Web, port);
        self.children.insert(ServiceName::Web, child);
        Ok(self.base_url(ServiceName::Web))
    }

    /// kill -9: the process gets no chance to finish anything.
    pub async fn kill(&mut self, service: ServiceName) -> anyhow::Result<()> {
        if let Some(mut child) = self.children.remove(&service) {
            child.start_kill()?;
            child.wait().await?;
        }
        Ok(())
    }

    /// SIGTERM, then waits for the process to exit; returns its exit code.
    pub async fn terminate(&mut self, service: ServiceName) -> anyhow::Result<Option<i32>> {
        let Some(mut child) = self.children.remove(&service) else { return Ok(None) };
        let Some(pid) = child.id() else { return Ok(child.wait().await?.code()) };
        let sent = Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await?;
        anyhow::ensure!(sent.success(), "could not send SIGTERM to {pid}");
        match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
            Ok(status) => Ok(status?.code()),
            Err(_) => {
                child.start_kill()?;
                anyhow::bail!("{} did not stop within 30 s of SIGTERM", service.as_str())
            }
        }
    }

    /// Stops every process gracefully and removes the databases and the namespace.
    pub async fn destroy(mut self) -> anyhow::Result<()> {
        // SIGTERM to all at once, then wait for each: shutdowns overlap.
        let mut stopping = Vec::new();
        let children: Vec<Child> =
            self.children.drain().map(|(_, child)| child).chain(self.replicas.drain(..)).collect();
        for mut child in children {
            if let Some(pid) = child.id() {
                let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await;
            }
            stopping.push(async move {
                if tokio::time::timeout(Duration::from_secs(30), child.wait()).await.is_err() {
                    let _ = child.start_kill();
                }
            });
        }
        futures::future::join_all(stopping).await;
        self.cleaned_up = true;
        remove_resources(&self.options, &self.namespace, &self.database_names, false).await
    }
}

async fn remove_resources(
    options: &ClusterOptions,
    namespace: &str,
    database_names: &[String],
    keep_logs: bool,
) -> anyhow::Result<()> {
    let admin = Database::connect(&options.postgres_admin_url).await?;
    for name in database_names {
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    }
    admin.close().await?;
    let policy = RetryPolicy { delays: options.retry_delays_ms.iter().copied().map(Duration::from_millis).collect() };
    delete_namespace(&options.amqp_url, namespace, &topology::all(), &policy).await?;
    if !keep_logs {
        let _ = std::fs::remove_dir_all(&options.log_dir);
    }
    Ok(())
}

/// A cluster dropped without `destroy` (a failed test, a failed benchmark)
/// still leaves nothing behind: its processes die with it (`kill_on_drop`)
/// and its databases and queues are removed from a thread of its own.
impl Drop for Cluster {
    fn drop(&mut self) {
        if self.cleaned_up {
            return;
        }
        for child in self.children.values_mut().chain(self.replicas.iter_mut()) {
            let _ = child.start_kill();
        }
        let (options, namespace, names) = (self.options.clone(), self.namespace.clone(), self.database_names.clone());
        // A failing test's cluster keeps its logs: they are what explains the failure.
        let keep_logs = std::thread::panicking();
        if keep_logs {
            eprintln!("the logs of cluster {namespace} are kept in {}", options.log_dir.display());
        }
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                // Give the killed processes a moment to let go of their connections.
                tokio::time::sleep(Duration::from_millis(200)).await;
                remove_resources(&options, &namespace, &names, keep_logs).await
            })
        });
        if let Ok(Err(error)) = cleanup.join() {
            eprintln!("could not clean up cluster {}: {error:#}", self.namespace);
        }
    }
}
