"""`flask backup create|list|restore`, and the nightly backup.

On SQLite (the online backup API) and, in the PostgreSQL run of `make test`,
on PostgreSQL (pg_dump, pg_restore): the same tests, on whichever database
the app runs.
"""

import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import database_url
from tests.helpers import PASSWORD, make_partner, make_user
from webapp.extensions import db
from webapp.jobs import periodic
from webapp.models import Team

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
SUFFIX = ".dump" if ON_POSTGRES else ".sqlite3"
NAME = re.compile(r"^partnerplan-\d{8}T\d{6}Z(-\d+)?\.(sqlite3|dump)$")


def counts(url: str) -> dict[str, int]:
    """Rows per table of the models, in the database at `url`."""
    engine = sa.create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def restore_target(request, tmp_path) -> str:
    """Where a restore may go: a new SQLite file, or a new PostgreSQL database."""
    if ON_POSTGRES:
        return request.getfixturevalue("empty_postgres")
    return str(tmp_path / "restored" / "partnerplan.db")


def target_url(target: str) -> str:
    return target if "://" in target else f"sqlite:///{target}"


def test_a_backup_taken_under_load_restores_whole_with_the_same_counts(
    shared_app, tmp_path, request
):
    """Invariant: a backup is the database at one instant. While a loop logs
    interactions through the app, the restored copy passes SQLite's integrity
    check and its rows, table by table, are exactly those after some number of
    the logged interactions: each one whole, none half-written."""
    shared_app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30"
    team = Team(name="Harbor Realty Group")
    db.session.add(team)
    db.session.flush()
    agent = make_user(team, "sam@harbor.example", "agent", "Sam Ortiz")
    partner = make_partner(agent)
    db.session.commit()
    partner_id, url = partner.id, shared_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()

    client = shared_app.test_client()
    login = client.post("/auth/login", data={"email": "sam@harbor.example", "password": PASSWORD})
    assert login.status_code == 302
    # The rows after 0, 1, 2… logged interactions, counted by the only writer between its writes.
    after: dict[int, dict[str, int]] = {0: counts(url)}
    stop, failures = threading.Event(), []

    def log_interactions():
        while not stop.is_set() and len(after) < 200:
            response = client.post(
                f"/logbook/partners/{partner_id}/interactions",
                data={
                    "kind": "call",
                    "direction": "outbound",
                    "outcome": "connected",
                    "at": "2026-11-20T10:00",
                    "notes": f"Call {len(after)}",
                },  # fmt: skip
            )
            if response.status_code not in (302, 303):
                failures.append(response.status_code)
                return
            now = counts(url)
            after[now["interaction"]] = now

    writer = threading.Thread(target=log_interactions)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while len(after) < 6 and time.monotonic() < deadline and writer.is_alive():
            time.sleep(0.01)
        result = shared_app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
        taken_at = len(after)
        while len(after) < taken_at + 3 and time.monotonic() < deadline and writer.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join(60)
    assert not failures, failures
    assert result.exit_code == 0, result.output
    backup = Path(result.output.strip())
    assert backup.parent == tmp_path / "b" and NAME.match(backup.name)

    target = restore_target(request, tmp_path)
    restored = shared_app.test_cli_runner().invoke(
        args=["backup", "restore", str(backup), "--to", target]
    )
    assert restored.exit_code == 0, restored.output

    if not ON_POSTGRES:
        with sqlite3.connect(target) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    found = counts(target_url(target))
    logged = found["interaction"]
    assert logged in after, f"{logged} interactions: not a number the loop ever left"
    assert found == after[logged]
    # Taken under load: some writes before the backup, and more after it.
    assert 5 <= logged < max(after)


@pytest.fixture
def backups_dir(app, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    return tmp_path / "backups"


def test_create_keeps_the_newest_and_list_shows_them(app, runner, team, backups_dir):
    app.config["BACKUP_KEEP"] = 3
    made = []
    for _ in range(5):
        result = runner.invoke(args=["backup", "create"])
        assert result.exit_code == 0, result.output
        made.append(Path(result.output.strip()))

    names = sorted(path.name for path in backups_dir.iterdir())
    assert names == sorted(path.name for path in made[-3:])
    for name in names:
        assert NAME.match(name) and name.endswith(SUFFIX)
        assert "harbor" not in name.lower()  # the whole database: no team's name
    listed = runner.invoke(args=["backup", "list"])
    assert [line.split()[0] for line in listed.output.splitlines()] == [str(p) for p in made[-3:]]
    assert "UTC" in listed.output


def test_create_into_a_directory_given(runner, team, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path / "elsewhere")])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()).parent == tmp_path / "elsewhere"


@pytest.mark.skipif(ON_POSTGRES, reason="a SQLite backup's restore")
def test_restore_refuses_a_target_that_is_not_empty_and_writes_nothing(runner, team, tmp_path):
    backup = Path(runner.invoke(args=["backup", "create", str(tmp_path)]).output.strip())
    existing = tmp_path / "live.db"
    existing.write_bytes(b"someone's database")

    result = runner.invoke(args=["backup", "restore", str(backup), "--to", str(existing)])

    assert result.exit_code != 0 and "is not empty" in result.output
    assert existing.read_bytes() == b"someone's database"


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    result = runner.invoke(args=["backup", "restore", str(stray), "--to", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "is not a PartnerPlan backup" in result.output
    assert not (tmp_path / "x.db").exists()


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL backup's restore")
def test_a_dump_restores_only_into_an_empty_database(runner, team, tmp_path, empty_postgres):
    backup = Path(runner.invoke(args=["backup", "create", str(tmp_path)]).output.strip())
    first = runner.invoke(args=["backup", "restore", str(backup), "--to", empty_postgres])
    assert first.exit_code == 0, first.output
    assert counts(empty_postgres)["user"] == 6

    again = runner.invoke(args=["backup", "restore", str(backup), "--to", empty_postgres])
    assert again.exit_code != 0 and "has tables" in again.output
    assert counts(empty_postgres)["user"] == 6


def test_the_nightly_backup_is_taken_once_a_day_after_backup_at(app, frozen, team, backups_dir):
    app.config["BACKUP_AT"] = "01:00"

    frozen("2026-12-02T00:59Z")
    periodic.tick()
    assert not backups_dir.exists() or not any(backups_dir.iterdir())

    frozen("2026-12-02T01:00Z")
    periodic.tick()
    frozen("2026-12-02T01:01Z")
    periodic.tick()
    assert [path.name for path in backups_dir.iterdir()] == [
        f"partnerplan-20261202T010000Z{SUFFIX}"
    ]

    frozen("2026-12-03T01:30Z")
    periodic.tick()
    assert sorted(path.name for path in backups_dir.iterdir()) == [
        f"partnerplan-20261202T010000Z{SUFFIX}",
        f"partnerplan-20261203T013000Z{SUFFIX}",
    ]


def test_no_nightly_backup_without_backup_dir(app, frozen, team, monkeypatch):
    from webapp.operations import backups

    taken = []
    monkeypatch.setattr(backups, "create", lambda *args: taken.append(args))
    assert app.config["BACKUP_DIR"] is None
    frozen("2026-12-02T01:30Z")
    periodic.tick()
    assert taken == []


def test_run_due_takes_the_nightly_backup_when_due(app, runner, frozen, team, backups_dir):
    frozen("2026-12-02T04:00Z")
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert f"backup: {backups_dir}/partnerplan-20261202T040000Z{SUFFIX}" in result.output
    assert "backup:" not in runner.invoke(args=["jobs", "run-due"]).output
