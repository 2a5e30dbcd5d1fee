"""A gunicorn worker killed (SIGKILL) while 20 agents log interactions.

Small inside `make test`, bigger under `make chaos` (CHAOS_SIZE=full);
docs/RELIABILITY.md has the numbers of a run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date

import pytest

from bench.server import Client, serve
from tests.chaos import (
    Tally,
    assert_each_acknowledged_once,
    brokerage,
    log_in_all,
    partners_of,
    run_agents,
    sized,
    workers_of,
)

pytestmark = pytest.mark.chaos

AGENTS = 20
WORKERS = 2


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def database(request, tmp_path):
    """A SQLite file; or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        if os.environ.get("TEST_DATABASE_URL"):
            pytest.skip("SQLite's run is the SQLite run's")
        return f"sqlite:///{tmp_path / 'chaos.db'}"
    return request.getfixturevalue("empty_postgres")


def kill_workers(master: int, tally: Tally, kills: int, total: int, record: dict) -> None:
    """Kill one worker each time another share of the logs is acknowledged,
    and wait for the master to start its replacement (bounded waits)."""
    for number in range(1, kills + 1):
        wanted = total * number // (kills + 1)
        deadline = time.monotonic() + 60
        while len(tally.acknowledged) < wanted and time.monotonic() < deadline:
            time.sleep(0.02)
        before = workers_of(master)
        victim = max(before)  # the youngest: after the first kill, the replacement
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        record["killed"].append(victim)
        while time.monotonic() < killed_at + 60:
            now = workers_of(master)
            if len(now) == WORKERS and victim not in now:
                record["respawn_seconds"].append(round(time.monotonic() - killed_at, 2))
                break
            time.sleep(0.05)


def test_a_worker_killed_mid_load_loses_nothing_and_doubles_nothing(database):
    """Invariant: with a worker killed mid-request (SIGKILL, as the OOM killer
    or a crash does), every log whose answer said "logged" is stored exactly
    once; a log whose connection was cut, sent again with the same
    idempotency key, never makes a second entry; the master starts a new
    worker and every agent's logs get done. Fails on a lost or doubled log,
    any answer but "logged" (a 500, a refusal), or a worker not replaced."""
    logs_each = sized(10, 60)
    kills = sized(1, 5)
    today = date.today()
    brokerage(database, AGENTS, today)
    owned = partners_of(database, AGENTS)
    tally = Tally()
    record: dict = {"killed": [], "respawn_seconds": []}
    total = AGENTS * logs_each

    with serve(database, workers=WORKERS, today=today.isoformat()) as (base, master):
        browsers = log_in_all(base, AGENTS)
        killer = threading.Thread(
            target=kill_workers, args=(master.pid, tally, kills, total, record), daemon=True
        )
        killer.start()
        seconds = run_agents(browsers, owned, logs_each, today, tally, sized(60, 240))
        killer.join(timeout=70)
        still_answering = Client(base).get("/auth/login")[0]
        workers_after = workers_of(master.pid)

    stored = assert_each_acknowledged_once(database, tally)
    print(
        f"\nworker kill ({database.split(':')[0]}): {len(tally.acknowledged)} logged in "
        f"{seconds:.1f} s by {AGENTS} agents, {len(record['killed'])} workers killed, "
        f"replaced in {record['respawn_seconds']} s, {tally.cut} connections cut, "
        f"{tally.retried_after_cut} retries found it already logged, "
        f"{tally.unavailable} 503s, {sum(stored.values())} keyed interactions stored"
    )
    assert len(record["killed"]) == kills
    assert len(record["respawn_seconds"]) == kills, "the master did not replace a worker"
    assert len(workers_after) == WORKERS and not set(record["killed"]) & workers_after
    assert len(tally.acknowledged) == total, "the load did not finish"
    assert still_answering == 200
