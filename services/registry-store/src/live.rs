//! The registry a service works with now. It starts from the newest version in
//! the service's database (or from the file, before the first version
//! arrives), and moves to each newer version its database holds: every few
//! seconds, and whenever work that must not use an older one asks.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use aduan_registry::Registry;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio_util::sync::CancellationToken;

use crate::store;

/// How often a replica looks for a version another replica stored, unless
/// `ADUAN_REGISTRY_REFRESH_MS` says otherwise.
const DEFAULT_REFRESH: Duration = Duration::from_secs(2);

/// The registry as this service knows it, with its version (0: the file read
/// at start, before any version was stored).
#[derive(Debug)]
pub struct LiveRegistry {
    current: RwLock<(i64, Arc<Registry>)>,
}

impl LiveRegistry {
    /// `registry` at version 0: the file, before any version is stored.
    fn starting_with(registry: Registry) -> Arc<Self> {
        Arc::new(Self { current: RwLock::new((0, Arc::new(registry))) })
    }

    /// The newest version stored in `db`, or `file` if none is.
    pub async fn open(db: &DatabaseConnection, file: Registry) -> anyhow::Result<Arc<Self>> {
        let live = Self::starting_with(file);
        if let Some((version, document)) = store::newest(db).await? {
            let registry = parse_version(version, &document)?;
            if registry.document() == live.current().document() {
                tracing::info!(version, "registry loaded from the database");
            } else {
                tracing::warn!(
                    version,
                    "the registry file differs from the registry in the database, which is used: the file counts \
                     only at the first start; change the registry through routing's admin API"
                );
            }
            live.offer(version, registry);
        }
        Ok(live)
    }

    /// The registry now. Cheap: hold it for one request or one message.
    pub fn current(&self) -> Arc<Registry> {
        self.read().1.clone()
    }

    /// Its version now.
    pub fn version(&self) -> i64 {
        self.read().0
    }

    /// The version and the registry now, read together.
    pub fn snapshot(&self) -> (i64, Arc<Registry>) {
        self.read().clone()
    }

    /// Moves to `version` if it is newer than the one held; answers whether it did.
    pub fn offer(&self, version: i64, registry: Registry) -> bool {
        let mut current = self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if version <= current.0 {
            return false;
        }
        *current = (version, Arc::new(registry));
        tracing::info!(version, "registry version in use");
        true
    }

    /// Moves to the newest version stored in `db`, if it is newer. Inside a
    /// transaction, it sees what that transaction sees.
    pub async fn refresh<C: ConnectionTrait>(&self, db: &C) -> anyhow::Result<()> {
        if store::newest_version(db).await? <= self.version() {
            return Ok(());
        }
        if let Some((version, document)) = store::newest(db).await? {
            self.offer(version, parse_version(version, &document)?);
        }
        Ok(())
    }

    /// Refreshes `every` so often until `stop`.
    pub async fn keep_fresh(self: Arc<Self>, db: DatabaseConnection, every: Duration, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Err(error) = self.refresh(&db).await {
                tracing::warn!(error = format!("{error:#}"), "could not look for a newer registry version");
            }
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (i64, Arc<Registry>)> {
        // A panic while holding the lock cannot leave it half-written: the
        // pair is replaced whole.
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads a stored or received version's document.
pub fn parse_version(version: i64, document: &str) -> Result<Registry, aduan_registry::RegistryError> {
    Registry::parse(&format!("registry version {version}"), document)
}

/// How often to look for a version another replica stored:
/// `ADUAN_REGISTRY_REFRESH_MS`, or 2 s.
pub fn refresh_interval() -> anyhow::Result<Duration> {
    match std::env::var("ADUAN_REGISTRY_REFRESH_MS") {
        Err(_) => Ok(DEFAULT_REFRESH),
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => {
                anyhow::bail!("ADUAN_REGISTRY_REFRESH_MS must be a whole number of milliseconds above 0, not {text:?}")
            }
        },
    }
}
