"""Failed sign-ins are counted on the account, in the database.

After FREE_FAILURES failures in a row the account refuses every sign-in, the
right password included, for BACKOFF; each further failure doubles the wait,
up to LONGEST. Every worker process reads the same row, so the count holds
however many there are. A success starts the count again.

An email without an account is counted the same way, in `SignInFailures`
(keyed on the normalised email's hash): it is refused after as many failures,
with the same words, so the lockout says nothing of which emails have accounts.

The per-address limit (Flask-Limiter, LOGIN_RATE_LIMIT) is the other half:
it slows one address trying many accounts, and is generous, so that an office
behind one address is not locked out by one person.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..models import SignInFailures, User, token_hash

FREE_FAILURES = 5
BACKOFF = timedelta(minutes=1)
LONGEST = timedelta(minutes=15)


def wait_for(user: User | SignInFailures | None) -> int:
    """Minutes the account still refuses sign-ins (0: it accepts them)."""
    if user is None or user.locked_until is None:
        return 0
    seconds = (user.locked_until - clock.utcnow()).total_seconds()
    return max(0, math.ceil(seconds / 60))


def backoff(failures: int) -> timedelta | None:
    """How long the account waits after `failures` failures in a row."""
    if failures < FREE_FAILURES:
        return None
    return min(BACKOFF * 2 ** (failures - FREE_FAILURES), LONGEST)


def record_failure(user: User) -> None:
    """One more failure: counted in one statement (two workers never lose one)."""
    failures = db.session.scalar(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    )
    wait = backoff(failures)
    locked_until = clock.utcnow() + wait if wait else None
    db.session.execute(sa.update(User).where(User.id == user.id).values(locked_until=locked_until))
    db.session.refresh(user)


def email_key(email: str) -> str:
    return token_hash(email.strip().lower())


def of_unknown_email(email: str) -> SignInFailures | None:
    """The failures counted for an email that has no account, if any."""
    return db.session.get(SignInFailures, email_key(email))


def record_unknown_failure(email: str) -> None:
    """One more failure for an email without an account: the same count, in one
    statement (an insert, or an increment of the row already there)."""
    key = email_key(email)
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    failures = db.session.scalar(
        insert(SignInFailures)
        .values(email_hash=key, failed_logins=1)
        .on_conflict_do_update(
            index_elements=[SignInFailures.email_hash],
            set_={"failed_logins": SignInFailures.failed_logins + 1},
        )
        .returning(SignInFailures.failed_logins)
    )
    wait = backoff(failures)
    locked_until = clock.utcnow() + wait if wait else None
    db.session.execute(
        sa.update(SignInFailures)
        .where(SignInFailures.email_hash == key)
        .values(locked_until=locked_until)
    )


def record_success(user: User) -> None:
    user.failed_logins, user.locked_until = 0, None
