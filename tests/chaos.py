"""What the fault tests (tests/test_chaos_*.py) share: their size, agents logging
through a real gunicorn on 127.0.0.1, and what the database holds afterwards.

Small inside `make test`; CHAOS_SIZE=full (`make chaos`) runs them bigger.
Every loop is bounded in count and in time; traffic stays on loopback.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bench.generate import PASSWORD, Size, agent_email, generate
from bench.server import ROOT, Client, log_form
from config import database_url

FULL = os.environ.get("CHAOS_SIZE", "small") == "full"
LOGGED = re.compile(r"\b(?:[A-Z][a-z ]*) (?:already )?logged\.")


def sized(small, full):
    return full if FULL else small


def flask_process(
    args: list[str], url: str, instance: Path, now: str, **settings: str
) -> subprocess.Popen:
    """`flask --app wsgi ARGS` on the database at `url`, its clock at `now`, in a
    process group of its own (so that a test can kill it with whatever it forked),
    its output piped; `settings`: more environment (the SMTP server's port)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=url,
        PARTNERPLAN_INSTANCE=str(instance),
        PARTNERPLAN_NOW=now,
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def brokerage(url: str, agents: int, today: date) -> None:
    """A small team: `agents` agents with a few partners each (bench.generate)."""
    size = Size(agents=agents, partners=agents * 4, interactions=agents * 20, referrals=agents)
    generate(database_url(url), size, today, log=lambda *args: None)


def partners_of(url: str, agents: int) -> dict[int, list[int]]:
    engine = sa.create_engine(database_url(url))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT u.email, p.id FROM partner p JOIN " + '"user"' + " u ON u.id = p.owner_id "
                "WHERE p.archived_at IS NULL"
            )
        ).all()
    engine.dispose()
    owned: dict[int, list[int]] = {n: [] for n in range(1, agents + 1)}
    by_email = {agent_email(n): n for n in owned}
    for email, partner_id in rows:
        if email in by_email:
            owned[by_email[email]].append(partner_id)
    assert all(owned.values()), "every agent needs partners"
    return owned


def stored_keys(url: str) -> Counter:
    """How many interactions each idempotency key made."""
    engine = sa.create_engine(database_url(url))
    with engine.connect() as connection:
        keys = connection.execute(
            sa.text("SELECT idempotency_key FROM interaction WHERE idempotency_key IS NOT NULL")
        ).scalars()
        counted = Counter(keys)
    engine.dispose()
    return counted


class Browser(Client):
    """bench.server.Client, also answering the response's headers."""

    def send(self, method: str, path: str, data: dict | None = None, headers=None, timeout=30):
        """(status, headers, text). Raises OSError / HTTPException when the
        connection is cut (a worker killed, a server gone)."""
        body = urllib.parse.urlencode(data or {}).encode() if method != "GET" else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if self.csrf:
            request.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")


CUT = (OSError, http.client.HTTPException)


@dataclass
class Tally:
    """What the agents saw, under one lock."""

    acknowledged: list[str] = field(default_factory=list)  # keys answered "logged"
    attempted: set[str] = field(default_factory=set)
    cut: int = 0  # connections reset or closed before an answer
    unavailable: int = 0  # 503 answers
    retried_after_cut: int = 0  # of those retries, answered "already logged"
    unexpected: list[str] = field(default_factory=list)
    bodies_503: list[tuple[dict, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def random_log_form(rng: random.Random, at: str, key: str) -> dict:
    return log_form(rng.choice(["call", "coffee", "email", "text"]), at, key=key)


def log_until_acknowledged(
    browser: Browser, partner: int, form: dict, tally: Tally, give_up_at: float
) -> None:
    """Send the log form as the partner page does (htmx, into the logbook),
    and send the same form again, key and all, when the connection was cut or
    the answer was a 503: as a person would after "try again"."""
    headers = {"HX-Request": "true", "HX-Target": "logbook"}
    key = form["idempotency_key"]
    with tally.lock:
        tally.attempted.add(key)
    after_cut = False
    while time.monotonic() < give_up_at:
        try:
            status, response_headers, text = browser.send(
                "POST", f"/logbook/partners/{partner}/interactions", form, headers
            )
        except CUT:
            with tally.lock:
                tally.cut += 1
            after_cut = True
            time.sleep(0.2)
            continue
        if status == 200 and LOGGED.search(text):
            with tally.lock:
                tally.acknowledged.append(key)
                if after_cut and "already logged" in text:
                    tally.retried_after_cut += 1
            return
        if status == 503:
            with tally.lock:
                tally.unavailable += 1
                tally.bodies_503.append((dict(response_headers), text))
            time.sleep(0.3)
            continue
        with tally.lock:
            tally.unexpected.append(f"log {partner}: HTTP {status}: {text[:300]}")
        return
    with tally.lock:
        tally.unexpected.append(f"log {partner}: no answer by the deadline (key {key})")


def log_in_all(base: str, agents: int) -> dict[int, Browser]:
    browsers = {}
    for number in range(1, agents + 1):
        browsers[number] = Browser(base)
        browsers[number].log_in(agent_email(number), PASSWORD)
    return browsers


def run_agents(
    browsers: dict[int, Browser],
    owned: dict[int, list[int]],
    logs_each: int,
    today: date,
    tally: Tally,
    seconds: float,
    grace: float = 35,
) -> float:
    """Every agent logs up to `logs_each` interactions on its own partners, in
    its own thread, starting no new one after `seconds`; a log started is sent
    again until acknowledged, for `grace` seconds more at most. Returns how
    long they took."""
    at = f"{today.isoformat()}T08:00"
    stop_at = time.monotonic() + seconds
    give_up_at = stop_at + grace

    def agent(number: int):
        rng = random.Random(number)
        for _ in range(logs_each):
            if time.monotonic() > stop_at:
                return
            form = random_log_form(rng, at, str(uuid.uuid4()))
            log_until_acknowledged(
                browsers[number], rng.choice(owned[number]), form, tally, give_up_at
            )

    started = time.monotonic()
    threads = [threading.Thread(target=agent, args=(n,), daemon=True) for n in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, give_up_at - time.monotonic()) + 35)
    return time.monotonic() - started


def workers_of(master: int) -> set[int]:
    """The gunicorn master's children: its workers."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in path.read_text().split()}


def assert_each_acknowledged_once(url: str, tally: Tally) -> Counter:
    """Every key answered "logged" made exactly one interaction, and no key
    that was sent made more than one or one that was never acknowledged."""
    stored = stored_keys(url)
    mine = {key: stored[key] for key in tally.attempted if stored[key]}
    assert not tally.unexpected, tally.unexpected[:5]
    assert len(tally.acknowledged) == len(set(tally.acknowledged))
    missing = [key for key in tally.acknowledged if stored[key] == 0]
    doubled = {key: n for key, n in mine.items() if n > 1}
    assert not missing, f"{len(missing)} acknowledged logs are not stored"
    assert not doubled, f"keys stored more than once: {doubled}"
    assert set(mine) == set(tally.acknowledged), "stored logs that were never acknowledged"
    return stored
