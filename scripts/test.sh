#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs and starts what the tests talk to (Postfix + Dovecot on
# loopback, PostgreSQL, headless chromium for the page tests), checks formatting and lints, then runs every test
# of every crate.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== services"
bash scripts/mailserver.sh
bash scripts/postgres.sh
bash scripts/browser.sh
export CONNECT311_TEST_PG="${CONNECT311_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
# Earlier runs' databases (a test makes one per PostgreSQL store, a bench one per run) are of no use now:
# dropped, except one still in use (DROP DATABASE refuses it), so the machine's disk does not fill run by run.
psql "$CONNECT311_TEST_PG" -Atqc "SELECT datname FROM pg_database WHERE datname ~ '^(c311|bench)_'" |
  while read -r db; do psql "$CONNECT311_TEST_PG" -qc "DROP DATABASE \"$db\"" >/dev/null 2>&1 || true; done

# Two cores: keep the build and the tests from starving the mail servers.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== format"
cargo fmt --all -- --check

echo "== lints"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== tests"
cargo test --workspace --all-features --locked --no-fail-fast -- --test-threads=2
