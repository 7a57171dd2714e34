//! The service's integration tests as one binary (one link instead of fifteen): each module is one journey or
//! contract, run against the real parts — Dovecot and Postfix, SQLite and PostgreSQL, the Discord stand-in.

mod support;

mod cli;
mod cli_city_time;
mod cli_logs;
mod cli_ops;
mod cli_outbox;
mod cli_quarantine;
mod cli_requests;
mod cli_routing;
#[macro_use]
mod desk;
mod dept_email;
mod desk_atomic;
mod discord_digest;
mod discord_e2e;
mod discord_formatting_e2e;
mod discord_outbox_lanes;
mod discord_replay;
mod email_e2e;
mod http_api;
mod inbox_leader;
mod internal_e2e;
mod lifecycle_e2e;
mod mail_providers;
mod malformed_mail;
mod open311;
mod outbox_batch;
mod outbox_delivery;
mod outbox_workers;
mod photos;
mod readiness;
mod report_figures;
mod serve_embedded;
mod shipped_config;
mod store_contract;
mod supervision;
mod web;
