"""The devices where a user opted in to notifications: taken, listed, removed.

A device is one browser profile's push subscription, as the page sends it
(`PushSubscription.toJSON()`: the endpoint and two keys). The endpoint is the
subscription's identity: a browser signed in as someone else and opting in
again takes it over, so that one person's notifications never reach a
browser another has since signed in to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app

from .. import clock
from ..auth.sessions import device as device_name
from ..extensions import db, insert_if_new
from ..models import PushMessage, PushSubscription, User, UserSession
from ..validation import push_endpoint_problem, push_keys_problem

# Enough for every phone, tablet and computer one person has.
MAX_DEVICES = 20
TOO_MANY_MESSAGE = (
    f"Notifications are on for {MAX_DEVICES} devices already: remove one you no longer use."
)
NOT_A_SUBSCRIPTION = "This browser did not send a push subscription."


@dataclass(frozen=True)
class Offered:
    """A subscription as a browser sent it, checked."""

    endpoint: str
    p256dh: str
    auth: str


def endpoint_problem(url: object) -> str | None:
    """The validator, with this app's push services; loopback only under test or in debug."""
    app = current_app
    return push_endpoint_problem(
        url, app.config["PUSH_SERVICES"], loopback=app.testing or app.debug
    )


def read_offered(data: object) -> tuple[Offered | None, str | None]:
    """(the subscription, None), or (None, what is wrong with what was sent)."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        return None, NOT_A_SUBSCRIPTION
    endpoint, keys = data.get("endpoint"), data["keys"]
    problem = endpoint_problem(endpoint) or push_keys_problem(keys.get("p256dh"), keys.get("auth"))
    if problem:
        return None, problem
    return Offered(endpoint, keys["p256dh"], keys["auth"]), None


def live_devices() -> sa.Select:
    """The devices whose sign-in has not been ended: the only ones pushed to or
    listed. Signing out (here, from another device, everywhere, by a new password
    or a deactivation) stops what a shared phone shows at once; the device gets
    nothing more until it is turned on again in a new sign-in. A sign-in that
    only lapsed keeps its pushes (they are what bring an agent back) until the
    nightly pruning deletes the session, and with it the device."""
    return (
        sa.select(PushSubscription)
        .join(UserSession, UserSession.id == PushSubscription.session_id)
        .where(UserSession.revoked_at.is_(None))
    )


def devices(user: User) -> list[PushSubscription]:
    """The user's devices, the first opted in first."""
    return list(
        db.session.scalars(
            live_devices()
            .where(PushSubscription.user_id == user.id, PushSubscription.team_id == user.team_id)
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


def get_device(user: User, device_id: int) -> PushSubscription:
    """One of the user's own devices; 404 for anyone else's."""
    row = db.session.scalar(
        sa.select(PushSubscription).where(
            PushSubscription.id == device_id,
            PushSubscription.user_id == user.id,
            PushSubscription.team_id == user.team_id,
        )
    )
    if row is None:
        abort(404)
    return row


def fingerprint(endpoint: str) -> str:
    """What the page is told of each device's endpoint, so that it can say which row
    is the browser it runs in without the endpoints themselves being shown."""
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(user: User, offered: Offered, user_agent: str, session_id: int) -> str | None:
    """Take the device for `user` in this sign-in (replacing whoever had it); the
    problem, if refused."""
    others = sa.select(sa.func.count()).select_from(
        live_devices()
        .where(PushSubscription.user_id == user.id, PushSubscription.endpoint != offered.endpoint)
        .subquery()
    )
    if db.session.scalar(others) >= MAX_DEVICES:
        return TOO_MANY_MESSAGE
    _delete(PushSubscription.endpoint == offered.endpoint)
    # Of two requests taking one endpoint at once, one row stays: either is right.
    insert_if_new(
        PushSubscription,
        user_id=user.id,
        team_id=user.team_id,
        session_id=session_id,
        endpoint=offered.endpoint,
        p256dh=offered.p256dh,
        auth=offered.auth,
        device=device_name(user_agent)[:200],
        created_at=clock.utcnow(),
        failures=0,
    )
    db.session.commit()
    return None


def unsubscribe(user: User, endpoint: object) -> bool:
    """This browser turned notifications off: its row goes, if it is the user's."""
    if not isinstance(endpoint, str):
        return False
    removed = _delete(PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id)
    db.session.commit()
    return removed > 0


def remove(row: PushSubscription) -> None:
    _delete(PushSubscription.id == row.id)
    db.session.commit()


def _delete(*where: sa.ColumnElement[bool]) -> int:
    """Delete the subscriptions matching `where` and what waits for them."""
    ids = sa.select(PushSubscription.id).where(*where).scalar_subquery()
    db.session.execute(
        sa.delete(PushMessage)
        .where(PushMessage.subscription_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(
        sa.delete(PushSubscription).where(*where).execution_options(synchronize_session=False)
    ).rowcount
