"""The planning panel on the partner page: commitment, series, leads, booking."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, url_for

from .. import clock
from ..models import Partner, PlanningSession, User
from ..panels import RenderedPanel, partner_panel
from . import booking
from .forms import HOLIDAY_CHOICES, BookForm, CommitmentForm


@dataclass
class SeriesSummary:
    first: PlanningSession
    sessions: list[PlanningSession]
    next: PlanningSession | None

    @property
    def active(self) -> int:
        return sum(1 for s in self.sessions if s.status != "cancelled")


def summarize_series(sessions: list[PlanningSession], now: datetime) -> list[SeriesSummary]:
    grouped: OrderedDict[str, list[PlanningSession]] = OrderedDict()
    for session in sessions:
        grouped.setdefault(session.series or f"single-{session.id}", []).append(session)
    summaries = []
    for members in grouped.values():
        upcoming = [s for s in members if s.status == "booked" and s.starts_at >= now]
        summaries.append(
            SeriesSummary(
                members[0], members, min(upcoming, key=lambda s: s.starts_at, default=None)
            )
        )
    return summaries


def partner_page_url(partner: Partner) -> str:
    """The partner page when the partner book offers one, else the planning page."""
    if "partners.detail" in current_app.view_functions:
        return url_for("partners.detail", partner_id=partner.id) + "#panel-planning"
    return url_for("planning.partner", partner_id=partner.id)


@partner_panel("planning", "planning/_panel.html", order=30)
def planning_panel(
    partner: Partner,
    user: User,
    *,
    show_slots: bool = False,
    notice: str | None = None,
    delivery=None,
    booked: list[PlanningSession] | None = None,
    commit_form: CommitmentForm | None = None,
    book_error: str | None = None,
    week: date | None = None,
    book_form: BookForm | None = None,
    clashes: list[booking.HolidayClash] | None = None,
) -> dict:
    """Everything the panel shows; the views pass what a request just did.

    `week`: the booking week whose slots are shown (the first when it is not
    one of the four); `clashes`: the team days off the slot chosen in
    `book_form` meets, for the agent to confirm."""
    agent = partner.owner
    zone = booking.agent_timezone(agent)
    today = clock.today(zone)
    weeks = booking.booking_weeks(agent)
    if week not in weeks:
        week = weeks[0]
    if commit_form is None:
        commit_form = CommitmentForm(
            formdata=None, today=today, prefix="commit", first_referral_by=partner.first_referral_by
        )
    sessions = booking.partner_sessions(partner)
    series = summarize_series(sessions, clock.now(zone))
    upcoming = [s.next for s in series if s.next]
    return {
        "partner": partner,
        "agent": agent,
        "timezone": zone,
        "today": today,
        "weeks": weeks,
        "week": week,
        "commit_form": commit_form,
        "series": series,
        "next_session": min(upcoming, key=lambda s: s.starts_at, default=None),
        "leads": booking.partner_leads(partner),
        "slots": booking.offered_slots(agent, week) if show_slots else None,
        "windows": booking.agent_windows(agent),
        "book_form": book_form or BookForm(formdata=None),
        "book_error": book_error,
        "clashes": clashes,
        "holiday_choices": HOLIDAY_CHOICES,
        "notice": notice,
        "delivery": delivery,
        "booked": booked,
        "is_owner": agent.id == user.id,
    }


def render_panel(partner: Partner, user: User, **options) -> RenderedPanel:
    return RenderedPanel(
        "planning", "planning/_panel.html", planning_panel(partner, user, **options)
    )
