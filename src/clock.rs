//! Time as a dependency: the system clock in production, a hand-moved clock in tests of timers.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the Unix epoch, UTC.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(start_ms)))
    }
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Formats epoch milliseconds for people: in the city's time zone (its calendar's), to the minute, with the
/// zone's abbreviation (`2026-03-02 09:00 EST`), so staff and residents never convert from UTC.
pub fn human(calendar: &routing::Calendar, ms: i64) -> String {
    calendar.local(ms).format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::human;

    fn city(zone: &str) -> routing::CityConfig {
        let text = include_str!("../config/city.toml").replace(
            "timezone = \"America/New_York\"",
            &format!("timezone = \"{zone}\""),
        );
        routing::CityConfig::from_toml_str(&text).expect("the example city with another zone loads")
    }

    #[test]
    fn times_read_in_the_city_zone_with_its_abbreviation() {
        // 2026-03-02 14:00 UTC; 2026-07-01 14:00 UTC.
        let (winter, summer) = (1_772_460_000_000, 1_782_914_400_000);
        let ny = city("America/New_York");
        assert_eq!(human(&ny.calendar, winter), "2026-03-02 09:00 EST");
        assert_eq!(human(&ny.calendar, summer), "2026-07-01 10:00 EDT");
        let la = city("America/Los_Angeles");
        assert_eq!(human(&la.calendar, winter), "2026-03-02 06:00 PST");
        let utc = city("UTC");
        assert_eq!(human(&utc.calendar, winter), "2026-03-02 14:00 UTC");
    }
}
