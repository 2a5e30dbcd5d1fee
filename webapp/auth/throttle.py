"""Failed sign-ins are counted on the account, in the database.

After FREE_FAILURES failures in a row the account refuses every sign-in, the
right password included, for BACKOFF; each further failure doubles the wait,
up to LONGEST. Every worker process reads the same row, so the count holds
however many there are. A success starts the count again.

The per-address limit (Flask-Limiter, LOGIN_RATE_LIMIT) is the other half:
it slows one address trying many accounts, and is generous, so that an office
behind one address is not locked out by one person.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..models import User

FREE_FAILURES = 5
BACKOFF = timedelta(minutes=1)
LONGEST = timedelta(minutes=15)


def wait_for(user: User) -> int:
    """Minutes the account still refuses sign-ins (0: it accepts them)."""
    if user.locked_until is None:
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


def record_success(user: User) -> None:
    user.failed_logins, user.locked_until = 0, None
