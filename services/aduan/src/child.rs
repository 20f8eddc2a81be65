//! Starting an `aduan` process on a free port and knowing that it is that
//! process which answers there.
//!
//! A port found free is free only until someone binds it: tests and
//! benchmarks start processes side by side, and another one may take the
//! port before the child does. The child then exits ("address already in
//! use") while the other process answers at the address, and a wait on
//! `/readyz` alone would take that answer for the child's. `/healthz` names
//! the process that answers, so the wait accepts the child's answer only,
//! and [`start_on_free_port`] starts a child that lost its port again on
//! another.

use std::path::Path;
use std::time::Duration;

use tokio::process::Child;

/// A port nobody listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Why a child did not become ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// Another process took the port first.
    #[error("{name}'s port was taken by another process")]
    PortTaken {
        /// The child's name.
        name: String,
    },
    /// The child exited while starting.
    #[error("{name} exited with {status} while starting:\n{log}")]
    Exited {
        /// The child's name.
        name: String,
        /// How it exited.
        status: std::process::ExitStatus,
        /// Its log.
        log: String,
    },
    /// The child did not answer in time.
    #[error("{name} was not ready within {timeout:?}; see {log_path}")]
    TimedOut {
        /// The child's name.
        name: String,
        /// How long it was given.
        timeout: Duration,
        /// Where its log is.
        log_path: String,
    },
    /// The child could not be watched.
    #[error("watching {name}: {source}")]
    Io {
        /// The child's name.
        name: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// How long `log_path` is now: where a child started next begins writing.
pub fn log_length(log_path: &Path) -> u64 {
    std::fs::metadata(log_path).map_or(0, |metadata| metadata.len())
}

/// Waits until `child` itself answers `/readyz` at `base`
/// (`http://127.0.0.1:<port>`); fails with its log if it exits first. Its
/// log is what `log_path` holds past `log_start` (the file may hold earlier
/// starts' lines: see [`log_length`]).
pub async fn wait_ready(
    child: &mut Child,
    base: &str,
    name: &str,
    log: (&Path, u64),
    timeout: Duration,
) -> Result<(), NotReady> {
    let (log_path, log_start) = log;
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + timeout;
    let pid = child.id();
    while tokio::time::Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) => {
                let all = std::fs::read(log_path).unwrap_or_default();
                let own = all.get(usize::try_from(log_start).unwrap_or(usize::MAX)..).unwrap_or_default();
                let log = String::from_utf8_lossy(own).into_owned();
                return Err(if log.contains("Address already in use") {
                    NotReady::PortTaken { name: name.to_owned() }
                } else {
                    NotReady::Exited { name: name.to_owned(), status, log }
                });
            }
            Ok(None) => {}
            Err(source) => return Err(NotReady::Io { name: name.to_owned(), source }),
        }
        if pid.is_some() && answering_process(&client, base).await == pid && is_ready(&client, base).await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(NotReady::TimedOut { name: name.to_owned(), timeout, log_path: log_path.display().to_string() })
}

/// The process id `/healthz` at `base` names, if anything answers there.
async fn answering_process(client: &reqwest::Client, base: &str) -> Option<u32> {
    let response = client.get(format!("{base}/healthz")).send().await.ok()?;
    let body: serde_json::Value = response.json().await.ok()?;
    body["process"].as_u64().and_then(|pid| u32::try_from(pid).ok())
}

async fn is_ready(client: &reqwest::Client, base: &str) -> bool {
    client.get(format!("{base}/readyz")).send().await.is_ok_and(|response| response.status().is_success())
}

/// Starts a child with `start(port)` on a free port and waits until it is
/// ready; on another port when another process took the first. Returns the
/// port and the child.
pub async fn start_on_free_port<F, Fut>(mut start: F) -> anyhow::Result<(u16, Child)>
where
    F: FnMut(u16) -> Fut,
    Fut: Future<Output = anyhow::Result<Child>>,
{
    const ATTEMPTS: usize = 5;
    let mut attempt = 1;
    loop {
        let port = free_port()?;
        match start(port).await {
            Ok(child) => return Ok((port, child)),
            Err(error) if attempt < ATTEMPTS && matches!(error.downcast_ref(), Some(NotReady::PortTaken { .. })) => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
