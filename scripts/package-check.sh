#!/usr/bin/env bash
# Builds the Debian package, installs it with dpkg on this machine and checks the installation: the files and
# conffiles, the system user and its state directory, the unit under `systemd-analyze verify`, `--version`
# naming this checkout's commit, the installed settings passing `check-config` as the service user, and a
# read command refusing the (not yet created) database. Slow (a release build): not part of scripts/test.sh.
#
#   scripts/package-check.sh           # leaves the package installed
#   PURGE=1 scripts/package-check.sh   # and purges it at the end
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
fail() { echo "package-check: FAILED: $*" >&2; exit 1; }

step "build"
deb=$(bash scripts/package.sh)
echo "$deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

step "install: dpkg -i"
dpkg -i "$deb"
dpkg-query -W -f='${Package} ${Version} ${Status}\n' connect311

step "files and conffiles"
dpkg -L connect311 | grep -E '^/(usr/bin|etc|lib|usr/lib)/' | grep -v '/$' | sort
conffiles=$(dpkg-query -W -f='${Conffiles}\n' connect311 | awk 'NF {print $1}')
echo "$conffiles"
for f in /etc/connect311/connect311.toml /etc/connect311/city.toml /etc/connect311/templates.toml; do
    grep -qx "$f" <<<"$conffiles" || fail "$f is not a conffile"
done

step "system user and directories"
getent passwd connect311 || fail "no connect311 user"
stat -c '%n %U:%G %a' /var/lib/connect311 /etc/connect311 /etc/connect311/connect311.toml /etc/connect311/connect311.env
[ "$(stat -c %U /var/lib/connect311)" = connect311 ] || fail "/var/lib/connect311 is not owned by connect311"

step "systemd-analyze verify"
unit=$(dpkg -L connect311 | grep -E '/systemd/system/connect311\.service$' | head -n 1)
[ -n "$unit" ] || fail "the package has no connect311.service"
echo "$unit"
systemd-analyze verify "$unit"
echo "verify: ok"
systemd-analyze security --offline=yes "$unit" 2>/dev/null | tail -n 1 || true

step "connect311 --version"
version=$(/usr/bin/connect311 --version)
echo "$version"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "${CONNECT311_COMMIT:-}")
[ -z "$commit" ] || grep -q "(commit $commit)" <<<"$version" || fail "--version does not name commit $commit"

step "check-config of the installed settings (as the service user)"
runuser -u connect311 -- /usr/bin/connect311 check-config /etc/connect311/connect311.toml

step "a read command on the fresh installation refuses the missing database"
set +e
runuser -u connect311 -- /usr/bin/connect311 --config /etc/connect311/connect311.toml request list
code=$?
set -e
[ "$code" = 2 ] || fail "request list exited $code, not 2"
[ ! -e /var/lib/connect311/connect311.db ] || fail "request list created a database"
echo "exit $code, no database created"

if [ "${PURGE:-0}" = 1 ]; then
    step "purge"
    dpkg --purge connect311
fi
step "package-check: all good"
