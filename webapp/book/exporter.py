"""Export a team's whole partner book as one JSON document (BOOK_FORMAT.md).

Everything comes out in a fixed order (users by role and email, partners by
key, history by time), so that export -> import -> export gives the same
text, and two exports of an unchanged book can be compared with `diff`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from rules.vocabulary import PERSONAL_DETAILS, ROLES

from ..extensions import db
from ..models import (
    Holiday,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Referral,
    Tag,
    Team,
    User,
    partner_tag,
)
from ..recommendations.team_settings import CADENCES, WEIGHTS, extras_of, latest_values
from ..timefmt import wall
from .validation import FORMAT


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def money(value: Decimal | None) -> int | float | None:
    """12000 rather than 12000.00: a whole amount is written as an integer."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() if value else None


def every_field(item: dict) -> tuple[str, ...]:
    return tuple("" if value is None else str(value) for value in item.values())


def stable(items: list[dict], first: str) -> list[dict]:
    """By time, then by every other field: equal times still sort the same way."""
    return sorted(items, key=lambda item: (item[first], every_field(item)))


def partner_key(partner: Partner) -> str:
    """The book's handle for a partner: its key, or `p-<id>` when it has none."""
    return partner.key or f"p-{partner.id}"


def export_book(team: Team) -> dict[str, Any]:
    users = list(db.session.scalars(sa.select(User).where(User.team_id == team.id)))
    role_order = list(ROLES)[::-1]  # admin, manager, agent
    users.sort(key=lambda user: (role_order.index(user.role), user.email.lower()))
    emails = {user.id: user.email for user in users}
    history = team_history(team, emails)
    partners = db.session.scalars(sa.select(Partner).where(Partner.team_id == team.id))
    exported = [export_partner(partner, emails, history, team.timezone) for partner in partners]
    exported.sort(key=lambda record: record["key"])
    return {
        "format": FORMAT,
        "team": {
            "name": team.name,
            "commission_per_side": money(team.commission_per_side),
            "timezone": team.timezone,
            "planning_hours": team.planning_hours,
            **team_cadences(team.id),
        },
        "users": [
            {"email": user.email, "name": user.name, "role": user.role, "active": user.active}
            for user in users
        ],
        "partners": exported,
        "holidays": [
            {"day": day(holiday.day), "name": holiday.name}
            for holiday in db.session.scalars(
                sa.select(Holiday).where(Holiday.team_id == team.id).order_by(Holiday.day)
            )
        ],
    }


def rows(model, partner_ids: sa.Select) -> sa.Result:
    """Plain rows of a history table (no ORM objects: a book may hold 100,000s of them)."""
    table = model.__table__
    return db.session.execute(sa.select(table).where(table.c.partner_id.in_(partner_ids)))


def team_history(team: Team, emails: dict[int, str]) -> dict[str, dict[int, list[dict]]]:
    """Every partner's interactions, referrals, sessions, leads and tags, in five queries."""
    history: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    in_team = sa.select(Partner.id).where(Partner.team_id == team.id)
    for item in rows(Interaction, in_team):
        history["interactions"][item.partner_id].append(
            {
                "at": moment(item.at),
                "kind": item.kind,
                "direction": item.direction,
                "outcome": item.outcome,
                "sentiment": item.sentiment,
                "disrespectful": item.disrespectful,
                "minutes": item.minutes,
                "by": emails.get(item.user_id),
                "notes": item.notes,
            }
        )
    for item in rows(Referral, in_team):
        history["referrals"][item.partner_id].append(
            {
                "direction": item.direction,
                "on": day(item.referred_on),
                "client": item.client,
                "status": item.status,
                "closed_on": day(item.closed_on),
                "commission": money(item.commission),
                "by": emails.get(item.user_id),
                "notes": item.notes,
            }
        )
    starts: dict[int, str | None] = {}
    for item in rows(PlanningSession, in_team):
        starts[item.id] = moment(item.starts_at)
        history["planning_sessions"][item.partner_id].append(
            {
                "starts_at": moment(item.starts_at),
                "minutes": item.minutes,
                "status": item.status,
                "answers": item.answers or {},
                "series": item.series,
                "by": emails.get(item.user_id),
            }
        )
    for item in rows(Lead, in_team):
        history["leads"][item.partner_id].append(
            {
                "name": item.name,
                "contact": item.contact,
                "question": item.question,
                "status": item.status,
                "notes": item.notes,
                "planning_session": starts.get(item.planning_session_id),
            }
        )
    tagged = db.session.execute(
        sa.select(partner_tag.c.partner_id, Tag.name)
        .join(Tag, Tag.id == partner_tag.c.tag_id)
        .where(Tag.team_id == team.id)
        .order_by(partner_tag.c.partner_id, Tag.key)
    )
    for partner_id, name in tagged:
        history["tags"][partner_id].append(name)
    return history


def team_cadences(team_id: int) -> dict[str, Any]:
    """The team's cadence table and health weights in force, as the book writes them."""
    extras = extras_of(latest_values(team_id))
    return {
        "cadences": {
            key: {"every": every, "at_most": at_most}
            for key, (every, at_most) in sorted(extras[CADENCES].items())
        },
        "health_weights": extras[WEIGHTS],
    }


def export_partner(
    partner: Partner, emails: dict[int, str], history: dict[str, dict[int, list[dict]]], zone: str
) -> dict[str, Any]:
    commitment = None
    if partner.commitment_made_on or partner.first_referral_by:
        commitment = {
            "made_on": day(partner.commitment_made_on),
            "first_referral_by": day(partner.first_referral_by),
        }
    return {
        "key": partner_key(partner),
        "owner": emails.get(partner.owner_id),
        "name": partner.name,
        "company": partner.company,
        "profession": partner.profession,
        "email": partner.email,
        "phone": partner.phone,
        "tier": partner.tier,
        "source": partner.source,
        "met_on": day(partner.met_on),
        "do_not_contact": partner.do_not_contact,
        "client_types": list(partner.client_types or []),
        "tags": history["tags"][partner.id],  # by name, in any case
        "cadence": (
            {"every": partner.cadence_days, "at_most": partner.cadence_max_days}
            if partner.cadence_days
            else None
        ),
        "birthday": partner.birthday,
        "anniversary": partner.anniversary,
        "details": {name: getattr(partner, name) for name in PERSONAL_DETAILS},
        "notes": partner.notes,
        "commitment": commitment,
        "archived_at": moment(wall(partner.archived_at, zone)),  # a stamp: the team's time
        "interactions": stable(history["interactions"][partner.id], "at"),
        "referrals": stable(history["referrals"][partner.id], "on"),
        "planning_sessions": stable(history["planning_sessions"][partner.id], "starts_at"),
        "leads": sorted(history["leads"][partner.id], key=every_field),
    }
