"""Failed sign-ins are counted on the account, in the database.

After FREE_FAILURES failures in a row the account refuses every sign-in, the
right password included, for BACKOFF; each further failure doubles the wait,
up to LONGEST. Every worker process reads the same row, so the count holds
however many there are. A success, or a new password, starts the count again,
and so does a failure FORGET_AFTER or more after the one before it.

LONGEST is a few minutes, not hours: a wrong password tried on a colleague's
account now and then, on purpose or not, makes them wait a few minutes at a
time, never an afternoon; and the owner of the account can always get in at
once with "Forgot your password?" (a new password from the link clears the
count and signs them in there and then: `link_views.reset_form`). Guessing
gets one try every LONGEST: a few hundred a day against a password that must
take about 10^8 guesses (`passwords.MIN_SCORE`).

An email without an account is counted the same way, in `SignInFailures`
(keyed on the normalised email's hash): it is refused after as many failures,
with the same words, so the lockout says nothing of which emails have accounts.
Its row is deleted once the count would start again anyway (`prune`, run every
night by the jobs).

The per-address limit (Flask-Limiter, LOGIN_RATE_LIMIT) is the other half:
it slows one address trying many accounts, and is generous, so that an office
behind one address is not locked out by one person.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..models import SignInFailures, User, token_hash

FREE_FAILURES = 5
BACKOFF = timedelta(minutes=1)
LONGEST = timedelta(minutes=5)
# A failure this long after the previous one is the first of a new count.
FORGET_AFTER = timedelta(days=1)


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
    # Doubled no further than LONGEST needs: a long count would overflow timedelta.
    doublings = min(failures - FREE_FAILURES, math.ceil(math.log2(LONGEST / BACKOFF)))
    return min(BACKOFF * 2**doublings, LONGEST)


def one_more(row: type[User] | type[SignInFailures], now: datetime) -> dict:
    """The values that count one more failure at `now`, computed by the database
    from the row as it is (two workers never lose one): the count goes up, or
    starts again at 1 after a quiet FORGET_AFTER."""
    recent = row.last_failed_at > now - FORGET_AFTER
    return {
        "failed_logins": sa.case((recent, row.failed_logins + 1), else_=1),
        "last_failed_at": now,
    }


def lock(
    row: type[User] | type[SignInFailures], where: sa.ColumnElement[bool], failures: int,
    now: datetime,
) -> None:  # fmt: skip
    """Refuse sign-ins until the wait that `failures` in a row earn is over (or not at all)."""
    wait = backoff(failures)
    locked_until = now + wait if wait else None
    db.session.execute(sa.update(row).where(where).values(locked_until=locked_until))


def record_failure(user: User) -> None:
    """One more failure on the account, counted in one statement."""
    now = clock.utcnow()
    failures = db.session.scalar(
        sa.update(User)
        .where(User.id == user.id)
        .values(one_more(User, now))
        .returning(User.failed_logins)
    )
    lock(User, User.id == user.id, failures, now)
    db.session.refresh(user)


def email_key(email: str) -> str:
    return token_hash(email.strip().lower())


def of_unknown_email(email: str) -> SignInFailures | None:
    """The failures counted for an email that has no account, if any."""
    return db.session.get(SignInFailures, email_key(email))


def record_unknown_failure(email: str) -> None:
    """One more failure for an email without an account: the same count, in one
    statement (an insert, or the update of the row already there)."""
    key, now = email_key(email), clock.utcnow()
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    failures = db.session.scalar(
        insert(SignInFailures)
        .values(email_hash=key, failed_logins=1, last_failed_at=now)
        .on_conflict_do_update(
            index_elements=[SignInFailures.email_hash], set_=one_more(SignInFailures, now)
        )
        .returning(SignInFailures.failed_logins)
    )
    lock(SignInFailures, SignInFailures.email_hash == key, failures, now)


def record_success(user: User) -> None:
    user.failed_logins, user.locked_until = 0, None


def prune(now: datetime) -> int:
    """Delete the counts of emails without an account whose last failure is
    FORGET_AFTER old: the next failure would start again at 1 all the same (as
    an account's does), so they say nothing more. How many were deleted."""
    stale = sa.or_(
        SignInFailures.last_failed_at <= now - FORGET_AFTER,
        SignInFailures.last_failed_at.is_(None),  # counted before the time was kept
    )
    return db.session.execute(sa.delete(SignInFailures).where(stale)).rowcount
