"""What tests share besides fixtures: the test password, makers of users and
partners, counting rows, running two requests at once, signing in."""

import contextlib
import functools
import re
import threading
from datetime import date

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from config import TestConfig
from webapp import create_app
from webapp.extensions import db as _db
from webapp.models import Partner, Team, User

PASSWORD = "correct horse battery"
# 10:00 on Wednesday 2 December 2026 in New York, the `team` fixture's zone.
TEN_AM = "2026-12-02T10:00-05:00"


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


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


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


def flat(response) -> str:
    """The page's HTML with the whitespace between tags removed."""
    return re.sub(r">\s+<", "><", response.get_data(as_text=True))


def make_token(user: User, scope: str = "read", days: int | None = None) -> str:
    """A personal access token of `user` (committed); its secret."""
    from webapp.api.tokens import issue

    _, secret = issue(user, "Test script", scope, days, by=user)
    _db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The header an API request authenticates with."""
    return {"Authorization": f"Bearer {secret}"}


LENDER_RULE_REASON = "{name} is a lender in {tier}; last live contact {live_contact_on}"


def lender_rule_form(do: str = "save", **changes) -> dict:
    """The team rule form the tests write: lenders in Maintain with no live
    contact in 14 days or more → coffee, as the Rules page's editor posts it
    (`do`: save, preview or backtest; `changes`: any field else)."""
    data = {
        "name": "Lenders in Maintain: coffee",
        "slug": "lender-coffee",
        "enabled": "y",
        "match": "all",
        "conditions-0-fact": "profession",
        "conditions-0-op": "==",
        "conditions-0-value": "lender",
        "conditions-1-fact": "tier",
        "conditions-1-op": "==",
        "conditions-1-value": "maintain",
        "conditions-2-fact": "live_contact_ago",
        "conditions-2-op": ">=",
        "conditions-2-value": "14",
        "recommends": "action",
        "action": "coffee",
        "due_days": "0",
        "tier_to": "cultivate",
        "priority": "85",
        "reason": LENDER_RULE_REASON,
        "do": do,
    }
    return {**data, **changes}
