//! `[http.dashboard]`: the public dashboard's period and list page size.

use anyhow::{bail, Result};
use serde::Deserialize;

/// Bounds of `window_days`: a week to a little over a year.
pub const WINDOW_DAYS: std::ops::RangeInclusive<u32> = 7..=400;
/// Bounds of `page_size`.
pub const PAGE_SIZE: std::ops::RangeInclusive<u32> = 5..=200;

/// How much the dashboard shows.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DashboardSettings {
    /// The figures cover the requests received in the last this many days.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// Requests per page of the recent-requests list.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

fn default_window_days() -> u32 {
    90
}

fn default_page_size() -> u32 {
    25
}

impl Default for DashboardSettings {
    fn default() -> Self {
        Self {
            window_days: default_window_days(),
            page_size: default_page_size(),
        }
    }
}

impl DashboardSettings {
    /// Both values inside their bounds.
    pub fn validate(&self) -> Result<()> {
        if !WINDOW_DAYS.contains(&self.window_days) {
            bail!(
                "http.dashboard.window_days: {} is outside {}–{} days",
                self.window_days,
                WINDOW_DAYS.start(),
                WINDOW_DAYS.end()
            );
        }
        if !PAGE_SIZE.contains(&self.page_size) {
            bail!(
                "http.dashboard.page_size: {} is outside {}–{}",
                self.page_size,
                PAGE_SIZE.start(),
                PAGE_SIZE.end()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn parse(body: &str) -> Result<Settings> {
        Settings::from_toml_str(&format!("[http]\n[http.dashboard]\n{body}\n"))
    }

    #[test]
    fn defaults_then_bounds_then_unknown_keys() {
        let s = Settings::from_toml_str("[http]\n").unwrap();
        assert_eq!(s.http.unwrap().dashboard, DashboardSettings::default());
        let s = parse("window_days = 30").unwrap();
        assert_eq!(
            s.http.unwrap().dashboard,
            DashboardSettings {
                window_days: 30,
                page_size: 25
            }
        );
        for (body, says) in [
            (
                "window_days = 0",
                "http.dashboard.window_days: 0 is outside 7–400 days",
            ),
            ("window_days = 401", "http.dashboard.window_days"),
            (
                "page_size = 1000",
                "http.dashboard.page_size: 1000 is outside 5–200",
            ),
            ("colour = \"red\"", "colour"),
        ] {
            let e = format!("{:#}", parse(body).unwrap_err());
            assert!(e.contains(says), "{body}: {e}");
        }
    }
}
