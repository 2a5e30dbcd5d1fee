"""`flask db copy --to postgresql://…`: a team started on SQLite moves to PostgreSQL.

Needs a real PostgreSQL server (the PostgreSQL run of `make test`): each test
gets a database of its own on it, created empty and dropped after.
"""

import os
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestConfig, database_url
from tests.helpers import make_token
from webapp import create_app, outbox
from webapp.demo import DEMO_PASSWORD, load_demo
from webapp.extensions import db
from webapp.jobs import periodic
from webapp.models import User

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
    ),
]

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
DEMO_NOW = "2026-11-23T09:00"
AGENT = "agent@demo.partnerplan.test"


def app_on(url: str):
    class OnUrl(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url(url)
        PARTNERPLAN_NOW = DEMO_NOW

    return create_app(OnUrl)


@pytest.fixture
def sqlite_team(tmp_path):
    """A SQLite file at the head migration holding the demo team, a night of jobs
    (recommendations, job runs, morning emails in the outbox), an API token and
    the audit trail of all that."""
    app = app_on(f"sqlite:///{tmp_path / 'team.db'}")
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        load_demo()
        periodic.run_due()
        make_token(db.session.scalar(sa.select(User).where(User.email == AGENT)))
        message = EmailMessage()
        message["To"], message["Subject"] = AGENT, "Waiting in the outbox"
        message.set_content("Sent after the move.")
        outbox.enqueue(message, key="moved-along")
        client = app.test_client()
        login = client.post("/auth/login", data={"email": AGENT, "password": DEMO_PASSWORD})
        assert login.status_code == 302
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


def counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_copy_moves_everything_and_users_log_in_with_the_same_password(sqlite_team, empty_postgres):
    source = counts(sqlite_team.config["SQLALCHEMY_DATABASE_URI"])
    # What the issue names, present before the copy (else the test proves little).
    for table in ("user", "audit_event", "recommendation", "partner_evaluation", "job_run",
                  "outbox_email", "api_token", "user_session", "interaction"):  # fmt: skip
        assert source[table] > 0, table

    result = sqlite_team.test_cli_runner().invoke(args=["db", "copy", "--to", empty_postgres])
    assert result.exit_code == 0, result.output
    assert "every count matches" in result.output
    audit = source["audit_event"]
    assert re.search(rf"^audit_event +{audit} +{audit}$", result.output, re.MULTILINE)

    assert counts(empty_postgres) == source

    postgres = app_on(empty_postgres)
    with postgres.app_context():
        client = postgres.test_client()
        for email in (AGENT, "manager@demo.partnerplan.test", "admin@demo.partnerplan.test"):
            response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
            assert response.headers.get("Location") == "/today", email
            # A page of the team's own data, from PostgreSQL.
            assert client.get("/partners/").status_code == 200
            # Logging out writes new rows (audit trail): the ids' sequences were moved past
            # the copied rows, or this would collide with a copied id.
            assert client.post("/auth/logout").status_code == 302
        wrong = client.post("/auth/login", data={"email": AGENT, "password": "not-it"})
        assert wrong.status_code == 422 and "Location" not in wrong.headers
        db.session.remove()
        db.engine.dispose()
    after = counts(empty_postgres)
    assert after["audit_event"] > source["audit_event"]

    # Copied once: a second copy into the same database is refused and changes nothing.
    again = sqlite_team.test_cli_runner().invoke(args=["db", "copy", "--to", empty_postgres])
    assert again.exit_code != 0
    assert "not empty" in again.output
    assert counts(empty_postgres) == after


def test_a_target_with_rows_is_refused_and_nothing_is_written(sqlite_team, empty_postgres):
    engine = sa.create_engine(database_url(empty_postgres))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE notes (body text)"))
        connection.execute(sa.text("INSERT INTO notes VALUES ('someone else''s')"))

    result = sqlite_team.test_cli_runner().invoke(args=["db", "copy", "--to", empty_postgres])

    assert result.exit_code != 0
    assert "not empty (rows in notes)" in result.output and "Nothing was written" in result.output
    with engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == ["notes"]  # not even the migrations
    engine.dispose()


def test_the_target_must_be_postgresql(sqlite_team, tmp_path):
    result = sqlite_team.test_cli_runner().invoke(
        args=["db", "copy", "--to", f"sqlite:///{tmp_path / 'other.db'}"]
    )
    assert result.exit_code != 0 and "must be a PostgreSQL URL" in result.output
    assert not (tmp_path / "other.db").exists()


def test_a_source_behind_the_head_migration_is_refused(tmp_path, empty_postgres):
    app = app_on(f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        db.create_all()  # the models' tables, but no migration recorded
        result = app.test_cli_runner().invoke(args=["db", "copy", "--to", empty_postgres])
        db.engine.dispose()
    assert result.exit_code != 0 and "db upgrade" in result.output
    assert counts_or_none(empty_postgres) is None


def counts_or_none(url: str):
    engine = sa.create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names() or None
    finally:
        engine.dispose()


def test_a_count_that_differs_fails_the_copy_and_keeps_nothing(
    sqlite_team, empty_postgres, monkeypatch
):
    from webapp.operations import dbcopy

    real = dbcopy.count

    def one_short(connection, table):  # as if a partner had been lost on the way
        found = real(connection, table)
        lost = connection.dialect.name == "postgresql" and table.name == "partner" and found
        return found - 1 if lost else found

    monkeypatch.setattr(dbcopy, "count", one_short)
    result = sqlite_team.test_cli_runner().invoke(args=["db", "copy", "--to", empty_postgres])

    assert result.exit_code == 1
    assert re.search(r"^partner +\d+ +\d+  MISMATCH$", result.output, re.MULTILINE)
    assert "nothing was kept" in result.output
    assert not any(counts(empty_postgres).values())  # the upgraded schema, empty
