#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for local test databases:
# installs Debian's postgresql when missing, starts the cluster when stopped. Idempotent.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
can_login() { psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres.sh: installing postgresql from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "postgres.sh: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi

if ! ready; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null >/dev/null 2>&1 || \
    pg_ctlcluster "$version" main start </dev/null >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do ready && break; sleep 0.2; done
fi
ready || { echo "postgres.sh: PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }

if ! can_login; then
  # A fresh Debian cluster asks for passwords on TCP: the tests use trust on loopback only.
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^# connect311 test access' "$hba"; then
    tmp=$(mktemp)
    { echo '# connect311 test access'; echo 'host all all 127.0.0.1/32 trust'; echo 'host all all ::1/128 trust'; cat "$hba"; } > "$tmp"
    cat "$tmp" > "$hba"; rm -f "$tmp"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload </dev/null >/dev/null 2>&1 || \
    pg_ctlcluster "$version" main reload </dev/null >/dev/null 2>&1 || true
  sleep 1
fi
can_login || { echo "postgres.sh: cannot log in as postgres on 127.0.0.1:5432" >&2; exit 1; }
echo "postgres.sh: PostgreSQL $version ready on 127.0.0.1:5432"
