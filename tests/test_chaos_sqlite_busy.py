"""SQLite busy: another process holds the write lock longer than the busy timeout.

Small inside `make test` (a 1 s timeout against a 3 s hold), under `make
chaos` (CHAOS_SIZE=full) the default 10 s against 15 s; docs/RELIABILITY.md
has the numbers of a run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from bench.server import log_form
from config import TestConfig
from tests.chaos import sized
from tests.helpers import TEN_AM, bearer, make_partner, make_token, make_user
from webapp import create_app
from webapp.extensions import db
from webapp.models import Interaction, Partner, Team

pytestmark = pytest.mark.chaos

TIMEOUT = sized(1.0, 10.0)
HOLD = sized(3.0, 15.0)

HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")  # the write lock, as another writer holds it
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


@pytest.fixture
def busy_app(tmp_path, monkeypatch):
    """An app on a SQLite file with a short busy timeout, an agent with a partner."""
    if "TEST_DATABASE_URL" in os.environ:
        pytest.skip("SQLite's lock: the SQLite run's")

    class BusyConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'busy.db'}"
        SQLITE_BUSY_TIMEOUT = TIMEOUT
        PARTNERPLAN_NOW = TEN_AM
        PROPAGATE_EXCEPTIONS = False  # the error pages, as in production

    app = create_app(BusyConfig)
    with app.app_context():
        db.create_all()
        team = Team(name="Harbor Realty Group")
        db.session.add(team)
        db.session.flush()
        agent = make_user(team, "sam@harbor.example")
        app.config["partner_id"] = make_partner(agent).id
        app.config["token"] = make_token(agent, "write")
    app.config["db_path"] = tmp_path / "busy.db"
    yield app
    with app.app_context():
        db.engine.dispose()


def interactions(app, key: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            sa.select(sa.func.count()).where(Interaction.idempotency_key == key)
        )
        db.session.remove()
        return found


def test_a_write_waits_the_busy_timeout_then_is_a_503_and_stores_nothing(busy_app, error_lines):
    """Invariant: while another process holds SQLite's write lock longer than
    SQLITE_BUSY_TIMEOUT, a log waits about that long, then is answered 503
    "busy, try again" with Retry-After (the htmx message, the whole page, the
    API's JSON), never a 500, and stores nothing; once the lock is released
    the same form, with the same idempotency key, is stored exactly once.
    Fails on a 500, an answer before the timeout or only after the hold, a
    half-stored log, or a resubmission refused or stored twice."""
    client = busy_app.test_client()
    assert client.post(
        "/auth/login", data={"email": "sam@harbor.example", "password": "correct horse battery"}
    ).status_code in (302, 303)
    partner_id = busy_app.config["partner_id"]
    key = str(uuid.uuid4())
    form = log_form("coffee", "2026-12-02T08:00", minutes=30, key=key)
    url = f"/logbook/partners/{partner_id}/interactions"
    htmx = {"HX-Request": "true", "HX-Target": "logbook"}

    page_client = busy_app.test_client()
    page_client.post(
        "/auth/login", data={"email": "sam@harbor.example", "password": "correct horse battery"}
    )
    answers, waited = {}, {}

    def send(name, call):
        started = time.monotonic()
        answers[name] = call()
        waited[name] = time.monotonic() - started

    calls = {
        # The partner page's log form (htmx), the same form without JavaScript,
        # and a partner added through the API: three writes at once.
        "fragment": lambda: client.post(url, data=form, headers=htmx),
        "page": lambda: page_client.post(url, data=form),
        "api": lambda: busy_app.test_client().post(
            "/api/v1/partners",
            json={"name": "Ann Busy", "met_on": "2026-11-20"},
            headers={**bearer(busy_app.config["token"]), "Idempotency-Key": key},
        ),
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(busy_app.config["db_path"]), str(HOLD)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        threads = [threading.Thread(target=send, args=item) for item in calls.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=HOLD + 30)
        still_locked = holder.poll() is None
        stored_while_locked = interactions(busy_app, key)
    finally:
        holder.wait(timeout=HOLD + 30)
        holder.stdout.close()
    fragment, page, api = answers["fragment"], answers["page"], answers["api"]

    print(
        f"\nsqlite busy: timeout {TIMEOUT} s, lock held {HOLD} s: "
        + ", ".join(
            f"{name} {answers[name].status_code} after {waited[name]:.2f} s" for name in calls
        )
    )
    assert fragment.status_code == 503, fragment.get_data(as_text=True)
    assert all(TIMEOUT * 0.9 <= seconds < HOLD for seconds in waited.values()), waited
    assert still_locked  # the answers came while the lock was held, not after
    text = fragment.get_data(as_text=True)
    assert "Busy, try again" in text and "nothing was saved" in text
    assert "Traceback" not in text and "<html" not in text  # the message alone, for htmx
    assert fragment.headers["Retry-After"] == "2"
    whole = page.get_data(as_text=True)
    assert page.status_code == 503 and "<html" in whole and "Busy, try again" in whole
    assert page.headers["Retry-After"] == "2"
    assert api.status_code == 503 and api.headers["Retry-After"] == "2"
    assert api.get_json()["error"]["status"] == 503
    assert "busy" in api.get_json()["error"]["message"]
    assert stored_while_locked == 0
    logged = [json.loads(line) for line in error_lines]
    assert [line["status"] for line in logged] == [503, 503, 503]
    ids = {answers[name].headers["X-Request-Id"] for name in calls}
    assert {line["request_id"] for line in logged} == ids
    assert all(line["error"] == "OperationalError: database is locked" for line in logged)

    again = client.post(url, data=form, headers=htmx)
    assert again.status_code == 200 and "Coffee logged." in again.get_data(as_text=True)
    once_more = client.post(url, data=form, headers=htmx)
    assert "Coffee already logged." in once_more.get_data(as_text=True)
    assert interactions(busy_app, key) == 1
    api_again = client.post(
        "/api/v1/partners",
        json={"name": "Ann Busy", "met_on": "2026-11-20"},
        headers={**bearer(busy_app.config["token"]), "Idempotency-Key": key},
    )
    assert api_again.status_code == 201
    with busy_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Partner.name == "Ann Busy")) == 1
        db.session.remove()
