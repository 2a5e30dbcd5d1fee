"""Import a partner book: all of it in one transaction, or nothing.

The document is validated first (validation.py, every problem with its
path), then checked against the database (a team of that name, an email
already in use); only a document with no problem at all is stored. A team
that already exists is refused: PartnerPlan never merges two books.

Two ways in: the operator's command line creates a new team from the file;
a manager in the browser fills their own team, only while it has no
partners, and the file's users join that team. The browser never creates a
team, and never says which emails other teams hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from rules.cadence import default_maximum
from rules.settings import DEFAULTS
from rules.vocabulary import PERSONAL_DETAILS

from .. import clock
from ..extensions import analyze, db
from ..models import (
    DEFAULT_TIMEZONE,
    Holiday,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Referral,
    RuleSettings,
    Tag,
    Team,
    TeamRule,
    User,
    partner_search_text,
    partner_tag,
    record_audit,
    tag_key,
    utcnow,
)
from ..recommendations.lifecycle import in_force
from ..recommendations.team_settings import (
    CADENCES,
    WEIGHTS,
    extras_of,
    latest_values,
    stored_extras,
)
from ..validation import timezone_problem
from .validation import Problem, normal_planning_hours, validate_book


class BookRefused(Exception):
    """The document was not imported; `problems` says why, every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class ImportSummary:
    team: Team
    users: int = 0
    partners: int = 0
    interactions: int = 0
    referrals: int = 0
    planning_sessions: int = 0
    leads: int = 0
    holidays: int = 0
    filled: bool = False  # into a team that existed (the browser), not a new one

    def counts(self) -> dict[str, int]:
        return {
            "users": self.users,
            "partners": self.partners,
            "interactions": self.interactions,
            "referrals": self.referrals,
            "planning_sessions": self.planning_sessions,
            "leads": self.leads,
            "holidays": self.holidays,
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in self.counts().items())
        if self.filled:
            return f"Imported into {self.team.name}: new {counts}."
        return f"Imported team {self.team.name!r}: {counts}."


def read_document(data: bytes | str) -> Any:
    """The JSON document in `data`; a file that is not JSON is one problem."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise BookRefused([Problem("", "The file is not UTF-8 text.")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        message = f"The file is not valid JSON: {error.msg} ({where})."
        raise BookRefused([Problem("", message)]) from None
    except RecursionError:  # hostile nesting ([[[[...]]]]): refuse it, never a 500
        raise BookRefused([Problem("", "The file is nested too deeply to be a book.")]) from None


def conflicts(document: dict) -> list[Problem]:
    """What the database already holds that the document, as a new team, would clash with."""
    problems = []
    name = document["team"]["name"]
    if db.session.scalar(sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower())):
        problems.append(
            Problem(
                "team.name",
                f"a team named {name!r} already exists; PartnerPlan does not merge books "
                "(rename the team in the file to import it as a new team)",
            )
        )
    taken = taken_emails(document)
    for index, email in enumerate(file_emails(document)):
        if email in taken:
            problems.append(
                Problem(f"users[{index}].email", f"{email!r} already has an account in PartnerPlan")
            )
    return problems


def file_emails(document: dict) -> list[str]:
    return [user["email"].lower() for user in document.get("users") or []]


def taken_emails(document: dict, *, outside: Team | None = None) -> set[str]:
    """The document's emails that already have an account (in another team than `outside`)."""
    emails = file_emails(document)
    if not emails:
        return set()
    query = sa.select(sa.func.lower(User.email)).where(sa.func.lower(User.email).in_(emails))
    if outside is not None:
        query = query.where(User.team_id != outside.id)
    return set(db.session.scalars(query))


def conflicts_in_team(document: dict, team: Team, importer: User) -> list[Problem]:
    """What keeps the document out of the importer's own team.

    The team must have no partner yet (books are never merged). An email
    another team holds gets the same words whichever team it is, so that a
    manager learns nothing about accounts outside their team; a manager may
    not create an admin.
    """
    problems = []
    if db.session.scalar(sa.select(Partner.id).where(Partner.team_id == team.id).limit(1)):
        problems.append(
            Problem(
                "",
                f"{team.name} already has partners: a book can only be imported into a team "
                "that has none (PartnerPlan does not merge books).",
            )
        )
    taken = taken_emails(document, outside=team)
    for index, user in enumerate(document.get("users") or []):
        if user["email"].lower() in taken:
            problems.append(Problem(f"users[{index}].email", "This email can't be used."))
        if user["role"] == "admin" and importer.role != "admin":
            problems.append(Problem(f"users[{index}].role", "only an admin can add an admin"))
    return problems


def import_book(
    document: Any,
    *,
    imported_by: User | None = None,
    into: Team | None = None,
    password: str | None = None,
) -> ImportSummary:
    """Store the whole book, or raise BookRefused and store nothing.

    Without `into`, the book becomes a new team (the command line, the demo);
    with it, it fills that team (the browser: the importer's own, empty team)
    and the file's team name and settings are not used. Users get no
    password from a file: they cannot log in until an admin sets one
    (`password` sets the same one for all, which only the demo does).
    """
    problems = validate_book(document, team_today(document, into))
    if not problems:
        if into is None:
            problems = conflicts(document)
        else:
            problems = conflicts_in_team(document, into, imported_by)
    if problems:
        raise BookRefused(problems)
    try:
        summary = store(document, password, into)
        record_import(summary, imported_by)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    analyze()  # a bulk load changes the table sizes the planner relies on
    return summary


def team_today(document: Any, into: Team | None) -> date:
    """The day it is for the team the book lands in: `into`, or the new team in
    the file's time zone (the default one when the file names none it can use)."""
    if into is not None:
        return clock.today(into.timezone)
    team = document.get("team") if isinstance(document, dict) else None
    zone = team.get("timezone") if isinstance(team, dict) else None
    usable = isinstance(zone, str) and bool(zone) and not timezone_problem(zone)
    return clock.today(zone if usable else DEFAULT_TIMEZONE)


def store(document: dict, password: str | None, into: Team | None = None) -> ImportSummary:
    """Insert the team (unless filling `into`), its users, then everything else in bulk."""
    team = into or new_team(document["team"])
    db.session.add(team)
    members = {}
    if into is not None:
        team_users = db.session.scalars(sa.select(User).where(User.team_id == into.id))
        members = {user.email.lower(): user for user in team_users}
    users: dict[str, User] = {}
    for record in document.get("users") or []:
        if user := members.get(record["email"].lower()):  # already on the team: kept as is
            users[record["email"].lower()] = user
            continue
        user = User(team=team, email=record["email"], name=record["name"], role=record["role"])
        user.active = record.get("active", True) is not False
        if password:
            user.set_password(password)
        db.session.add(user)
        users[record["email"].lower()] = user
    db.session.flush()
    created_users = len(users) - sum(email in members for email in users)

    def user_id(email: str | None) -> int | None:
        return users[email.lower()].id if email else None

    records = document.get("partners") or []
    partner_ids = insert_returning_ids(
        Partner,
        [partner_row(team, record, user_id(record["owner"])) for record in records],
    )
    history = list(zip(partner_ids, records, strict=True))
    interactions = [
        interaction_row(partner_id, item, user_id(item.get("by")))
        for partner_id, record in history
        for item in record.get("interactions") or []
    ]
    referrals = [
        referral_row(partner_id, item, user_id(item.get("by")))
        for partner_id, record in history
        for item in record.get("referrals") or []
    ]
    sessions = [
        (partner_id, item)
        for partner_id, record in history
        for item in record.get("planning_sessions") or []
    ]
    session_ids = insert_returning_ids(
        PlanningSession,
        [planning_session_row(pid, item, user_id(item.get("by"))) for pid, item in sessions],
    )
    # A lead points at the session it came from: (partner, starts_at) -> the session's id.
    session_of: dict[tuple[int, str], int] = {}
    for session_id, (partner_id, item) in zip(session_ids, sessions, strict=True):
        session_of.setdefault((partner_id, item["starts_at"]), session_id)
    owners = {partner_id: user_id(record["owner"]) for partner_id, record in history}
    leads = [
        lead_row(partner_id, owners[partner_id], item,
                 session_of.get((partner_id, item.get("planning_session") or "")))
        for partner_id, record in history
        for item in record.get("leads") or []
    ]  # fmt: skip
    store_tags(team, history)
    for model, rows in ((Interaction, interactions), (Referral, referrals), (Lead, leads)):
        if rows:
            # Core executemany: one statement for all rows (ORM bulk inserts split them).
            db.session.execute(model.__table__.insert(), rows)
    summary = ImportSummary(team, created_users, len(records), len(interactions), len(referrals))
    summary.planning_sessions, summary.leads = len(sessions), len(leads)
    summary.holidays = store_holidays(team, document.get("holidays") or [])
    # Cadences and weights, like a team's other settings, only for a new team: in
    # the first version of its rule settings, with the file's own rules.
    first = store_cadences(team, document["team"], users) if into is None else None
    store_team_rules(team, document.get("team_rules") or [], first)
    summary.filled = into is not None
    return summary


def store_team_rules(team: Team, records: list[dict], first: RuleSettings | None = None) -> None:
    """The file's own rules the team has no rule of that id for (a team filled in
    the browser keeps its own), then a new rule settings version carrying them
    with the thresholds in force, as the editor saves one."""
    kept = set(db.session.scalars(sa.select(TeamRule.slug).where(TeamRule.team_id == team.id)))
    added = [record for record in records if record["slug"] not in kept]
    if not added:
        return
    for record in added:
        db.session.add(
            TeamRule(
                team_id=team.id,
                **{name: record.get(name) for name in ("slug", "match", "action")},
                # As the editor keeps it: the check measured it stripped, and 80
                # characters between spaces would not fit the column otherwise.
                name=record["name"].strip(),
                enabled=record.get("enabled", True),
                conditions=record["conditions"],
                due_days=record.get("due_days") or 0,
                tier_to=record.get("tier_to"),
                priority=record["priority"],
                reason=record["reason"],
            )
        )
    db.session.flush()
    rows = db.session.scalars(
        sa.select(TeamRule)
        .where(TeamRule.team_id == team.id)
        .order_by(TeamRule.priority, TeamRule.slug)
    )
    if first is not None:  # the new team's first version, with the file's cadences
        first.team_rules = [row.definition() for row in rows]
        return
    version, values, _ = in_force(team.id)
    # The version in force's cadences and health weights go on with its thresholds.
    extras = stored_extras(extras_of(latest_values(team.id)))
    db.session.add(
        RuleSettings(
            team_id=team.id,
            version=version + 1,
            values=values | extras,
            team_rules=[row.definition() for row in rows],
        )
    )


def store_tags(team: Team, history: list[tuple[int, dict]]) -> None:
    """The partners' tags: the team's own tag of each name (any case) when it has
    one (a team filled in the browser), else a new one, spelt as the file first
    does; then which partner wears which, in one statement."""
    tags = {
        tag.key: tag.id for tag in db.session.scalars(sa.select(Tag).where(Tag.team_id == team.id))
    }
    new: dict[str, str] = {}
    for _, record in history:
        for name in record.get("tags") or []:
            if tag_key(name) not in tags:
                new.setdefault(tag_key(name), name)
    if new:
        rows = [
            {"team_id": team.id, "name": name, "key": key, "created_at": utcnow()}
            for key, name in new.items()
        ]
        tags |= dict(zip(new, insert_returning_ids(Tag, rows), strict=True))
    worn = [
        {"partner_id": partner_id, "tag_id": tags[tag_key(name)]}
        for partner_id, record in history
        for name in record.get("tags") or []
    ]
    if worn:
        db.session.execute(partner_tag.insert(), worn)


def store_holidays(team: Team, records: list[dict]) -> int:
    """The file's days off that the team does not mark off yet (a team filled in the
    browser keeps the ones it has, names and all); how many were added."""
    kept = set(db.session.scalars(sa.select(Holiday.day).where(Holiday.team_id == team.id)))
    rows = [
        {
            "team_id": team.id,
            "day": as_date(item["day"]),
            "name": item["name"],
            "created_at": utcnow(),
        }
        for item in records
        if as_date(item["day"]) not in kept
    ]
    if rows:
        db.session.execute(Holiday.__table__.insert(), rows)
    return len(rows)


def insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert many rows at once; their new ids, in the order of `rows`."""
    if not rows:
        return []
    table = model.__table__
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def record_import(summary: ImportSummary, imported_by: User | None) -> None:
    """Audit: in the new team, and in the importer's own team when done in the browser."""
    after = summary.counts()
    if imported_by is not None:
        after = {**after, "imported_by": imported_by.email}
    by = imported_by if imported_by is not None and imported_by.team_id == summary.team.id else None
    record_audit(summary.team.id, by, "import", str(summary), after=after)
    if imported_by is not None and imported_by.team_id != summary.team.id:
        record_audit(imported_by.team_id, imported_by, "import", str(summary), after=after)


def as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def as_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def as_stamp(value: str | None, zone: str) -> datetime | None:
    """A bookkeeping stamp written in the team's time (as every time in the book)."""
    return clock.stamp(datetime.fromisoformat(value), zone) if value else None


def as_money(value: int | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def own_maximum(cadence: dict | None) -> int | None:
    """A partner's own maximum: the file's, else twice its ideal."""
    if not cadence or not cadence.get("every"):
        return None
    return cadence.get("at_most") or default_maximum(cadence["every"])


def store_cadences(team: Team, record: dict, users: dict[str, User]) -> RuleSettings | None:
    """The file's cadence table and health weights, as the team's first version of
    its rule settings (the default thresholds); nothing when the file sets none."""
    table = {
        key: [cadence["every"], cadence.get("at_most") or default_maximum(cadence["every"])]
        for key, cadence in (record.get("cadences") or {}).items()
    }
    extras = stored_extras(extras_of({CADENCES: table, WEIGHTS: record.get("health_weights")}))
    if not extras:
        return None
    first = RuleSettings(team_id=team.id, version=1, values=DEFAULTS | extras)
    db.session.add(first)
    return first


def new_team(record: dict) -> Team:
    team = Team(name=record["name"])
    if record.get("commission_per_side") is not None:
        team.commission_per_side = as_money(record["commission_per_side"])
    if record.get("timezone") is not None:
        team.timezone = record["timezone"]
    if record.get("planning_hours") is not None:
        team.planning_hours = normal_planning_hours(record["planning_hours"])
    return team


def partner_row(team: Team, record: dict, owner_id: int | None) -> dict:
    details = record.get("details") or {}
    commitment = record.get("commitment") or {}
    now = utcnow()
    return {
        "team_id": team.id,
        "owner_id": owner_id,
        "key": record.get("key"),
        "name": record["name"],
        "company": record.get("company"),
        "profession": record.get("profession") or "other",
        "email": record.get("email"),
        "phone": record.get("phone"),
        "tier": record.get("tier") or "cultivate",
        "source": record.get("source"),
        "met_on": as_date(record.get("met_on")),
        "do_not_contact": bool(record.get("do_not_contact")),
        "client_types": list(record.get("client_types") or []),
        "birthday": record.get("birthday"),
        "anniversary": record.get("anniversary"),
        "notes": record.get("notes"),
        "commitment_made_on": as_date(commitment.get("made_on")),
        "first_referral_by": as_date(commitment.get("first_referral_by")),
        "cadence_days": (record.get("cadence") or {}).get("every"),
        "cadence_max_days": own_maximum(record.get("cadence")),
        "archived_at": as_stamp(record.get("archived_at"), team.timezone),
        # Bulk inserts skip the ORM's before_insert hook: fill the search column here.
        "search_text": partner_search_text(
            record["name"], record.get("company"), record.get("email"), record.get("phone")
        ),
        "created_at": now,
        "updated_at": now,
        **{name: details.get(name) for name in PERSONAL_DETAILS},
    }


def interaction_row(partner_id: int, item: dict, user_id: int | None) -> dict:
    return {
        "partner_id": partner_id,
        "user_id": user_id,
        "at": as_datetime(item["at"]),
        "kind": item["kind"],
        "direction": item.get("direction") or "outbound",
        "outcome": item.get("outcome"),
        "sentiment": item.get("sentiment"),
        "disrespectful": bool(item.get("disrespectful")),
        "minutes": item.get("minutes"),
        "notes": item.get("notes"),
        "created_at": utcnow(),
    }


def referral_row(partner_id: int, item: dict, user_id: int | None) -> dict:
    return {
        "partner_id": partner_id,
        "user_id": user_id,
        "direction": item["direction"],
        "referred_on": as_date(item["on"]),
        "client": item["client"],
        "status": item.get("status") or "new",
        "closed_on": as_date(item.get("closed_on")),
        "commission": as_money(item.get("commission")),
        "notes": item.get("notes"),
        "created_at": utcnow(),
    }


def planning_session_row(partner_id: int, item: dict, user_id: int | None) -> dict:
    return {
        "partner_id": partner_id,
        "user_id": user_id,
        "series": item.get("series"),
        "starts_at": as_datetime(item["starts_at"]),
        "minutes": item.get("minutes") or 20,
        "status": item.get("status") or "booked",
        "answers": dict(item.get("answers") or {}),
        "created_at": utcnow(),
    }


def lead_row(partner_id: int, owner_id: int | None, item: dict, session_id: int | None) -> dict:
    return {
        "partner_id": partner_id,
        "planning_session_id": session_id,
        "owner_id": owner_id,
        "name": item["name"],
        "contact": item.get("contact"),
        "question": item.get("question"),
        "status": item.get("status") or "to_contact",
        "notes": item.get("notes"),
        "created_at": utcnow(),
    }
