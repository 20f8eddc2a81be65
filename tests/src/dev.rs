//! `aduan dev` as a child process, over a data folder that outlives it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running `aduan dev`.
#[derive(Debug)]
pub struct DevProcess {
    child: Option<Child>,
    data_dir: PathBuf,
    port: u16,
    env: Vec<(String, String)>,
}

impl DevProcess {
    /// Starts `aduan dev` on a fresh data folder and a free port; the kit's
    /// staff requests to it go as its all-roles test user.
    pub async fn start() -> Self {
        Self::start_with_env(Vec::new()).await
    }

    /// As [`DevProcess::start`], with these environment variables set.
    pub async fn start_with_env(env: Vec<(String, String)>) -> Self {
        let data_dir = std::env::temp_dir().join(format!("aduan-dev-{}", uuid::Uuid::now_v7().simple()));
        let mut dev = Self { child: None, data_dir, port: 0, env };
        std::fs::create_dir_all(&dev.data_dir).unwrap();
        let (port, child) =
            aduan::child::start_on_free_port(|port| dev.start_process(port)).await.expect("aduan dev to start");
        (dev.port, dev.child) = (port, Some(child));
        let base = dev.base_url();
        let location = vec!["--data-dir".to_owned(), dev.data_dir.display().to_string()];
        crate::staff::act_as_everyone(&reqwest::Client::new(), &base, &base, &location, std::slice::from_ref(&base))
            .await;
        dev
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A SQLite URL of one of the folder's databases.
    pub fn database_url(&self, name: &str) -> String {
        format!("sqlite://{}?mode=ro", self.data_dir.join(format!("{name}.sqlite")).display())
    }

    /// Restarts the process on the same folder and port; waits until ready.
    pub async fn spawn(&mut self) {
        let child = self.start_process(self.port).await.expect("aduan dev to start again");
        self.child = Some(child);
    }

    async fn start_process(&self, port: u16) -> anyhow::Result<Child> {
        let log_path = self.data_dir.join("dev.log");
        let log_start = aduan::child::log_length(&log_path);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
        let mut child = Command::new(crate::aduan_binary())
            .arg("dev")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        aduan::child::wait_ready(&mut child, &base, "aduan dev", (&log_path, log_start), Duration::from_secs(30))
            .await?;
        Ok(child)
    }

    /// kill -9.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().unwrap();
            child.wait().await.unwrap();
        }
    }

    /// SIGTERM; returns the exit code.
    pub async fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let pid = child.id()?;
        Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("stops within 30 s").unwrap().code()
    }
}

impl Drop for DevProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
