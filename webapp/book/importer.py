"""Import a partner book: all of it in one transaction, or nothing.

The document is validated first (validation.py, every problem with its
path), then checked against the database (a team of that name, an email
already in use); only a document with no problem at all is stored. A team
that already exists is refused: PartnerPlan never merges two books.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from rules.vocabulary import PERSONAL_DETAILS

from ..extensions import analyze, db
from ..models import Interaction, Lead, Partner, PlanningSession, Referral, Team, User, record_audit
from .validation import Problem, validate_book


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

    def counts(self) -> dict[str, int]:
        return {
            "users": self.users,
            "partners": self.partners,
            "interactions": self.interactions,
            "referrals": self.referrals,
            "planning_sessions": self.planning_sessions,
            "leads": self.leads,
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in self.counts().items())
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
    """What the database already holds that the document would clash with."""
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
    emails = [user["email"].lower() for user in document.get("users") or []]
    taken = set(
        db.session.scalars(sa.select(sa.func.lower(User.email)).where(
            sa.func.lower(User.email).in_(emails)
        ))
    ) if emails else set()  # fmt: skip
    for index, email in enumerate(emails):
        if email in taken:
            problems.append(
                Problem(f"users[{index}].email", f"{email!r} already has an account in PartnerPlan")
            )
    return problems


def import_book(
    document: Any, *, imported_by: User | None = None, password: str | None = None
) -> ImportSummary:
    """Store the whole book as a new team, or raise BookRefused and store nothing.

    Users get no password from a file: they cannot log in until an admin sets
    one (`password` sets the same one for all, which only the demo does).
    """
    problems = validate_book(document)
    if not problems:
        problems = conflicts(document)
    if problems:
        raise BookRefused(problems)
    try:
        summary = store(document, password)
        record_import(summary, imported_by)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    analyze()  # a bulk load changes the table sizes the planner relies on
    return summary


def store(document: dict, password: str | None) -> ImportSummary:
    team_data = document["team"]
    team = Team(name=team_data["name"])
    if team_data.get("commission_per_side") is not None:
        team.commission_per_side = Decimal(str(team_data["commission_per_side"]))
    for name in ("timezone", "planning_hours"):
        if team_data.get(name) is not None:
            setattr(team, name, team_data[name])
    db.session.add(team)
    summary = ImportSummary(team)

    users: dict[str, User] = {}
    for record in document.get("users") or []:
        user = User(team=team, email=record["email"], name=record["name"], role=record["role"])
        user.active = record.get("active", True) is not False
        if password:
            user.set_password(password)
        db.session.add(user)
        users[record["email"].lower()] = user
    summary.users = len(users)
    db.session.flush()

    def user_id(email: str | None) -> int | None:
        return users[email.lower()].id if email else None

    linked: list[tuple[Lead, PlanningSession | None]] = []
    for record in document.get("partners") or []:
        partner = new_partner(team, record, user_id(record["owner"]))
        db.session.add(partner)
        summary.partners += 1
        for item in record.get("interactions") or []:
            db.session.add(new_interaction(partner, item, user_id(item.get("by"))))
            summary.interactions += 1
        for item in record.get("referrals") or []:
            db.session.add(new_referral(partner, item, user_id(item.get("by"))))
            summary.referrals += 1
        sessions: dict[str, PlanningSession] = {}
        for item in record.get("planning_sessions") or []:
            session = new_planning_session(partner, item, user_id(item.get("by")))
            sessions.setdefault(item["starts_at"], session)
            db.session.add(session)
            summary.planning_sessions += 1
        for item in record.get("leads") or []:
            lead = new_lead(partner, item)
            db.session.add(lead)
            # A lead points at the session it came from, which has no id yet.
            linked.append((lead, sessions.get(item.get("planning_session") or "")))
            summary.leads += 1
    db.session.flush()
    for lead, session in linked:
        lead.planning_session_id = session.id if session else None
    db.session.flush()
    return summary


def record_import(summary: ImportSummary, imported_by: User | None) -> None:
    """Audit: in the new team, and in the importer's own team when done in the browser."""
    after = summary.counts()
    if imported_by is not None:
        after = {**after, "imported_by": imported_by.email}
    record_audit(summary.team.id, None, "import", str(summary), after=after)
    if imported_by is not None and imported_by.team_id != summary.team.id:
        record_audit(imported_by.team_id, imported_by, "import", str(summary), after=after)


def as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def as_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def as_money(value: int | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def new_partner(team: Team, record: dict, owner_id: int | None) -> Partner:
    details = record.get("details") or {}
    commitment = record.get("commitment") or {}
    partner = Partner(
        team=team,
        owner_id=owner_id,
        key=record.get("key"),
        name=record["name"],
        company=record.get("company"),
        profession=record.get("profession") or "other",
        email=record.get("email"),
        phone=record.get("phone"),
        tier=record.get("tier") or "cultivate",
        source=record.get("source"),
        met_on=as_date(record.get("met_on")),
        do_not_contact=bool(record.get("do_not_contact")),
        client_types=list(record.get("client_types") or []),
        birthday=record.get("birthday"),
        anniversary=record.get("anniversary"),
        notes=record.get("notes"),
        commitment_made_on=as_date(commitment.get("made_on")),
        first_referral_by=as_date(commitment.get("first_referral_by")),
        archived_at=as_datetime(record.get("archived_at")),
    )
    for name in PERSONAL_DETAILS:
        setattr(partner, name, details.get(name))
    return partner


def new_interaction(partner: Partner, item: dict, user_id: int | None) -> Interaction:
    return Interaction(
        partner=partner,
        user_id=user_id,
        at=as_datetime(item["at"]),
        kind=item["kind"],
        direction=item.get("direction") or "outbound",
        outcome=item.get("outcome"),
        sentiment=item.get("sentiment"),
        disrespectful=bool(item.get("disrespectful")),
        minutes=item.get("minutes"),
        notes=item.get("notes"),
    )


def new_referral(partner: Partner, item: dict, user_id: int | None) -> Referral:
    return Referral(
        partner=partner,
        user_id=user_id,
        direction=item["direction"],
        referred_on=as_date(item["on"]),
        client=item["client"],
        status=item.get("status") or "new",
        closed_on=as_date(item.get("closed_on")),
        commission=as_money(item.get("commission")),
        notes=item.get("notes"),
    )


def new_planning_session(partner: Partner, item: dict, user_id: int | None) -> PlanningSession:
    return PlanningSession(
        partner=partner,
        user_id=user_id,
        series=item.get("series"),
        starts_at=as_datetime(item["starts_at"]),
        minutes=item.get("minutes") or 20,
        status=item.get("status") or "booked",
        answers=dict(item.get("answers") or {}),
    )


def new_lead(partner: Partner, item: dict) -> Lead:
    return Lead(
        partner=partner,
        owner_id=partner.owner_id,
        name=item["name"],
        contact=item.get("contact"),
        question=item.get("question"),
        status=item.get("status") or "to_contact",
        notes=item.get("notes"),
    )
