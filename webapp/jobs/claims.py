"""Taking the next message of an outbox table (emails, pushes): one sender at a time.

A table of messages to send has `status` ("queued", "sending", then what became
of it), `attempts` and `next_attempt_at`. A sender claims the oldest due row by
moving it to "sending" with a lease: a row "sending" past its lease is due again
(its sender died before it could mark it). The claim is a conditional UPDATE, so
two senders at once never take the same row.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from .. import clock
from ..extensions import db


def due(model, now, *also: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The rows of `model` to send now: queued, or sending past their lease (and
    whatever `also` asks, e.g. that their endpoint is not paused)."""
    return sa.and_(model.status.in_(("queued", "sending")), model.next_attempt_at <= now, *also)


def claim_next(model, lease: timedelta, *also: sa.ColumnElement[bool]) -> int | None:
    """The id of the oldest due row of `model` (`due`, with `also`), now "sending"
    for `lease` with one more attempt counted; None when nothing is due."""
    while True:
        now = clock.utcnow()
        candidate = db.session.scalar(
            sa.select(model.id)
            .where(due(model, now, *also))
            .order_by(model.next_attempt_at, model.id)
            .limit(1)
        )
        # End the read, so that the claim below starts a fresh (SQLite: writing) transaction.
        db.session.commit()
        if candidate is None:
            return None
        taken = db.session.execute(
            sa.update(model)
            .where(model.id == candidate, due(model, now, *also))
            .values(status="sending", attempts=model.attempts + 1, next_attempt_at=now + lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:  # else another sender took it first: try the next one
            return candidate
