//! connect311: a city's 311 desk in email and team chat. The library behind the `connect311` binary.

pub mod app;
pub mod chat_log;
pub mod city;
pub mod cli;
pub mod clock;
pub mod config;
pub mod desk;
pub mod effect;
pub mod http;
pub mod monitor;
pub mod outbox_worker;
pub mod report;
pub mod routing_model;
pub mod serve;
pub mod store;
pub mod supervise;
pub mod sweeper;
pub mod templates;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
pub mod web;
