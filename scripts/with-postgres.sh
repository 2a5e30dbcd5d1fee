#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster:
#   scripts/with-postgres.sh .venv/bin/python -m pytest -m "not browser"
# initdb's a cluster in a temporary directory, starts it on 127.0.0.1 on a free
# port, creates a database, exports TEST_DATABASE_URL (and DATABASE_URL) for
# the command, then stops the server and removes everything, whatever happens.
#
# PG_DURABLE=1 keeps durability as PostgreSQL ships it (fsync, synchronous_commit
# and full_page_writes on), for benchmarks; the tests' cluster turns them off.
# PG_REQUIRED=1 fails, as CI does, instead of skipping when PostgreSQL cannot run.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` system user (created by Debian's package), or to a system user
# made for the purpose. When PostgreSQL cannot start, CI (CI=true) fails with
# the reason; elsewhere the run is skipped with the same message.
set -euo pipefail

say() { echo "with-postgres: $*" >&2; }
unavailable() {
  say "PostgreSQL is not available: $*"
  if [ "${CI:-}" = "true" ] || [ "${PG_REQUIRED:-}" = 1 ]; then
    say "FAILED: this run needs PostgreSQL (install the Debian package 'postgresql')."
    exit 1
  fi
  say "skipping the PostgreSQL run here (it is required in CI)."
  exit 0
}

[ $# -gt 0 ] || { say "usage: $0 COMMAND [ARGS...]"; exit 2; }

pg_bin="${PG_BIN:-}"
if [ -z "$pg_bin" ]; then
  # Debian keeps the server binaries out of PATH; prefer them to any wrapper.
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
    pg_bin="$(dirname "$(command -v initdb)")"
  fi
fi
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] && [ -x "$pg_bin/psql" ] \
  || unavailable "no initdb/pg_ctl found (looked in PATH and /usr/lib/postgresql/*/bin)"

# Who runs the server: ourselves, or an unprivileged user when we are root.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  pg_user=postgres
  if ! id "$pg_user" >/dev/null 2>&1; then
    pg_user=partnerplan-pg
    id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user" \
      || unavailable "running as root and could not create a user for the server"
  fi
  as_pg=(runuser -u "$pg_user" --)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/partnerplan-pg.XXXXXX")"
chmod 755 "$work"
[ ${#as_pg[@]} -eq 0 ] || chown "$pg_user" "$work"
data="$work/data"
log="$work/server.log"

cleanup() {
  local rc=$?
  if [ -f "$data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

"${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; unavailable "initdb failed"; }

# A throwaway cluster: loopback only, socket in the temp dir; durability off for
# speed unless PG_DURABLE=1 (a benchmark measures the server as it ships).
durability="-F -c full_page_writes=off -c synchronous_commit=off"
[ "${PG_DURABLE:-}" = 1 ] && durability=""
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $work $durability -c max_connections=100" \
  start >/dev/null || { cat "$log" >&2 || true; unavailable "the server did not start"; }

"${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc \
  "CREATE DATABASE partnerplan_test" || unavailable "could not create the test database"

export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/partnerplan_test"
export DATABASE_URL="$TEST_DATABASE_URL"
say "$("$pg_bin/pg_ctl" --version) on 127.0.0.1:$port"
set +e
"$@"
rc=$?
set -e
exit $rc
