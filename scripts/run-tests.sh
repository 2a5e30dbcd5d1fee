#!/usr/bin/env bash
# The whole suite, as `make test` runs it:
#   1. on SQLite, browser tests included (they run once, against SQLite);
#   2. on a throwaway PostgreSQL server, everything but the browser tests;
#   3. the job, outbox and health tests again with Huey on a throwaway Redis
#      server (REDIS_URL), so that a worker process is seen running on Redis
#      too, and /healthz is seen reaching it.
# Runs 1 and 2 go side by side (each is mostly one busy process, and a
# machine has two cores or more); run 2 writes to a log shown when it ends.
# TEST_RUNS_IN_TURN=1 runs them one after the other instead.
# Any failure fails the run; pytest's "no tests collected" (exit 5) is a
# failure too, since a run that tested nothing proves nothing.
# Extra pytest arguments: PYTEST_ARGS="-x -k partner" make test
set -uo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
args=(${PYTEST_ARGS:-})
failed=()
work="$(mktemp -d "${TMPDIR:-/tmp}/partnerplan-tests.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Each run has an instance directory of its own (job queue file, keys).
instance() { mkdir -p "$work/$1" && echo "$work/$1"; }

verdict() {
  local name="$1" rc="$2"
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 5 ] && echo "=== $name: no tests were collected (counts as a failure)"
    failed+=("$name (exit $rc)")
  fi
}

run() {
  local name="$1"
  shift
  echo "=== $name"
  "$@"
  verdict "$name" $?
}

sqlite_run() {
  PARTNERPLAN_INSTANCE="$(instance sqlite)" "$python" -m pytest -m "not postgres" "${args[@]}"
}
postgres_run() {
  PARTNERPLAN_INSTANCE="$(instance postgres)" \
    bash scripts/with-postgres.sh "$python" -m pytest -m "not browser" "${args[@]}"
}

if [ -n "${TEST_RUNS_IN_TURN:-}" ]; then
  run "SQLite + browser" sqlite_run
  run "PostgreSQL" postgres_run
else
  echo "=== PostgreSQL (beside the SQLite run; its output follows that run's)"
  postgres_run >"$work/postgres.log" 2>&1 &
  postgres=$!
  run "SQLite + browser" sqlite_run
  wait "$postgres"
  rc=$?
  echo "=== PostgreSQL"
  cat "$work/postgres.log"
  verdict "PostgreSQL" $rc
fi
run "Redis" env PARTNERPLAN_INSTANCE="$(instance redis)" \
  bash scripts/with-redis.sh "$python" -m pytest tests/test_jobs.py tests/test_outbox.py tests/test_healthz.py "${args[@]}"

if [ ${#failed[@]} -gt 0 ]; then
  echo "=== FAILED: ${failed[*]}"
  exit 1
fi
echo "=== all test runs passed"
