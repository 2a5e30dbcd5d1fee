"""A refresh killed half way (kill -9 of its whole process group): the next run
converges to exactly what an uninterrupted run stores, and a run after that
changes nothing.

A synthetic book (bench.generate) is refreshed a week earlier and given some
decisions (dismissed, snoozed, done), then copied twice. Copy A is refreshed
once, to the end. Copy B's refresh is killed once about half of the partners
are evaluated, then run again to the end. Both are read back, ids and
timestamps aside, and must be identical.

And in-process, a refresh dying right after its commit: what it tells of what
it opened (a push, webhook events) was committed with it, not lost.

Two ways to run a refresh: `flask recommendations refresh` (two forked workers:
the group is killed), and the nightly job run by `flask jobs run-due` (its
killed run is taken again once its lease has passed).

On SQLite files; on PostgreSQL too when TEST_DATABASE_URL names one (the
copies are `CREATE DATABASE ... TEMPLATE`). CHAOS_SIZE=full: a bigger book.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time as wallclock
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.generate import Size, generate, sqlite_url
from config import database_url
from tests.chaos import flask_process
from tests.helpers import make_partner
from tests.push_service import push_service  # noqa: F401  (a fixture)
from tests.test_push import opted_in  # noqa: F401  (a fixture)
from webapp.extensions import db as _db
from webapp.models import Interaction, PushMessage, Recommendation
from webapp.recommendations import lifecycle

pytestmark = pytest.mark.chaos

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 12, 2)
WEEK_BEFORE = DAY - timedelta(days=7)
FULL = os.environ.get("CHAOS_SIZE") == "full"
# Small: about 11 s a test on SQLite; PostgreSQL writes the book slower, so a
# smaller one keeps it within 30 s (still four batches of 500 to kill between).
SMALL = 2_000 if os.environ.get("TEST_DATABASE_URL") else 3_000
SIZE = (
    Size(agents=20, partners=20_000, interactions=400_000, referrals=20_000)
    if FULL
    else Size(agents=5, partners=SMALL, interactions=SMALL * 20, referrals=SMALL)
)
# What a run stamps by itself (ids, clock times): everything else must match.
NOT_COMPARED = {"id", "created_at", "closed_at", "updated_at"}
COMPARED_TABLES = ("recommendation", "partner_evaluation", "partner_health")


class Databases:
    """Books to refresh, as SQLite files or PostgreSQL databases copied from one."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        server = os.environ.get("TEST_DATABASE_URL")
        self.server = sa.make_url(database_url(server)) if server else None
        self.made: list[str] = []

    def url(self, name: str) -> str:
        if self.server is None:
            return sqlite_url(self.tmp_path / f"{name}.db")
        return self.server.set(database=self.made_name(name)).render_as_string(hide_password=False)

    def made_name(self, name: str) -> str:
        return f"chaos_{self.token}_{name}"

    @property
    def token(self) -> str:
        if not hasattr(self, "_token"):
            self._token = uuid.uuid4().hex[:8]
        return self._token

    def create(self, name: str, template: str | None = None) -> str:
        if self.server is None:
            if template:
                shutil.copyfile(self.tmp_path / f"{template}.db", self.tmp_path / f"{name}.db")
            return self.url(name)
        like = f' TEMPLATE "{self.made_name(template)}"' if template else ""
        self._admin(f'CREATE DATABASE "{self.made_name(name)}"{like}')
        self.made.append(self.made_name(name))
        return self.url(name)

    def drop_all(self) -> None:
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            admin.dispose()


@pytest.fixture
def databases(tmp_path):
    made = Databases(tmp_path)
    yield made
    if made.server is not None:
        made.drop_all()


def flask(url: str, tmp_path: Path, now: str, *args: str) -> subprocess.Popen:
    """`flask --app wsgi ARGS` on the database at `url`, its clock at `now`, in a
    process group of its own (the refresh forks workers: all of them are killed)."""
    return flask_process(list(args), url, tmp_path / "instance", now)


def finished(process: subprocess.Popen) -> str:
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 0, output
    return output


def evaluated(engine: sa.Engine, day: date) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM partner_evaluation WHERE evaluated_on = :day"),
            {"day": day},
        ).scalar_one()


def killed_half_way(process: subprocess.Popen, engine: sa.Engine, total: int) -> int:
    """Kill -9 the process group once half the partners are evaluated as of DAY;
    returns how many were when it died."""
    deadline = wallclock.monotonic() + 600
    while evaluated(engine, DAY) < total // 2:
        assert process.poll() is None, f"the refresh ended first:\n{process.communicate()[0]}"
        assert wallclock.monotonic() < deadline, "the refresh made no progress"
        wallclock.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)  # and its pipe closed
    assert process.returncode == -signal.SIGKILL
    return evaluated(engine, DAY)


def stored(url: str) -> dict[str, list[tuple]]:
    """Every row of the compared tables, ids and timestamps aside, in a stable order."""
    engine = sa.create_engine(url)
    found = {}
    try:
        with engine.connect() as connection:
            for name in COMPARED_TABLES:
                table = _db.metadata.tables[name]
                columns = [c for c in table.c if c.name not in NOT_COMPARED]
                rows = connection.execute(sa.select(*columns)).all()
                found[name] = sorted((tuple(row) for row in rows), key=repr)
    finally:
        engine.dispose()
    return found


def a_week_of_history(url: str, tmp_path: Path) -> None:
    """The book refreshed a week before DAY, with decisions taken on some of it, so
    that DAY's refresh keeps, closes, wakes and stays quiet, not only creates."""
    finished(
        flask(url, tmp_path, f"{WEEK_BEFORE}T09:00-05:00", "recommendations", "refresh",
              "--as-of", WEEK_BEFORE.isoformat(), "--workers", "1")
    )  # fmt: skip
    engine = sa.create_engine(url)
    decided = {"decided_at": f"{WEEK_BEFORE} 15:00:00", "until": DAY - timedelta(days=3)}
    with engine.begin() as connection:
        for status, where in (
            ("dismissed", "id % 7 = 0"),
            ("done", "id % 11 = 0 AND kind = 'action'"),
        ):
            connection.execute(
                sa.text(
                    f"UPDATE recommendation SET status = '{status}', decided_at = :decided_at, "
                    f"closed_at = :decided_at WHERE status = 'open' AND {where}"
                ),
                decided,
            )
        connection.execute(
            sa.text(
                "UPDATE recommendation SET status = 'snoozed', snoozed_until = :until, "
                "decided_at = :decided_at WHERE status = 'open' AND id % 5 = 0"
            ),
            decided,
        )
    engine.dispose()


def a_book(databases: Databases, tmp_path: Path) -> str:
    url = databases.create("book")
    generate(url, SIZE, DAY, log=lambda *_: None)
    a_week_of_history(url, tmp_path)
    return url


REFRESH = ("recommendations", "refresh", "--as-of", DAY.isoformat(), "--workers", "2")
AT_NIGHT = f"{DAY}T02:30-05:00"
# The nightly job at 02:30, and again once the killed run's lease (30 minutes) has passed.
NIGHTLY = ("jobs", "run-due", "--at", f"{DAY}T02:30")
LATER = f"{DAY}T03:05-05:00"


@pytest.mark.parametrize("how", ["cli", "nightly_job"])
def test_a_refresh_killed_half_way_converges_to_the_uninterrupted_run(databases, tmp_path, how):
    """Invariant: after a refresh killed by SIGKILL with about half of the partners
    evaluated, the next run stores exactly the recommendations, evaluations and
    health an uninterrupted run stores; and one more refresh changes nothing."""
    a_book(databases, tmp_path)
    uninterrupted, interrupted = databases.create("a", "book"), databases.create("b", "book")
    total = SIZE.partners

    if how == "cli":
        first_try, again = (AT_NIGHT, REFRESH), (AT_NIGHT, REFRESH)
    else:
        first_try, again = (AT_NIGHT, NIGHTLY), (LATER, NIGHTLY)
    finished(flask(uninterrupted, tmp_path, first_try[0], *first_try[1]))

    engine = sa.create_engine(interrupted)
    try:
        at_death = killed_half_way(
            flask(interrupted, tmp_path, first_try[0], *first_try[1]), engine, total
        )
    finally:
        engine.dispose()
    print(f"killed with {at_death} of {total} evaluated")
    assert 0 < at_death < total, f"not killed half way: {at_death} of {total} evaluated"
    output = finished(flask(interrupted, tmp_path, again[0], *again[1]))
    if how == "nightly_job":
        assert output.startswith(f"nightly_refresh Bench Brokerage: {total} partners"), output

    expected, found = stored(uninterrupted), stored(interrupted)
    assert sum(row.count(DAY) for row in expected["partner_evaluation"]) == total
    for name in COMPARED_TABLES:
        assert found[name] == expected[name], f"{name} differs after the interrupted refresh"

    output = finished(flask(interrupted, tmp_path, LATER, *REFRESH))
    assert f"{total} partners evaluated: 0 new recommendations" in output
    assert ", 0 closed." in output
    assert stored(interrupted) == found, "a third refresh changed what was stored"


class Died(BaseException):
    """The process ending there (not an Exception: nothing catches it)."""


def test_a_refresh_dying_right_after_its_commit_has_stored_the_push_it_owes(
    app,
    db,
    team,
    frozen,
    opted_in,  # noqa: F811
    monkeypatch,
):
    """Invariant: a return-the-call push is stored in the transaction that opens its
    recommendation, so a refresh that dies right after committing still pushes it
    (the next run finds the recommendation stored, no longer new, and pushes
    nothing); and only once."""
    sam_phone = opted_in(team["agent"])
    rachel = make_partner(team["agent"], "Rachel Kim", met_on=DAY - timedelta(days=10))
    db.session.flush()
    db.session.add(  # the office took a voicemail for Sam this morning
        Interaction(partner_id=rachel.id, user_id=team["manager"].id, kind="voicemail",
                    direction="inbound", at=datetime(2026, 12, 2, 9, 40))
    )  # fmt: skip
    db.session.commit()
    committed = lifecycle.commit_keeping_loaded

    def commit_then_die(*stale):
        committed(*stale)
        raise Died

    monkeypatch.setattr(lifecycle, "commit_keeping_loaded", commit_then_die)
    with pytest.raises(Died):
        lifecycle.refresh_partners(rachel.team_id, [rachel.id])
    monkeypatch.undo()
    db.session.rollback()
    assert lifecycle.refresh_partners(rachel.team_id, [rachel.id]).created == 0  # the next run

    rules = db.session.scalars(
        sa.select(Recommendation.rule).where(Recommendation.partner_id == rachel.id)
    ).all()
    assert rules.count("return_call") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PushMessage)) == 1
    from webapp.push import sender

    sender.send_queued()  # what the tick does
    assert [n["title"] for n in sam_phone.notifications()] == ["Return Rachel Kim's call"]
