"""PostgreSQL stopped and started again while agents log and pages are read.

The server is a throwaway cluster of the test's own (scripts/pg-cluster.sh),
never the one the rest of the PostgreSQL run shares. Small inside `make test`
(a 3 s outage), under `make chaos` (CHAOS_SIZE=full) a 10 s one;
docs/RELIABILITY.md has the numbers of a run.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bench.generate import PASSWORD, agent_email
from bench.server import ROOT, serve
from config import Config, database_url
from tests.chaos import (
    CUT,
    Browser,
    Tally,
    assert_each_acknowledged_once,
    brokerage,
    log_in_all,
    partners_of,
    run_agents,
    sized,
    workers_of,
)

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

CLUSTER = ROOT / "scripts" / "pg-cluster.sh"
GONE = "The database is not answering; try again in a moment."


@pytest.fixture
def own_cluster():
    """(url, control): a PostgreSQL cluster of this test's own; control("stop")
    and control("start") stop it (fast: sessions cut) and start it again."""
    work = Path(tempfile.mkdtemp(prefix="partnerplan-pgchaos-"))

    def control(action: str) -> None:
        subprocess.run(["bash", str(CLUSTER), action, str(work)], check=True, timeout=90)

    made = subprocess.run(
        ["bash", str(CLUSTER), "create", str(work)], capture_output=True, text=True, timeout=120
    )
    try:
        if made.returncode == 3 and os.environ.get("CI") != "true":
            pytest.skip(f"no PostgreSQL server to restart here: {made.stderr.strip()}")
        assert made.returncode == 0, made.stderr
        yield made.stdout.strip(), control
    finally:
        subprocess.run(["bash", str(CLUSTER), "destroy", str(work)], timeout=90)


def api_token(url: str) -> str:
    """A read token of the first agent, as its Settings page would issue it."""
    import sqlalchemy as sa

    from webapp import create_app
    from webapp.api.tokens import issue
    from webapp.extensions import db
    from webapp.models import User

    class Own(Config):
        SQLALCHEMY_DATABASE_URI = database_url(url)

    app = create_app(Own)
    with app.app_context():
        agent = db.session.scalar(sa.select(User).where(User.email == agent_email(1)))
        _, secret = issue(agent, "Monitor", "read", None, by=None)
        db.session.commit()
        db.engine.dispose()
    return secret


@dataclass
class Probes:
    """What a monitor (/healthz), a reader (/today) and a script (the API) saw."""

    seen: list[tuple[float, str, int, dict, str]] = field(default_factory=list)
    cut: int = 0


def probe(base: str, token: str, probes: Probes, stop: threading.Event, until: float) -> None:
    reader = Browser(base)
    reader.log_in(agent_email(1), PASSWORD)
    monitor, script = Browser(base), Browser(base)
    asks = {
        "healthz": lambda: monitor.send("GET", "/healthz"),
        "page": lambda: reader.send("GET", "/today"),
        "api": lambda: script.send(
            "GET", "/api/v1/partners", headers={"Authorization": f"Bearer {token}"}
        ),
    }
    while not stop.is_set() and time.monotonic() < until:
        for name, ask in asks.items():
            try:
                status, headers, text = ask()
            except CUT:
                probes.cut += 1
                continue
            probes.seen.append((time.monotonic(), name, status, dict(headers), text))
        time.sleep(0.1)


def test_postgresql_restarted_under_load_is_503_then_serves_again(own_cluster):
    """Invariant: while PostgreSQL is down, every request is answered, 200 or a
    clear 503 with Retry-After (the page in HTML, htmx its message, the API
    its JSON error), never a 500 nor a traceback, and /healthz says 503; once
    it is back the same workers serve again within seconds, with no restart
    of their own; and every log acknowledged "logged" is stored exactly once
    (the ones refused during the outage are sent again with their key).
    Fails on a 500, a 503 without the message, a worker restarted, a slow
    recovery, or a log lost or doubled."""
    url, cluster = own_cluster
    agents = sized(8, 20)
    outage = sized(3.0, 10.0)
    warmup, after = sized(1.5, 5.0), sized(4.0, 15.0)
    today = date.today()
    brokerage(url, agents, today)
    owned = partners_of(url, agents)
    token = api_token(url)
    tally, probes = Tally(), Probes()

    with serve(url, workers=2, today=today.isoformat()) as (base, master):
        browsers = log_in_all(base, agents)
        workers_before = workers_of(master.pid)
        stop = threading.Event()
        span = warmup + outage + after
        prober = threading.Thread(
            target=probe, args=(base, token, probes, stop, time.monotonic() + span + 60)
        )
        load = threading.Thread(
            target=run_agents, args=(browsers, owned, 100_000, today, tally, span)
        )
        prober.start()
        load.start()
        time.sleep(warmup)
        down_at = time.monotonic()
        cluster("stop")
        time.sleep(outage)
        cluster("start")
        up_at = time.monotonic()
        load.join(timeout=span + 90)
        stop.set()
        prober.join(timeout=90)
        workers_after = workers_of(master.pid)
        assert master.poll() is None

    seen = probes.seen
    statuses = {status for _, _, status, _, _ in seen}
    answered_503 = [entry for entry in seen if entry[2] == 503]
    healthz_back = min(
        (
            at
            for at, name, status, _, _ in seen
            if name == "healthz" and status == 200 and at > up_at
        ),
        default=None,
    )
    last_503 = max((at for at, *_ in answered_503), default=down_at)
    stored = assert_each_acknowledged_once(url, tally)
    print(
        f"\npostgresql restart: {outage:.0f} s asleep, down {up_at - down_at:.1f} s in all; "
        f"{len(tally.acknowledged)} logged by {agents} agents, {tally.unavailable} log 503s, "
        f"{tally.cut} cut; probes {len(seen)} ({len(answered_503)} 503s, {probes.cut} cut); "
        f"healthz 200 again {(healthz_back or up_at) - up_at:.2f} s after the start, "
        f"last 503 {last_503 - up_at:+.2f} s from it; {sum(stored.values())} keyed stored"
    )

    assert statuses <= {200, 503}, statuses
    assert not tally.unexpected, tally.unexpected[:3]
    for name in ("healthz", "page", "api"):
        assert any(n == name and s == 503 for _, n, s, _, _ in seen), f"no 503 for {name}"
    assert tally.unavailable > 0, "no log met the outage"
    for _, name, _, headers, text in answered_503:
        assert "Traceback" not in text
        if name == "page":
            assert headers["Retry-After"] == "5" and "<html" in text and GONE in text
        elif name == "api":
            assert headers["Retry-After"] == "5" and headers["Content-Type"] == "application/json"
            error = json.loads(text)["error"]
            assert error["status"] == 503 and GONE in error["message"]
        else:
            assert json.loads(text)["database"] == "failed"
    for headers, text in tally.bodies_503:
        assert headers["Retry-After"] == "5" and GONE in text and "<html" not in text
    assert healthz_back is not None and healthz_back - up_at < 5, "not serving again"
    assert last_503 - up_at < 5, "still refusing well after PostgreSQL was back"
    assert workers_after == workers_before, "the workers restarted"
    assert any(at > up_at for at, _, s, _, _ in seen if s == 200)
