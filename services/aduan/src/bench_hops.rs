//! What `aduan bench` reads after the load: when each report answered 201
//! reached each hop, as the services recorded it (filed in intake, placed
//! by routing, opened in resolution, shown to the citizen as received by
//! intake), and how much CPU each process spent meanwhile.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::Serialize;
use uuid::Uuid;

/// The hops of a report, each as its service recorded it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hops {
    /// Intake's commit of the report.
    pub filed: Option<DateTime<Utc>>,
    /// Routing's commit of its placement.
    pub placed: Option<DateTime<Utc>>,
    /// Resolution's commit of its case.
    pub opened: Option<DateTime<Utc>>,
    /// Intake's commit of the update that tells the citizen the report was
    /// received in an institution's inbox (resolution's case opened).
    pub seen: Option<DateTime<Utc>>,
}

/// Percentiles of one stretch, in ms.
#[derive(Debug, Clone, Serialize)]
pub struct Stretch {
    /// From which hop to which.
    pub stretch: String,
    /// Reports measured.
    pub reports: u64,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

async fn times(db: &DatabaseConnection, sql: &str) -> anyhow::Result<HashMap<Uuid, DateTime<Utc>>> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get_by_index::<Uuid>(0)?, row.try_get_by_index::<DateTime<Utc>>(1)?)))
        .collect()
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<usize> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("a count without a row")?;
    Ok(usize::try_from(row.try_get_by_index::<i64>(0)?)?)
}

/// The services' databases, to read the hops from.
#[derive(Debug)]
pub struct Recorded<'a> {
    /// Intake's.
    pub intake: &'a DatabaseConnection,
    /// Routing's.
    pub routing: &'a DatabaseConnection,
    /// Resolution's.
    pub resolution: &'a DatabaseConnection,
}

impl Recorded<'_> {
    /// The ids of the reports whose tracking codes are `codes` (those answered 201).
    pub async fn ids_of(&self, codes: &HashSet<String>) -> anyhow::Result<HashMap<Uuid, DateTime<Utc>>> {
        let rows = self
            .intake
            .query_all_raw(Statement::from_string(
                self.intake.get_database_backend(),
                "SELECT id, filed_at, tracking_code FROM report",
            ))
            .await?;
        let mut filed = HashMap::new();
        for row in rows {
            if codes.contains(&row.try_get_by_index::<String>(2)?) {
                filed.insert(row.try_get_by_index::<Uuid>(0)?, row.try_get_by_index::<DateTime<Utc>>(1)?);
            }
        }
        Ok(filed)
    }

    /// How many of `ids` resolution opened and intake shows the citizen.
    pub async fn arrived(&self, ids: &HashMap<Uuid, DateTime<Utc>>) -> anyhow::Result<(usize, usize)> {
        let opened = times(self.resolution, "SELECT report_id, opened_at FROM inbox_case").await?;
        let seen = self.seen().await?;
        Ok((
            ids.keys().filter(|id| opened.contains_key(id)).count(),
            ids.keys().filter(|id| seen.contains_key(id)).count(),
        ))
    }

    async fn seen(&self) -> anyhow::Result<HashMap<Uuid, DateTime<Utc>>> {
        times(
            self.intake,
            // Not the assignment, which intake may show before the case opens.
            "SELECT report_id, MIN(recorded_at) FROM report_update \
             WHERE kind = 'received' AND recorded_at IS NOT NULL GROUP BY report_id",
        )
        .await
    }

    /// Each report's hops.
    pub async fn hops(&self, filed: &HashMap<Uuid, DateTime<Utc>>) -> anyhow::Result<HashMap<Uuid, Hops>> {
        let placed = times(self.routing, "SELECT report_id, routed_at FROM routed_report").await?;
        let opened = times(self.resolution, "SELECT report_id, opened_at FROM inbox_case").await?;
        let seen = self.seen().await?;
        Ok(filed
            .iter()
            .map(|(id, at)| {
                let hops = Hops {
                    filed: Some(*at),
                    placed: placed.get(id).copied(),
                    opened: opened.get(id).copied(),
                    seen: seen.get(id).copied(),
                };
                (*id, hops)
            })
            .collect())
    }

    /// Waits until every report of `ids` is open in resolution and shown to
    /// its citizen, or `timeout` passes; answers how many made it. While the
    /// pipeline drains it asks only for two counts, which cost the databases
    /// far less than reading every report's times (the measure must not
    /// slow what it measures), and reads the times once the counts say all
    /// may be there.
    pub async fn wait_for(&self, ids: &HashMap<Uuid, DateTime<Utc>>, timeout: Duration) -> anyhow::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let out_of_time = Instant::now() >= deadline;
            if out_of_time || self.may_all_have_arrived(ids.len()).await? {
                let (opened, seen) = self.arrived(ids).await?;
                if (opened == ids.len() && seen == ids.len()) || out_of_time {
                    return Ok(opened.min(seen));
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether resolution holds at least `expected` cases and intake shows
    /// at least as many "received" updates: necessary for all to have
    /// arrived, not sufficient (other reports may be counted too).
    async fn may_all_have_arrived(&self, expected: usize) -> anyhow::Result<bool> {
        let opened = count(self.resolution, "SELECT COUNT(*) FROM inbox_case").await?;
        if opened < expected {
            return Ok(false);
        }
        let seen = count(self.intake, "SELECT COUNT(*) FROM report_update WHERE kind = 'received'").await?;
        Ok(seen >= expected)
    }
}

/// The percentiles of each stretch over `hops`.
pub fn stretches(hops: &HashMap<Uuid, Hops>) -> anyhow::Result<Vec<Stretch>> {
    type Pick = fn(&Hops) -> Option<DateTime<Utc>>;
    let stretches: [(&str, Pick, Pick); 5] = [
        ("filed -> placed", |h| h.filed, |h| h.placed),
        ("placed -> opened", |h| h.placed, |h| h.opened),
        ("opened -> seen by the citizen", |h| h.opened, |h| h.seen),
        ("filed -> opened (in an inbox)", |h| h.filed, |h| h.opened),
        ("filed -> seen by the citizen", |h| h.filed, |h| h.seen),
    ];
    let mut out = Vec::new();
    for (name, from, to) in stretches {
        let mut histogram = hdrhistogram::Histogram::<u64>::new(3)?;
        for hop in hops.values() {
            if let (Some(from), Some(to)) = (from(hop), to(hop)) {
                let micros = (to - from).num_microseconds().unwrap_or(0).max(0);
                histogram.record(u64::try_from(micros).unwrap_or(0))?;
            }
        }
        out.push(Stretch {
            stretch: name.to_owned(),
            reports: histogram.len(),
            p50_ms: histogram.value_at_quantile(0.5) as f64 / 1000.0,
            p99_ms: histogram.value_at_quantile(0.99) as f64 / 1000.0,
            max_ms: histogram.max() as f64 / 1000.0,
        });
    }
    Ok(out)
}

/// CPU time spent by a process (or a family of processes), in clock ticks.
fn ticks_of(stat: &str) -> Option<u64> {
    // The command may hold spaces and parentheses: fields count from the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime, stime, cutime, cstime: fields 14 to 17 of /proc/<pid>/stat.
    let field = |n: usize| fields.get(n - 3).and_then(|value| value.parse::<u64>().ok());
    Some(field(14)? + field(15)? + field(16)? + field(17)?)
}

/// CPU ticks by process name: the services by their pids, and PostgreSQL's
/// and RabbitMQ's processes by their names (a backend's time, once it
/// exits, is its postmaster's children's time).
pub fn cpu_ticks(services: &[(String, u32)]) -> HashMap<String, u64> {
    let mut ticks: HashMap<String, u64> = HashMap::new();
    for (name, pid) in services {
        if let Some(spent) = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().as_deref().and_then(ticks_of) {
            *ticks.entry(name.clone()).or_default() += spent;
        }
    }
    let Ok(processes) = std::fs::read_dir("/proc") else { return ticks };
    for process in processes.flatten() {
        let path = process.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else { continue };
        let family = match comm.trim() {
            "postgres" => "postgresql",
            "beam.smp" => "rabbitmq",
            _ => continue,
        };
        if let Some(spent) = std::fs::read_to_string(path.join("stat")).ok().as_deref().and_then(ticks_of) {
            *ticks.entry(family.to_owned()).or_default() += spent;
        }
    }
    ticks
}

/// The share of one core each process used between two readings over `wall`, in %.
pub fn cpu_percent(before: &HashMap<String, u64>, after: &HashMap<String, u64>, wall: Duration) -> Vec<(String, f64)> {
    // Linux reports these in USER_HZ, 100 a second on every mainstream build.
    const TICKS_PER_SECOND: f64 = 100.0;
    let mut shares: Vec<(String, f64)> = after
        .iter()
        .map(|(name, spent)| {
            let used = spent.saturating_sub(before.get(name).copied().unwrap_or(0)) as f64 / TICKS_PER_SECOND;
            (name.clone(), (used / wall.as_secs_f64() * 1000.0).round() / 10.0)
        })
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    shares
}

#[cfg(test)]
mod tests {
    use super::ticks_of;

    #[test]
    fn cpu_ticks_are_read_past_a_command_with_spaces() {
        let stat = "42 (aduan (serve) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 8 0 1000 1 1";
        assert_eq!(ticks_of(stat), Some(250 + 50 + 7 + 3));
    }
}
