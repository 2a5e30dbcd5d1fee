"""Fixtures: an app on a fresh database, a client, and a small team to work with.

Set TEST_DATABASE_URL to run the suite against PostgreSQL instead of SQLite.
"""

import contextlib
import functools
import os
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from config import TestConfig, database_url
from tests.mailbox import mailbox  # noqa: F401  (the fixture: a local SMTP server)
from webapp import create_app
from webapp.extensions import db as _db
from webapp.models import Partner, Team, User

PASSWORD = "correct horse battery"


@contextlib.contextmanager
def fresh_app(config_class: type = TestConfig):
    """An app of that config on a fresh database, inside its app context; dropped after."""
    app = create_app(config_class)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()  # close pooled connections (PostgreSQL warns otherwise)


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


def at_once(app, prepare, act, times: int = 2) -> list:
    """`act(prepare())` in `times` threads, each in its own app context (its own
    session), started together once each has prepared: what two requests do at
    once. Their results, in the order they finished."""
    start, results = threading.Barrier(times), []

    def worker():
        with app.app_context():
            loaded = prepare()
            start.wait()
            results.append(act(loaded))

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@functools.cache
def password_hash() -> str:
    """Hashing is slow on purpose: hash the shared test password once per run."""
    return generate_password_hash(PASSWORD)


def make_user(team: Team, email: str, role: str = "agent", name: str | None = None) -> User:
    user = User(team=team, email=email, name=name or email.split("@")[0].title(), role=role)
    user.password_hash = password_hash()
    _db.session.add(user)
    _db.session.flush()
    return user


def make_partner(owner: User, name: str = "Ryan McMillan", **fields) -> Partner:
    fields.setdefault("met_on", date(2026, 9, 2))
    partner = Partner(team_id=owner.team_id, owner_id=owner.id, name=name, **fields)
    _db.session.add(partner)
    _db.session.flush()
    return partner


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


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Signing in and out is audited too: every test that logs in leaves these.
SIGN_IN_KINDS = ("sign_in", "sign_in_failed", "sign_out")


def audited_changes(db) -> int:
    """Audit events that record a change (not the test's own signing in and out)."""
    from webapp.models import AuditEvent

    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
    )
