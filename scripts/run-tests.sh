#!/usr/bin/env bash
# The whole suite, as `make test` runs it:
#   1. on SQLite, browser tests included (they run once, against SQLite);
#   2. on a throwaway PostgreSQL server, everything but the browser tests;
#   3. the job, outbox and health tests again with Huey on a throwaway Redis
#      server (REDIS_URL), so that a worker process is seen running on Redis
#      too, and /healthz is seen reaching it.
# Any failure fails the run; pytest's "no tests collected" (exit 5) is a
# failure too, since a run that tested nothing proves nothing.
# Extra pytest arguments: PYTEST_ARGS="-x -k partner" make test
set -uo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
args=(${PYTEST_ARGS:-})
failed=()

run() {
  local name="$1"
  shift
  echo "=== $name"
  "$@"
  local rc=$?
  if [ $rc -ne 0 ]; then
    [ $rc -eq 5 ] && echo "=== $name: no tests were collected (counts as a failure)"
    failed+=("$name (exit $rc)")
  fi
}

run "SQLite + browser" "$python" -m pytest -m "not postgres" "${args[@]}"
run "PostgreSQL" bash scripts/with-postgres.sh "$python" -m pytest -m "not browser" "${args[@]}"
run "Redis" bash scripts/with-redis.sh "$python" -m pytest tests/test_jobs.py tests/test_outbox.py tests/test_healthz.py "${args[@]}"

if [ ${#failed[@]} -gt 0 ]; then
  echo "=== FAILED: ${failed[*]}"
  exit 1
fi
echo "=== all test runs passed"
