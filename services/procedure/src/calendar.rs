//! Working-day calendars: a weekly pattern of working days and the holidays of
//! a jurisdiction. A region's calendar inherits its country's holidays and adds
//! its own. Deadlines count working days; time waiting for the citizen does not
//! count.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A calendar that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No weekday is a working day, so no deadline could ever fall.
    #[error("a calendar needs at least one working weekday")]
    NoWorkingWeekday,
}

/// The working days of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Indexed by `Weekday::num_days_from_monday`.
    working_weekdays: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar working on `weekdays`, except on `holidays`.
    pub fn new(
        weekdays: impl IntoIterator<Item = Weekday>,
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        let mut working_weekdays = [false; 7];
        for weekday in weekdays {
            working_weekdays[weekday.num_days_from_monday() as usize] = true;
        }
        if !working_weekdays.contains(&true) {
            return Err(CalendarError::NoWorkingWeekday);
        }
        Ok(Self { working_weekdays, holidays: holidays.into_iter().collect() })
    }

    /// Monday to Friday, with `holidays`.
    pub fn monday_to_friday(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            working_weekdays: [true, true, true, true, true, false, false],
            holidays: holidays.into_iter().collect(),
        }
    }

    /// A region's calendar: this one's weekly pattern and holidays, plus its own holidays.
    pub fn for_region(&self, own_holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        let mut holidays = self.holidays.clone();
        holidays.extend(own_holidays);
        Self { working_weekdays: self.working_weekdays, holidays }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working_weekdays[date.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&date)
    }

    /// The `n`th working day after `start` (`start` itself when `n` is 0):
    /// the day by the end of which something due in `n` working days must be done.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        let mut remaining = n;
        while remaining > 0 {
            date = next_day(date);
            if self.is_working_day(date) {
                remaining -= 1;
            }
        }
        date
    }

    /// How many working days fall after `from`, up to and including `to`; 0 if `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut date = from;
        while date < to {
            date = next_day(date);
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }
}

fn next_day(date: NaiveDate) -> NaiveDate {
    // Dates are bounded far beyond any deadline; saturate rather than panic.
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

/// A clock of `budget` working days, started on a date, that stops while the
/// institution waits for the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    /// The day the clock started.
    pub started: NaiveDate,
    /// Working days allowed.
    pub budget: u32,
    /// Working days spent waiting for the citizen so far.
    pub paused_working_days: u32,
}

impl Clock {
    /// A clock of `budget` working days from `started`.
    pub fn start(started: NaiveDate, budget: u32) -> Self {
        Self { started, budget, paused_working_days: 0 }
    }

    /// The clock after a pause from `paused_on` until `resumed_on`.
    pub fn paused(self, calendar: &Calendar, paused_on: NaiveDate, resumed_on: NaiveDate) -> Self {
        let paused = calendar.working_days_between(paused_on, resumed_on);
        Self { paused_working_days: self.paused_working_days.saturating_add(paused), ..self }
    }

    /// The last day to act.
    pub fn deadline(&self, calendar: &Calendar) -> NaiveDate {
        calendar.add_working_days(self.started, self.budget.saturating_add(self.paused_working_days))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    /// Indonesia's national holidays and collective leave around Idul Fitri 2026.
    fn indonesia_march_2026() -> Calendar {
        Calendar::monday_to_friday([date(2026, 3, 19), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)])
    }

    #[test]
    fn three_working_days_skip_weekends_and_holidays() {
        let calendar = indonesia_march_2026();
        // Filed on Wednesday 18 March 2026: Thu 19, Fri 20 (holidays), the
        // weekend, Mon 23 and Tue 24 (holidays) do not count.
        assert_eq!(calendar.add_working_days(date(2026, 3, 18), 3), date(2026, 3, 27));
        assert_eq!(calendar.working_days_between(date(2026, 3, 18), date(2026, 3, 27)), 3);
        assert_eq!(calendar.add_working_days(date(2026, 3, 18), 0), date(2026, 3, 18));
    }

    #[test]
    fn a_region_adds_its_own_holidays_to_the_nations() {
        let nation = indonesia_march_2026();
        let region = nation.for_region([date(2026, 3, 25)]);
        assert!(nation.is_working_day(date(2026, 3, 25)));
        assert!(!region.is_working_day(date(2026, 3, 25)));
        assert!(!region.is_working_day(date(2026, 3, 19)), "the nation's holidays are kept");
        assert_eq!(region.add_working_days(date(2026, 3, 18), 3), date(2026, 3, 30));
    }

    #[test]
    fn a_calendar_without_working_weekdays_is_refused() {
        assert_eq!(Calendar::new([], []), Err(CalendarError::NoWorkingWeekday));
    }

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        let weekdays = proptest::collection::vec(0u8..7, 1..7);
        let holidays = proptest::collection::vec(0u32..800, 0..80);
        (weekdays, holidays).prop_map(|(weekdays, holidays)| {
            let weekdays = weekdays.into_iter().map(|d| Weekday::try_from(d).expect("0..7 is a weekday"));
            let holidays = holidays.into_iter().map(|offset| date(2026, 1, 1) + Days::new(u64::from(offset)));
            Calendar::new(weekdays, holidays).expect("at least one weekday")
        })
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0u32..700).prop_map(|offset| date(2026, 1, 1) + Days::new(u64::from(offset)))
    }

    proptest! {
        #[test]
        fn adding_n_working_days_and_counting_back_gives_n(calendar in any_calendar(), start in any_day(), n in 0u32..90) {
            let deadline = calendar.add_working_days(start, n);
            prop_assert_eq!(calendar.working_days_between(start, deadline), n);
        }

        #[test]
        fn no_deadline_falls_on_a_non_working_day(calendar in any_calendar(), start in any_day(), n in 1u32..90) {
            prop_assert!(calendar.is_working_day(calendar.add_working_days(start, n)));
        }

        #[test]
        fn a_pause_moves_the_deadline_by_exactly_the_paused_working_time(
            calendar in any_calendar(), start in any_day(), budget in 1u32..60, pause_at in 0u64..60, pause_for in 0u64..40,
        ) {
            let clock = Clock::start(start, budget);
            let paused_on = start + Days::new(pause_at);
            let resumed_on = paused_on + Days::new(pause_for);
            let paused = clock.paused(&calendar, paused_on, resumed_on);
            let moved = calendar.working_days_between(clock.deadline(&calendar), paused.deadline(&calendar));
            prop_assert_eq!(moved, calendar.working_days_between(paused_on, resumed_on));
        }

        #[test]
        fn tightening_a_clock_never_yields_a_later_deadline(
            calendar in any_calendar(), start in any_day(), budget in 0u32..60, tighter_by in 0u32..60,
        ) {
            let tighter = budget.saturating_sub(tighter_by);
            prop_assert!(calendar.add_working_days(start, tighter) <= calendar.add_working_days(start, budget));
        }
    }
}
