//! The web pages over real HTTP: the resident's status page (its link in every email, its key, its language,
//! what it leaves out, its forms) on both stores, and the resident's whole journey in a real headless browser.

mod status;
mod status_browser;
mod status_forms;
