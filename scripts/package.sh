#!/usr/bin/env bash
# Builds the Debian package: cargo-deb (installed with `cargo install cargo-deb --locked` when missing) over
# the `deb` profile (release optimisation, no fat LTO). Prints the path of the .deb it made.
#
#   scripts/package.sh            # target dir: $CARGO_TARGET_DIR or ./target
#   CONNECT311_COMMIT=abc1234 scripts/package.sh   # outside a git checkout: the commit --version names
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0   # rust-version 1.85
if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    echo "package: installing cargo-deb $CARGO_DEB_VERSION" >&2
    cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked >&2
fi

target_dir="${CARGO_TARGET_DIR:-target}"
echo "package: building (profile deb, target dir $target_dir)" >&2
# cargo-deb builds the binary with the profile named in [package.metadata.deb] and strips it.
out=$(cargo deb --locked --profile deb --output "$target_dir/debian/" "$@" | tail -n 1)
if [ ! -f "$out" ]; then
    echo "package: cargo deb did not report a package (got: $out)" >&2
    exit 1
fi
echo "$out"
