"""One-tap outcomes on Today's cards, and the Undo that follows an action.

An outcome is what happened when the agent reached for the phone: it is
logged as an interaction at once. Whether it does what the recommendation
asks is decided here, per rule, from the catalogue (DOMAIN.md): a live
conversation counts (seed 004); a message left counts only where a message
is enough. An outcome that satisfies the rule closes the recommendation
(done, and the partner re-evaluated); one that does not is an attempt: it is
logged and the item stays open, showing the attempt.

Undo: each snooze, dismiss, done or attempt hands back a signed token of
what the recommendation was before. Only the user who acted may use it,
only for UNDO_SECONDS, and only while the recommendation is still as that
action left it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .. import clock
from ..extensions import db
from ..models import Interaction, Recommendation, User
from ..timefmt import format_time
from . import lifecycle


class Outcome(NamedTuple):
    label: str  # the button's name
    short: str  # the button's text on a phone-wide card (part of its name)
    said: str  # the card after it ("No answer at 10:42")
    kind: str
    direction: str
    outcome: str


# Each maps to the interaction vocabulary (rules/vocabulary.py): a voicemail
# we leave is an outbound `voicemail` without response; a text just sent has
# had no answer yet.
OUTCOMES = {
    "talked": Outcome("Called — talked", "Talked", "Talked", "call", "outbound", "connected"),
    "voicemail": Outcome(
        "Left a voicemail", "Voicemail", "Voicemail left", "voicemail", "outbound", "no_response"
    ),
    "no_answer": Outcome("No answer", "No answer", "No answer", "call", "outbound", "no_response"),
    "texted": Outcome("Texted", "Texted", "Texted", "text", "outbound", "no_response"),
}

# Which outcomes do what each action rule asks (DOMAIN.md's catalogue).
# Rules missing here (a coffee, a planning series, co-marketing, writing
# down details) need more than a call: the call is an attempt, except that a
# conversation is a live contact, and the rules that wait for one
# (`coffee`, `keep_warm`) stop holding by themselves after it.
SATISFIES: dict[str, frozenset[str]] = {
    # "Call back today": returning the call; a message back on their voicemail returns it too.
    "return_call": frozenset({"talked", "voicemail"}),
    # "Thank-you call or note": said in person or left as a message.
    "thank_you": frozenset({"talked", "voicemail", "texted"}),
    # "A personal call on the day": a conversation.
    "personal_date": frozenset({"talked"}),
    # "When will that happen?": needs an answer.
    "commitment_due": frozenset({"talked"}),
    # A conversation is a live contact: these rules stop holding after it.
    "coffee": frozenset({"talked"}),
    "keep_warm": frozenset({"talked"}),
}

UNDO_SECONDS = 10 * 60
LIVE_DECISIONS = ("snoozed",)


def satisfies(rule: str, outcome: str) -> bool:
    return outcome in SATISFIES.get(rule, frozenset())


def log_outcome(row: Recommendation, user: User, outcome: str) -> Interaction:
    """Log the outcome as the partner's interaction, now (the team's time)."""
    what = OUTCOMES[outcome]
    interaction = Interaction(
        partner_id=row.partner_id,
        user_id=user.id,
        at=clock.now(row.partner.team.timezone).replace(second=0),
        kind=what.kind,
        direction=what.direction,
        outcome=what.outcome,
        sentiment="neutral",
    )
    db.session.add(interaction)
    db.session.commit()
    return interaction


def attempts(rows: list[Recommendation], day: date) -> dict[int, str]:
    """For each open action, the latest one-tap attempt logged on `day` (the
    team's) since it was raised: {recommendation id: 'No answer at 10:42'}.

    Only the day's outbound calls, voicemails and texts of the partners shown are
    read, through the history index (partner, time): reading every outbound
    entry since the oldest item was raised made Today twice as slow (`make bench`).
    """
    actions = [row for row in rows if row.kind == "action"]
    if not actions:
        return {}
    said = {(o.kind, o.direction, o.outcome): o.said for o in OUTCOMES.values()}
    logged = db.session.execute(
        sa.select(
            Interaction.partner_id,
            Interaction.kind,
            Interaction.direction,
            Interaction.outcome,
            Interaction.at,
            Interaction.created_at,
        )
        .where(
            Interaction.partner_id.in_({row.partner_id for row in actions}),
            Interaction.at >= datetime.combine(day, time.min),
            Interaction.direction == "outbound",
            Interaction.kind.in_({kind for kind, _, _ in said}),
        )
        .order_by(Interaction.created_at.desc(), Interaction.id.desc())
    ).all()
    found = {}
    for row in actions:
        for entry in logged:
            key = (entry.kind, entry.direction, entry.outcome)
            if entry.partner_id == row.partner_id and entry.created_at >= row.created_at:
                if key in said:
                    found[row.id] = f"{said[key]} at {format_time(entry.at)}"
                break
    return found


# Undo ------------------------------------------------------------------------

_FIELDS = ("status", "snoozed_until", "decided_by_id", "decided_at", "closed_at", "decision_reason")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="recommendation-undo")


def _stamp(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def before(row: Recommendation) -> dict:
    """What the recommendation is now, to be handed to `undo_token` after the action."""
    return {name: _stamp(getattr(row, name)) for name in _FIELDS}


def undo_token(row: Recommendation, user: User, was: dict, interaction_id: int | None) -> str:
    """A signed note of what `row` was before `user` changed it just now."""
    return _serializer().dumps(
        {
            "rec": row.id,
            "user": user.id,
            "at": clock.utcnow().isoformat(),
            "was": was,
            "now": row.status,
            "interaction": interaction_id,
        }
    )


class UndoRefused(Exception):
    """The token is not this user's, too old, or the recommendation changed since."""


def undo(token: str, user: User) -> Recommendation:
    """Put the recommendation back as it was, and take back the interaction
    the action logged; the partner is then evaluated again by the caller."""
    try:
        note = _serializer().loads(token)
    except BadSignature as error:
        raise UndoRefused("That can no longer be undone.") from error
    if note.get("user") != user.id:
        raise UndoRefused("Only the person who did it can undo it.")
    age = clock.utcnow() - datetime.fromisoformat(note["at"])
    if age.total_seconds() > UNDO_SECONDS:
        raise UndoRefused("Too late to undo: it was more than 10 minutes ago.")
    row = lifecycle.get_recommendation(note["rec"], user)
    if row is None or row.status != note["now"]:
        raise UndoRefused("That has changed since; nothing was undone.")
    interaction = None
    if note.get("interaction"):
        interaction = db.session.get(Interaction, note["interaction"])
        if interaction is None or interaction.user_id != user.id:
            raise UndoRefused("That has changed since; nothing was undone.")
    if note["now"] in lifecycle.DECIDED + LIVE_DECISIONS and row.decided_by_id != user.id:
        raise UndoRefused("That has changed since; nothing was undone.")
    was = note["was"]
    row.status = was["status"]
    row.snoozed_until = _day(was["snoozed_until"])
    row.decided_by_id = was["decided_by_id"]
    row.decided_at = _moment(was["decided_at"])
    row.closed_at = _moment(was["closed_at"])
    row.decision_reason = was["decision_reason"]
    if interaction is not None:
        db.session.delete(interaction)
    db.session.commit()
    return row


def _day(value):
    return datetime.fromisoformat(value).date() if value else None


def _moment(value):
    return datetime.fromisoformat(value) if value else None
