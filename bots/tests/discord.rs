//! End-to-end tests of the Discord adapter against the loopback stand-in.
