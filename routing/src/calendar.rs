//! The city's working calendar — time zone, working days, opening hours and holidays — and the business-time
//! arithmetic every SLA figure is built on. Instants are UTC epoch milliseconds; days are the city's local days.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Weekday,
};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::config::ConfigError;

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a (wall-clock) day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Walking more local days than this (about 270 years) means the input is absurd; the walk stops there.
const MAX_DAYS_WALKED: i64 = 100_000;

/// `[calendar]` as written in the city file; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CalendarSpec {
    /// IANA zone; the city's `timezone` when absent.
    timezone: Option<String>,
    working_days: Vec<String>,
    open: String,
    close: String,
    holidays: Vec<String>,
}

impl Default for CalendarSpec {
    fn default() -> Self {
        CalendarSpec {
            timezone: None,
            working_days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            open: "08:00".into(),
            close: "17:00".into(),
            holidays: Vec::new(),
        }
    }
}

impl CalendarSpec {
    /// Checks and compiles the section; `city_timezone` fills in a missing `timezone`.
    pub(crate) fn compile(&self, city_timezone: &str) -> Result<Calendar, ConfigError> {
        let invalid = |key: String, reason: String| ConfigError::Invalid { key, reason };
        let (tz_key, tz_name) = match &self.timezone {
            Some(tz) => ("calendar.timezone", tz.as_str()),
            None => ("city.timezone", city_timezone),
        };
        let tz: Tz = tz_name.parse().map_err(|_| {
            invalid(
                tz_key.into(),
                format!("`{tz_name}` is not an IANA time zone"),
            )
        })?;
        let mut days = Vec::new();
        for (i, d) in self.working_days.iter().enumerate() {
            let day = d.trim().parse::<Weekday>().map_err(|_| {
                invalid(
                    format!("calendar.working_days[{i}]"),
                    format!("`{d}` is not a weekday (mon..sun)"),
                )
            })?;
            days.push(day);
        }
        let time = |key: &str, s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
                invalid(
                    format!("calendar.{key}"),
                    format!("`{s}` is not a time of day (HH:MM)"),
                )
            })
        };
        let (open, close) = (time("open", &self.open)?, time("close", &self.close)?);
        let mut holidays = Vec::new();
        for (i, h) in self.holidays.iter().enumerate() {
            let date = NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d").map_err(|_| {
                invalid(
                    format!("calendar.holidays[{i}]"),
                    format!("`{h}` is not a date (YYYY-MM-DD)"),
                )
            })?;
            holidays.push(date);
        }
        Calendar::new(tz, &days, open, close, holidays)
    }
}

/// When the city works: the business-hours clock for SLA targets, reminders and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    tz: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    working: [bool; 7],
    open: NaiveTime,
    close: NaiveTime,
    holidays: BTreeSet<NaiveDate>,
}

impl Default for Calendar {
    /// Monday to Friday, 08:00–17:00 UTC, no holidays. (A loaded city config uses the city's zone.)
    fn default() -> Self {
        CalendarSpec::default()
            .compile("UTC")
            .expect("the default calendar is valid")
    }
}

impl Calendar {
    /// A calendar from parts; needs at least one working day and `close` after `open`.
    pub fn new(
        tz: Tz,
        working_days: &[Weekday],
        open: NaiveTime,
        close: NaiveTime,
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Calendar, ConfigError> {
        if working_days.is_empty() {
            return Err(ConfigError::Invalid {
                key: "calendar.working_days".into(),
                reason: "needs at least one working day".into(),
            });
        }
        if close <= open {
            return Err(ConfigError::Invalid {
                key: "calendar.close".into(),
                reason: format!("closing time {close} must be after opening time {open}"),
            });
        }
        let mut working = [false; 7];
        for d in working_days {
            working[d.num_days_from_monday() as usize] = true;
        }
        Ok(Calendar {
            tz,
            working,
            open,
            close,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// The city's time zone.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// Opening and closing time of a working day.
    pub fn hours(&self) -> (NaiveTime, NaiveTime) {
        (self.open, self.close)
    }

    /// The configured holidays, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// Whether the city works on this local date (a working weekday that is not a holiday).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working[date.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains(&date)
    }

    /// The city's local date at an instant.
    pub fn local_date(&self, ms: i64) -> NaiveDate {
        self.local(ms).date_naive()
    }

    /// The instant as a date-time in the city's zone (out-of-range input clamps to the epoch).
    pub fn local(&self, ms: i64) -> DateTime<Tz> {
        DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&self.tz)
    }

    /// The UTC instant of a local wall time; in a DST gap the first instant after it, in an overlap the earlier.
    pub fn instant(&self, date: NaiveDate, time: NaiveTime) -> i64 {
        let mut local = NaiveDateTime::new(date, time);
        for _ in 0..(4 * 24) {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    return t.timestamp_millis()
                }
                LocalResult::None => local += Duration::minutes(15),
            }
        }
        local.and_utc().timestamp_millis()
    }

    /// The working interval `[open, close)` of a local date, as UTC instants, or `None` on a day off.
    pub fn working_interval(&self, date: NaiveDate) -> Option<(i64, i64)> {
        self.is_working_day(date).then(|| {
            (
                self.instant(date, self.open),
                self.instant(date, self.close),
            )
        })
    }

    /// Whether the city is working at this instant.
    pub fn is_open(&self, ms: i64) -> bool {
        self.working_interval(self.local_date(ms))
            .is_some_and(|(a, b)| a <= ms && ms < b)
    }

    /// `ms` itself during working hours, else the next opening.
    pub fn next_open(&self, ms: i64) -> i64 {
        let mut date = self.local_date(ms);
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((a, b)) = self.working_interval(date) {
                if ms < b {
                    return ms.max(a);
                }
            }
            date = date.succ_opt().unwrap_or(date);
        }
        ms
    }

    /// The instant when `business_ms` of working time have passed after `start_ms`; a start outside working
    /// hours begins counting at the next opening. Zero (or less) returns `start_ms` unchanged.
    pub fn add_business_ms(&self, start_ms: i64, business_ms: i64) -> i64 {
        if business_ms <= 0 {
            return start_ms;
        }
        let mut remaining = business_ms;
        let mut date = self.local_date(start_ms);
        let mut last = start_ms;
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((a, b)) = self.working_interval(date) {
                let s = a.max(start_ms);
                if s < b {
                    if remaining <= b - s {
                        return s + remaining;
                    }
                    remaining -= b - s;
                    last = b;
                }
            }
            date = date.succ_opt().unwrap_or(date);
        }
        last
    }

    /// The due time `hours` business hours after `start_ms` (see [`Calendar::add_business_ms`]).
    pub fn add_business_hours(&self, start_ms: i64, hours: u32) -> i64 {
        self.add_business_ms(start_ms, i64::from(hours) * HOUR_MS)
    }

    /// Working milliseconds between two instants (zero when `to_ms <= from_ms`).
    pub fn business_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let (mut date, end) = (self.local_date(from_ms), self.local_date(to_ms));
        let mut total = 0;
        for _ in 0..MAX_DAYS_WALKED {
            if let Some((a, b)) = self.working_interval(date) {
                total += (b.min(to_ms) - a.max(from_ms)).max(0);
            }
            if date >= end {
                break;
            }
            date = date.succ_opt().unwrap_or(end);
        }
        total
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
pub(crate) mod tests;
