"""Fixtures: an app on a fresh database, a client, and a small team to work with.

Set TEST_DATABASE_URL to run the suite against PostgreSQL instead of SQLite.
"""

import logging
import os
import uuid

import pytest
import sqlalchemy as sa

from config import TestConfig, database_url
from tests.helpers import TEN_AM, AuthActions, fresh_app, make_user
from tests.mailbox import mailbox  # noqa: F401  (the fixture: a local SMTP server)
from tests.webhook_receiver import receiver  # noqa: F401  (the fixture: a webhook receiver)
from webapp.extensions import db as _db
from webapp.models import Team


@pytest.fixture
def app():
    with fresh_app() as app:
        yield app


@pytest.fixture
def shared_app(tmp_path):
    """An app on a database that several threads' connections share (a SQLite
    file, or TEST_DATABASE_URL), for what two workers do at once."""
    url = os.environ.get("TEST_DATABASE_URL")

    class SharedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            database_url(url) if url else f"sqlite:///{tmp_path / 'shared.db'}"
        )

    with fresh_app(SharedConfig) as app:
        yield app


@pytest.fixture
def empty_postgres():
    """The URL of a new, empty database on the test PostgreSQL server (dropped
    after), for what moves a whole database: a copy, a restore."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    server = sa.make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"partnerplan_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def error_lines():
    """The lines logged on `partnerplan.errors` (webapp/operations/requests.py)."""
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("partnerplan.errors")
    handler = Keep()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def team(db):
    """Harbor Realty: a manager, an admin and two agents; plus a rival team."""
    harbor = Team(name="Harbor Realty Group")
    rival = Team(name="Rival Homes")
    db.session.add_all([harbor, rival])
    db.session.flush()
    users = {
        "manager": make_user(harbor, "dana@harbor.example", "manager", "Dana Reyes"),
        "admin": make_user(harbor, "ada@harbor.example", "admin", "Ada Admin"),
        "agent": make_user(harbor, "sam@harbor.example", "agent", "Sam Ortiz"),
        "other_agent": make_user(harbor, "kim@harbor.example", "agent", "Kim Lee"),
        "rival_manager": make_user(rival, "rex@rival.example", "manager", "Rex Rival"),
        "rival_agent": make_user(rival, "ria@rival.example", "agent", "Ria Rival"),
    }
    db.session.commit()
    return users


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def frozen(app):
    """Freeze the clock at an instant: `frozen("2026-12-02T10:01-05:00")`; at first TEN_AM."""

    def at(instant: str) -> None:
        app.config["PARTNERPLAN_NOW"] = instant

    at(TEN_AM)
    return at
