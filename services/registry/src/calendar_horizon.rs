//! How far ahead the registry's calendar knows its holidays, and the warning to
//! give at start when it is about to run out.

use chrono::{Datelike as _, NaiveDate};

use crate::Registry;

/// A calendar that ends within this many days draws a warning. Indonesia's
/// decree for a year (SKB 3 Menteri) usually comes out in the second half of
/// the year before, so 90 days leaves an administrator time to enter it.
pub const CALENDAR_WARNING_DAYS: i64 = 90;

/// A warning for the operators when the registry's national holidays end
/// within [`CALENDAR_WARNING_DAYS`] of `today` (or have ended, or were never
/// given): past the last year with holidays, every weekday counts as a
/// working day and deadlines fall on holidays. `None` while the calendar
/// reaches far enough.
pub fn calendar_warning(registry: &Registry, today: NaiveDate) -> Option<String> {
    // Only national holidays count: a regional one says nothing about whether
    // the rest of the country's year was entered.
    let last_year = registry
        .document()
        .calendar
        .as_ref()
        .and_then(|calendar| calendar.holiday.iter().filter(|h| h.region.is_none()).map(|h| h.date.year()).max());
    let Some(last_year) = last_year else {
        return Some(
            "the registry's calendar has no national holidays: every weekday counts as a working day; \
             add the holidays through the registry's admin API"
                .to_owned(),
        );
    };
    // The decrees are made year by year, so the calendar covers the whole of
    // its last year and runs out on the 1st of January after it.
    let runs_out = NaiveDate::from_ymd_opt(last_year.saturating_add(1), 1, 1)?;
    let days_left = (runs_out - today).num_days();
    if days_left > CALENDAR_WARNING_DAYS {
        return None;
    }
    let next = last_year.saturating_add(1);
    let when = match days_left {
        ..=0 => format!("ran out {} day(s) ago, on {runs_out}", -days_left),
        1 => format!("runs out tomorrow, {runs_out}"),
        _ => format!("runs out in {days_left} days, on {runs_out}"),
    };
    Some(format!(
        "the registry's calendar has national holidays up to {last_year} only and {when}: from then on every \
         weekday counts as a working day and deadlines may fall on holidays; add the holidays of {next} \
         through the registry's admin API once they are decreed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn registry(holidays: &str) -> Registry {
        let text = format!(
            r#"
            version = 1
            national_verifier = "nv"
            [[institution]]
            id = "nv"
            name = "National verifier"
            level = "national"
            [[region]]
            code = "32"
            name = "Jawa Barat"
            [calendar]
            working_days = ["mon", "tue", "wed", "thu", "fri"]
            {holidays}
            "#
        );
        Registry::parse("test.toml", &text).unwrap_or_else(|error| panic!("{error}"))
    }

    const UP_TO_2027: &str = r#"holiday = [
        { date = "2026-01-01", name = "Tahun Baru 2026 Masehi" },
        { date = "2027-12-25", name = "Kelahiran Yesus Kristus" },
        { date = "2028-03-01", name = "A provincial day", region = "32" },
    ]"#;

    #[test]
    fn quiet_while_more_than_90_days_are_left() {
        let registry = registry(UP_TO_2027);
        assert_eq!(calendar_warning(&registry, date(2026, 11, 29)), None);
        // 1 January 2028 is 92 days after 1 October 2027.
        assert_eq!(calendar_warning(&registry, date(2027, 10, 1)), None);
        assert_eq!(calendar_warning(&registry, date(2027, 10, 2)), None, "91 days left");
    }

    #[test]
    fn warns_within_90_days_naming_the_last_year_and_the_days_left() {
        let registry = registry(UP_TO_2027);
        let warning = calendar_warning(&registry, date(2027, 10, 3)).expect("90 days left");
        assert!(warning.contains("up to 2027"), "{warning}");
        assert!(warning.contains("in 90 days, on 2028-01-01"), "{warning}");
        assert!(warning.contains("holidays of 2028"), "{warning}");
        let warning = calendar_warning(&registry, date(2027, 12, 31)).expect("one day left");
        assert!(warning.contains("runs out tomorrow"), "{warning}");
    }

    #[test]
    fn warns_when_the_calendar_has_run_out() {
        let registry = registry(UP_TO_2027);
        let warning = calendar_warning(&registry, date(2028, 1, 1)).expect("ran out today");
        assert!(warning.contains("ran out 0 day(s) ago"), "{warning}");
        let warning = calendar_warning(&registry, date(2028, 2, 1)).expect("ran out a month ago");
        assert!(warning.contains("ran out 31 day(s) ago"), "{warning}");
    }

    #[test]
    fn a_regional_holiday_does_not_extend_the_calendar() {
        // The provincial day in 2028 above is not a 2028 calendar.
        let registry = registry(UP_TO_2027);
        assert!(calendar_warning(&registry, date(2027, 12, 1)).is_some());
    }

    #[test]
    fn warns_when_there_are_no_holidays_at_all() {
        for holidays in ["", "holiday = []"] {
            let warning = calendar_warning(&registry(holidays), date(2026, 6, 1)).expect("nothing to go on");
            assert!(warning.contains("no national holidays"), "{warning}");
        }
        let no_calendar = Registry::demo();
        assert!(calendar_warning(&no_calendar, date(2026, 6, 1)).is_some());
    }
}
