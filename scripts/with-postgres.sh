#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster:
#   scripts/with-postgres.sh .venv/bin/python -m pytest -m "not browser"
# initdb's a cluster in a temporary directory, starts it on 127.0.0.1 on a free
# port, creates a database, exports TEST_DATABASE_URL (and DATABASE_URL) for
# the command, then stops the server and removes everything, whatever happens.
# The cluster's steps are scripts/pg-cluster.sh's (root runs the server as the
# `postgres` system user). When PostgreSQL cannot start, CI (CI=true) fails
# with the reason; elsewhere the run is skipped with the same message.
#
# PG_DURABLE=1 keeps durability as PostgreSQL ships it (fsync, synchronous_commit
# and full_page_writes on), for benchmarks; the tests' cluster turns them off.
# PG_REQUIRED=1 fails, as CI does, instead of skipping when PostgreSQL cannot run.
set -euo pipefail

say() { echo "with-postgres: $*" >&2; }
unavailable() {
  say "PostgreSQL is not available ($*)"
  if [ "${CI:-}" = "true" ] || [ "${PG_REQUIRED:-}" = 1 ]; then
    say "FAILED: this run needs PostgreSQL (install the Debian package 'postgresql')."
    exit 1
  fi
  say "skipping the PostgreSQL run here (it is required in CI)."
  exit 0
}

[ $# -gt 0 ] || { say "usage: $0 COMMAND [ARGS...]"; exit 2; }
cluster="$(cd "$(dirname "$0")" && pwd)/pg-cluster.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/partnerplan-pg.XXXXXX")"
cleanup() {
  local rc=$?
  bash "$cluster" destroy "$work" || true
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

url="$(bash "$cluster" create "$work")" || unavailable "see the reason above"

export TEST_DATABASE_URL="$url"
export DATABASE_URL="$TEST_DATABASE_URL"
set +e
"$@"
rc=$?
set -e
exit $rc
