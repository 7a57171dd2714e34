//! Calendar tests: business-time arithmetic across nights, weekends, holidays and DST, and `[calendar]` loading.

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::config::CityConfig;

/// Riverton's calendar: New York time, Mon–Fri 08:00–17:00, with a few 2026 holidays.
pub(crate) fn riverton() -> Calendar {
    use Weekday::*;
    Calendar::new(
        chrono_tz::America::New_York,
        &[Mon, Tue, Wed, Thu, Fri],
        hm("08:00"),
        hm("17:00"),
        ["2026-07-03", "2026-11-26", "2026-12-25"].map(date),
    )
    .unwrap()
}

pub(crate) fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

pub(crate) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// "YYYY-MM-DD HH:MM" in New York local time → UTC epoch milliseconds.
pub(crate) fn ms(s: &str) -> i64 {
    let (d, t) = s.split_once(' ').unwrap();
    riverton().instant(date(d), hm(t))
}

/// "YYYY-MM-DDTHH:MM" in UTC → epoch milliseconds.
fn utc(s: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

#[test]
fn local_times_follow_dst() {
    // EST is UTC-5, EDT is UTC-4; DST began 2026-03-08 and ended 2026-11-01.
    assert_eq!(ms("2026-03-06 16:00"), utc("2026-03-06T21:00"));
    assert_eq!(ms("2026-03-09 09:00"), utc("2026-03-09T13:00"));
    assert_eq!(ms("2026-11-02 08:00"), utc("2026-11-02T13:00"));
}

#[test]
fn adds_business_hours() {
    let cal = riverton();
    let cases = [
        (
            "2026-06-08 08:00",
            9,
            "2026-06-08 17:00",
            "a full Monday ends at closing",
        ),
        (
            "2026-06-08 08:00",
            10,
            "2026-06-09 09:00",
            "spills into Tuesday",
        ),
        (
            "2026-06-08 07:00",
            1,
            "2026-06-08 09:00",
            "before opening starts at 08:00",
        ),
        (
            "2026-06-08 18:00",
            1,
            "2026-06-09 09:00",
            "after closing starts next morning",
        ),
        (
            "2026-06-06 12:00",
            1,
            "2026-06-08 09:00",
            "Saturday starts Monday",
        ),
        (
            "2026-06-05 16:30",
            1,
            "2026-06-08 08:30",
            "Friday afternoon over the weekend",
        ),
        (
            "2026-06-08 10:00",
            45,
            "2026-06-15 10:00",
            "a working week is 45 hours",
        ),
        (
            "2026-11-25 16:00",
            2,
            "2026-11-27 09:00",
            "Thanksgiving skipped",
        ),
        (
            "2026-12-24 16:00",
            2,
            "2026-12-28 09:00",
            "Christmas Friday then the weekend",
        ),
        (
            "2026-07-02 12:00",
            9,
            "2026-07-06 12:00",
            "observed Independence Day",
        ),
        (
            "2026-03-06 16:00",
            2,
            "2026-03-09 09:00",
            "over the spring-forward weekend",
        ),
        (
            "2026-10-30 16:00",
            2,
            "2026-11-02 09:00",
            "over the fall-back weekend",
        ),
        (
            "2026-06-06 12:00",
            0,
            "2026-06-06 12:00",
            "zero hours is the start itself",
        ),
    ];
    for (start, hours, want, why) in cases {
        assert_eq!(cal.add_business_hours(ms(start), hours), ms(want), "{why}");
    }
    // The DST weekend costs nothing extra: 21:00Z Friday + 2 working hours = Monday 13:00Z (09:00 EDT).
    assert_eq!(
        cal.add_business_hours(utc("2026-03-06T21:00"), 2),
        utc("2026-03-09T13:00")
    );
}

#[test]
fn counts_business_time_between() {
    let cal = riverton();
    let h = HOUR_MS;
    let cases = [
        ("2026-06-08 08:00", "2026-06-08 17:00", 9 * h),
        ("2026-06-05 16:00", "2026-06-08 09:00", 2 * h),
        ("2026-06-06 00:00", "2026-06-07 23:59", 0),
        ("2026-06-08 17:00", "2026-06-08 08:00", 0),
        ("2026-06-08 00:00", "2026-06-15 00:00", 45 * h),
        ("2026-06-29 00:00", "2026-07-06 00:00", 36 * h),
        ("2026-06-08 12:30", "2026-06-08 12:45", h / 4),
        ("2026-03-02 00:00", "2026-03-16 00:00", 90 * h),
    ];
    for (from, to, want) in cases {
        assert_eq!(
            cal.business_ms_between(ms(from), ms(to)),
            want,
            "{from} → {to}"
        );
    }
}

#[test]
fn adding_then_measuring_round_trips() {
    let cal = riverton();
    for start in [
        "2026-06-05 16:30",
        "2026-06-08 08:00",
        "2026-03-06 10:15",
        "2026-12-23 11:00",
    ] {
        for hours in [1, 5, 9, 24, 72, 240] {
            let s = cal.next_open(ms(start));
            let due = cal.add_business_hours(s, hours);
            assert_eq!(
                cal.business_ms_between(s, due),
                i64::from(hours) * HOUR_MS,
                "{start} + {hours}"
            );
        }
    }
}

#[test]
fn open_hours_inside_a_dst_change() {
    use Weekday::*;
    let night = |open, close| {
        Calendar::new(
            chrono_tz::America::New_York,
            &[Sun],
            hm(open),
            hm(close),
            [],
        )
        .unwrap()
    };
    // 02:00 does not exist on 2026-03-08: the day opens at 03:00 EDT, so 02:00–04:00 lasts one hour.
    let spring = night("02:00", "04:00");
    assert_eq!(
        spring.business_ms_between(utc("2026-03-08T00:00"), utc("2026-03-09T00:00")),
        HOUR_MS
    );
    // 01:00 happens twice on 2026-11-01: the earlier one opens, so 01:00–03:00 EST lasts three hours.
    let fall = night("01:00", "03:00");
    assert_eq!(
        fall.business_ms_between(utc("2026-11-01T00:00"), utc("2026-11-02T00:00")),
        3 * HOUR_MS
    );
}

#[test]
fn open_and_next_open() {
    let cal = riverton();
    let cases = [
        ("2026-06-08 08:00", true, "2026-06-08 08:00"),
        ("2026-06-08 16:59", true, "2026-06-08 16:59"),
        ("2026-06-08 17:00", false, "2026-06-09 08:00"),
        ("2026-06-06 10:00", false, "2026-06-08 08:00"),
        ("2026-12-25 10:00", false, "2026-12-28 08:00"),
    ];
    for (at, open, next) in cases {
        assert_eq!(cal.is_open(ms(at)), open, "{at}");
        assert_eq!(cal.next_open(ms(at)), ms(next), "{at}");
    }
}

const CITY: &str = r#"
categories = []

[city]
name = "Testville"
timezone = "America/Chicago"
default_language = "en"

[[departments]]
id = "triage"
name = "Triage"
name_es = "Triage"
email = "triage@city.test"
chat_channel = "2"
response_hours = 1
resolution_hours = 2

[[departments]]
id = "dispatch"
name = "Dispatch"
name_es = "Despacho"
email = "dispatch@city.test"
chat_channel = "3"
response_hours = 1
resolution_hours = 2
"#;

#[test]
fn calendar_section_defaults_to_the_city_zone() {
    let cfg = CityConfig::from_toml_str(CITY).unwrap();
    assert_eq!(cfg.calendar.timezone(), chrono_tz::America::Chicago);
    assert_eq!(cfg.calendar.hours(), (hm("08:00"), hm("17:00")));
    assert!(cfg.calendar.is_working_day(date("2026-06-05")));
    assert!(!cfg.calendar.is_working_day(date("2026-06-06")));
    assert_eq!(cfg.calendar.holidays().count(), 0);

    let custom = format!(
        "{CITY}\n[calendar]\ntimezone = \"America/Denver\"\nworking_days = [\"sat\", \"sun\"]\nopen = \"09:30\"\nclose = \"12:00\"\nholidays = [\"2026-06-06\"]\n"
    );
    let cal = CityConfig::from_toml_str(&custom).unwrap().calendar;
    assert_eq!(cal.timezone(), chrono_tz::America::Denver);
    assert!(!cal.is_working_day(date("2026-06-06")), "holiday");
    assert!(cal.is_working_day(date("2026-06-07")));
    assert!(!cal.is_working_day(date("2026-06-08")));
}

#[test]
fn bad_calendar_sections_name_their_key() {
    let cases = [
        ("timezone = \"Mars/Olympus\"", "calendar.timezone"),
        ("open = \"8am\"", "calendar.open"),
        ("close = \"25:00\"", "calendar.close"),
        ("open = \"17:00\"\nclose = \"08:00\"", "calendar.close"),
        ("open = \"09:00\"\nclose = \"09:00\"", "calendar.close"),
        (
            "holidays = [\"2026-12-25\", \"2026-02-30\"]",
            "calendar.holidays[1]",
        ),
        (
            "working_days = [\"mon\", \"funday\"]",
            "calendar.working_days[1]",
        ),
        ("working_days = []", "calendar.working_days"),
    ];
    for (section, key) in cases {
        let text = format!("{CITY}\n[calendar]\n{section}\n");
        let err = CityConfig::from_toml_str(&text).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{key}:")), "{section}: {err}");
    }
    let bad_city = CITY.replace("America/Chicago", "Europe/Atlantis");
    let err = CityConfig::from_toml_str(&bad_city)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("city.timezone:"), "{err}");
}

#[test]
fn shipped_city_has_the_federal_holidays() {
    let cfg = CityConfig::from_toml_str(include_str!("../../config/city.toml")).unwrap();
    let cal = &cfg.calendar;
    assert_eq!(cal.timezone(), chrono_tz::America::New_York);
    let holidays: Vec<_> = cal.holidays().collect();
    assert_eq!(
        holidays.len(),
        23,
        "11 in 2026, 12 dates in 2027 (with New Year 2028 observed)"
    );
    for d in [
        "2026-01-01",
        "2026-07-03",
        "2026-11-26",
        "2026-12-25",
        "2027-06-18",
        "2027-07-05",
        "2027-12-24",
        "2027-12-31",
    ] {
        assert!(!cal.is_working_day(date(d)), "{d}");
    }
    assert!(
        holidays
            .iter()
            .all(|d| d.weekday().num_days_from_monday() < 5),
        "observed on weekdays"
    );
}
