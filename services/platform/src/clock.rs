//! Time as the services' clocks see it: now (which tests may move forward
//! instead of sleeping for days), the day where a case is, and how often the
//! schedulers look.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Now, as the clocks see it. Tests move it forward instead of sleeping for
/// days; in production it is the time now.
#[derive(Debug, Clone, Default)]
pub struct Today {
    days_ahead: Arc<AtomicI64>,
}

impl Today {
    /// The moment now.
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        let ahead = self.days_ahead.load(Ordering::Relaxed);
        now.checked_add_signed(chrono::Duration::days(ahead)).unwrap_or(now)
    }

    /// Today's date where the clock is `offset` from UTC: a deadline falls on
    /// the day where the case is, not in Greenwich.
    pub fn date_at(&self, offset: FixedOffset) -> NaiveDate {
        self.now().with_timezone(&offset).date_naive()
    }

    /// Moves the date `days` ahead of the calendar (test clock only).
    #[cfg(feature = "test-clock")]
    pub fn set_days_ahead(&self, days: i64) {
        self.days_ahead.store(days, Ordering::Relaxed);
    }
}

/// The moment `date` begins where the clock is `offset` from UTC.
pub fn start_of_day(date: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    (midnight - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

/// How the scheduler runs, from the environment: `ADUAN_CLOCK_TICK_MS` (how
/// often it looks, default a minute) and `ADUAN_TEST_CLOCK=1`, which mounts
/// `POST /api/v1/test-clock` so tests can move the date. That route exists
/// only in builds with the `test-clock` feature, which release builds lack:
/// a production binary cannot have its date moved, whatever its environment.
#[derive(Debug, Clone, Copy)]
pub struct ClockSettings {
    /// How often the scheduler looks for due clocks.
    pub tick: Duration,
    /// Whether tests may move the date.
    pub test_clock: bool,
}

impl ClockSettings {
    /// Reads the settings; a malformed value is an error, not a silent default.
    pub fn from_env() -> anyhow::Result<Self> {
        let tick = match std::env::var("ADUAN_CLOCK_TICK_MS") {
            Ok(value) => Duration::from_millis(
                value.parse().map_err(|error| anyhow::anyhow!("ADUAN_CLOCK_TICK_MS={value:?}: {error}"))?,
            ),
            Err(_) => Duration::from_secs(60),
        };
        let test_clock = std::env::var("ADUAN_TEST_CLOCK").is_ok_and(|value| value == "1");
        anyhow::ensure!(
            !test_clock || cfg!(feature = "test-clock"),
            "ADUAN_TEST_CLOCK=1, but this build has no test clock (it is built only with the `test-clock` feature, for tests)"
        );
        if test_clock {
            tracing::warn!("ADUAN_TEST_CLOCK is set: anyone can move this service's date");
        }
        Ok(Self { tick, test_clock })
    }
}

/// How many due things one round of a scheduler takes, in one transaction.
pub const ROUND: u64 = 100;

/// Runs `round` every `tick` until `stop`, and round after round while rounds
/// come back full (`round` answers how many things it looked at, at most
/// [`ROUND`] of each kind): after downtime, or after a change that moved many
/// deadlines, much may be due at once. Wakes the outbox after a round that did work.
pub async fn every_tick<F, Fut>(
    tick: Duration,
    outbox: crate::outbox::OutboxSignal,
    stop: tokio_util::sync::CancellationToken,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    loop {
        loop {
            match round().await {
                Ok(looked_at) => {
                    if looked_at > 0 {
                        outbox.wake();
                    }
                    if (looked_at as u64) < ROUND || stop.is_cancelled() {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "a clock round failed; will retry");
                    break;
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
    }
}

#[cfg(feature = "test-clock")]
pub use test_clock::{TestClockRequest, test_clock_router};

/// The route that moves the date, compiled only into test builds.
#[cfg(feature = "test-clock")]
mod test_clock {
    use std::sync::Arc;

    use axum::extract::State;
    use chrono::FixedOffset;
    use serde::Deserialize;

    use super::Today;
    use crate::http::{ApiError, ApiJson};

    /// Moves the date the clocks see (test clock only).
    #[derive(Debug, Deserialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct TestClockRequest {
        /// Days ahead of the calendar date, 0 to 3650.
        pub days_ahead: i64,
    }

    /// What the test clock's route needs: the clock, and the country's offset
    /// from UTC to tell the date it moved to.
    #[derive(Clone)]
    struct TestClock {
        today: Today,
        country_offset: Arc<dyn Fn() -> FixedOffset + Send + Sync>,
    }

    /// Moves the clocks' date forward and answers the country's date.
    async fn set_test_clock(
        State(clock): State<TestClock>,
        ApiJson(request): ApiJson<TestClockRequest>,
    ) -> Result<ApiJson<serde_json::Value>, ApiError> {
        if !(0..=3650).contains(&request.days_ahead) {
            return Err(ApiError::invalid("invalid_days_ahead", "days_ahead must be 0 to 3650"));
        }
        clock.today.set_days_ahead(request.days_ahead);
        Ok(ApiJson(serde_json::json!({ "today": clock.today.date_at((clock.country_offset)()) })))
    }

    /// `POST /api/v1/test-clock`, for test deployments only (`ADUAN_TEST_CLOCK=1`).
    pub fn test_clock_router(
        today: Today,
        country_offset: impl Fn() -> FixedOffset + Send + Sync + 'static,
    ) -> axum::Router {
        let clock = TestClock { today, country_offset: Arc::new(country_offset) };
        axum::Router::new().route("/api/v1/test-clock", axum::routing::post(set_test_clock)).with_state(clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: i32) -> FixedOffset {
        FixedOffset::east_opt(h * 3600).expect("an offset")
    }

    #[test]
    fn a_day_begins_earlier_in_the_east() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        // Midnight in Jakarta (WIB) is 17:00 UTC the day before; in Jayapura (WIT), 15:00.
        assert_eq!(start_of_day(day, hours(7)).to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(start_of_day(day, hours(9)).to_rfc3339(), "2026-11-30T15:00:00+00:00");
        assert_eq!(start_of_day(day, hours(0)).to_rfc3339(), "2026-12-01T00:00:00+00:00");
    }

    #[test]
    fn today_is_the_date_where_the_case_is() {
        let today = Today::default();
        #[cfg(feature = "test-clock")]
        let now = Utc::now();
        for offset in [hours(0), hours(7), hours(9), hours(-5)] {
            let local = today.date_at(offset);
            assert!(start_of_day(local, offset) <= today.now(), "the local day has begun");
            assert!(start_of_day(local.succ_opt().expect("a date"), offset) > today.now(), "and not ended");
        }
        #[cfg(feature = "test-clock")]
        {
            today.set_days_ahead(3);
            let later = (now + chrono::Duration::days(3)).with_timezone(&hours(7)).date_naive();
            assert_eq!(today.date_at(hours(7)), later);
        }
    }
}
