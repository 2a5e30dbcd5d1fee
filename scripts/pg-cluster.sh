#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a directory of its own, on 127.0.0.1:
#   scripts/pg-cluster.sh create DIR   initdb, start on a free port, create the
#                                      database; prints its URL (postgresql://...)
#   scripts/pg-cluster.sh stop DIR     stop it (-m fast: sessions are cut), data kept
#   scripts/pg-cluster.sh start DIR    start it again, on the same port
#   scripts/pg-cluster.sh destroy DIR  stop it at once and remove DIR
# scripts/with-postgres.sh runs the test suite on one; the PostgreSQL restart
# test (tests/test_chaos_postgres.py) makes its own, so as to stop and start it.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` system user (created by Debian's package), or to a system user
# made for the purpose. When PostgreSQL cannot be had, exits 3 with the reason.
#
# PG_DURABLE=1 keeps durability as PostgreSQL ships it (fsync, synchronous_commit
# and full_page_writes on), for benchmarks; the tests' clusters turn them off.
set -euo pipefail

say() { echo "pg-cluster: $*" >&2; }
unavailable() { say "PostgreSQL is not available: $*"; exit 3; }

[ $# -eq 2 ] || { say "usage: $0 create|stop|start|destroy DIR"; exit 2; }
action="$1"
work="$2"
data="$work/data"
log="$work/server.log"

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

start() {
  local port
  port="$(cat "$work/port")"
  # A throwaway cluster: loopback only, socket in DIR; durability off for speed
  # unless PG_DURABLE=1 (a benchmark measures the server as it ships).
  local durability="-F -c full_page_writes=off -c synchronous_commit=off"
  [ "${PG_DURABLE:-}" = 1 ] && durability=""
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $work $durability -c max_connections=100" \
    start >/dev/null || { cat "$log" >&2 || true; unavailable "the server did not start"; }
}

case "$action" in
  create)
    mkdir -p "$work"
    chmod 755 "$work"
    [ ${#as_pg[@]} -eq 0 ] || chown "$pg_user" "$work"
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
      >"$work/port"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; unavailable "initdb failed"; }
    start
    port="$(cat "$work/port")"
    "${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc \
      "CREATE DATABASE partnerplan_test" >&2 || unavailable "could not create the test database"
    say "$("$pg_bin/pg_ctl" --version) on 127.0.0.1:$port"
    echo "postgresql://postgres@127.0.0.1:$port/partnerplan_test"
    ;;
  start)
    start
    ;;
  stop)
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    ;;
  destroy)
    if [ -f "$data/postmaster.pid" ]; then
      "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    ;;
  *)
    say "usage: $0 create|stop|start|destroy DIR"
    exit 2
    ;;
esac
