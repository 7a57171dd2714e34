//! The public web pages over real HTTP: the dashboard's figures against a hand-computed fixture on both
//! stores, its languages, what it never shows, its CSV, and the page in a real headless chromium.

mod dashboard;
mod dashboard_browser;
mod dashboard_fixture;
