//! End-to-end tests of the Discord adapter against the loopback stand-in: serenity talks real
//! REST and gateway to it, and a small recording handler plays the service. Every test runs
//! under a timeout, since serenity falls back to the real gateway when the stand-in is unreachable.

mod cards;
mod deadlines;
mod dms;
mod files;
mod harness;
mod history;
mod interactions;
mod limits;
mod members;
mod outages;
mod within_limits;
