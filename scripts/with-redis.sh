#!/usr/bin/env bash
# Runs a command against a throwaway Redis server:
#   scripts/with-redis.sh .venv/bin/python -m pytest tests/test_jobs.py tests/test_outbox.py
# starts `redis-server` on 127.0.0.1 on a free port, in the foreground of a
# background job with nothing saved to disk, exports REDIS_URL for the
# command, then stops the server, whatever happens. When redis-server is
# missing, CI (CI=true) fails; elsewhere the run is skipped with the reason.
set -euo pipefail

say() { echo "with-redis: $*" >&2; }
unavailable() {
  say "Redis is not available: $*"
  if [ "${CI:-}" = "true" ]; then
    say "FAILED: CI needs the Redis run (install the Debian package 'redis-server')."
    exit 1
  fi
  say "skipping the Redis run here (it is required in CI)."
  exit 0
}

[ $# -gt 0 ] || { say "usage: $0 COMMAND [ARGS...]"; exit 2; }
command -v redis-server >/dev/null 2>&1 || unavailable "no redis-server in PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/partnerplan-redis.XXXXXX")"
server=""
cleanup() {
  local rc=$?
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$work" >"$work/server.log" 2>&1 &
server=$!

# Ready when it answers PING (redis-cli may be missing: ask over a socket).
for _ in $(seq 50); do
  if python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; unavailable "the server did not start"; }
  sleep 0.1
done

export REDIS_URL="redis://127.0.0.1:$port/0"
say "$(redis-server --version | cut -d' ' -f1-3) on 127.0.0.1:$port"
set +e
"$@"
rc=$?
set -e
exit $rc
