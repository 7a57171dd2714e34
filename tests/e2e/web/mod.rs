//! The web pages over real HTTP: the public dashboard's figures against a hand-computed fixture, its languages,
//! what it never shows and its CSV; the resident's status page (its link in every email, its key, its language,
//! what it leaves out, its forms) on both stores; and both in a real headless browser.

mod dashboard;
mod dashboard_browser;
mod dashboard_fixture;
mod status;
mod status_browser;
mod status_forms;
