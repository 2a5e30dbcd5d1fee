"""Fixtures: an app on a fresh database, a client, and a small team to work with.

Set TEST_DATABASE_URL to run the suite against PostgreSQL instead of SQLite.
"""

import os

import pytest

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
