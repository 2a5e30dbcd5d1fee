"""The demo team: a book file loaded by the importer, its dates moved to today.

`demo-book.json` (written by `python -m webapp.demo.generate`) is dated
around ANCHOR; loading it moves every date and time by the same number of
days, so that ANCHOR becomes the team's today and the recommendations it
was built to trigger fire on the day it is loaded.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from rules.facts import parse_annual_date

ANCHOR = date(2026, 6, 15)
DEMO_BOOK = Path(__file__).with_name("demo-book.json")
DEMO_PASSWORD = "partnerplan-demo"

demo_cli = AppGroup("demo", help="The demo team.")


def shift_day(value: str | None, days: int) -> str | None:
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat() if value else None


def shift_moment(value: str | None, days: int) -> str | None:
    return (datetime.fromisoformat(value) + timedelta(days=days)).isoformat() if value else None


def shift_personal_date(value: str | None, days: int) -> str | None:
    """Move a birthday's month and day, keeping its year ('1975-06-18', or '06-18').

    The month and day move as they do in the anchor's year, so that a birthday
    three days after the anchor is three days after today once loaded.
    """
    if not value:
        return value
    annual = parse_annual_date(value)
    moved = date(ANCHOR.year, annual.month, annual.day) + timedelta(days=days)
    if annual.year is None:
        return f"{moved:%m-%d}"
    day = moved.day
    if (moved.month, moved.day) == (2, 29) and not is_leap(annual.year):
        day = 28  # 29 Feb counts as 28 Feb in other years
    return f"{annual.year:04d}-{moved.month:02d}-{day:02d}"


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def shift_book(document: dict, days: int) -> dict:
    """A copy of the book with every date and time moved by `days` days."""
    book = copy.deepcopy(document)
    for partner in book["partners"]:
        partner["met_on"] = shift_day(partner.get("met_on"), days)
        partner["archived_at"] = shift_moment(partner.get("archived_at"), days)
        for name in ("birthday", "anniversary"):
            partner[name] = shift_personal_date(partner.get(name), days)
        if partner.get("commitment"):
            for name in ("made_on", "first_referral_by"):
                partner["commitment"][name] = shift_day(partner["commitment"].get(name), days)
        for item in partner.get("interactions") or []:
            item["at"] = shift_moment(item["at"], days)
        for item in partner.get("referrals") or []:
            item["on"] = shift_day(item["on"], days)
            item["closed_on"] = shift_day(item.get("closed_on"), days)
        for item in partner.get("planning_sessions") or []:
            item["starts_at"] = shift_moment(item["starts_at"], days)
        for item in partner.get("leads") or []:
            item["planning_session"] = shift_moment(item.get("planning_session"), days)
    return book


def demo_document(today: date) -> dict:
    """The demo book, its anchor moved to `today`."""
    document = json.loads(DEMO_BOOK.read_text(encoding="utf-8"))
    return shift_book(document, (today - ANCHOR).days)


def load_demo():
    """Import the demo team as of the team's today (PARTNERPLAN_NOW freezes it)."""
    from ..book.importer import import_book
    from ..clock import today

    timezone = json.loads(DEMO_BOOK.read_text(encoding="utf-8"))["team"]["timezone"]
    return import_book(demo_document(today(timezone)), password=DEMO_PASSWORD)


def demo_logins() -> list[tuple[str, str]]:
    document = json.loads(DEMO_BOOK.read_text(encoding="utf-8"))
    return [(user["role"], user["email"]) for user in document["users"]]


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no team yet.")
def load_command(if_empty: bool) -> None:
    """Load the demo team, dated so that its story happens today."""
    from ..book.importer import BookRefused
    from ..extensions import db
    from ..models import Team

    teams = db.session.scalar(sa.select(sa.func.count()).select_from(Team))
    if if_empty and teams:
        click.echo("The database already has a team: the demo was not loaded.")
    else:
        try:
            click.echo(str(load_demo()))
        except BookRefused as refused:
            for problem in refused.problems:
                click.echo(str(problem), err=True)
            raise SystemExit(1) from None
    demo = json.loads(DEMO_BOOK.read_text(encoding="utf-8"))["team"]["name"]
    if db.session.scalar(sa.select(Team.id).where(Team.name == demo)):
        click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, email in demo_logins():
            click.echo(f"  {role:8} {email}")
