//! `aduan bench`: placeholder replaced below.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {}
pub async fn run(_options: BenchOptions) -> anyhow::Result<()> { anyhow::bail!("not yet") }
