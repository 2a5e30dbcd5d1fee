"""The planning panel on the partner page: commitment, series, leads, booking."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for

from .. import clock
from ..models import Partner, PlanningSession, User
from ..panels import RenderedPanel, partner_panel
from . import booking
from .forms import BookForm, CommitmentForm


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
) -> dict:
    """Everything the panel shows; the views pass what a request just did."""
    agent = partner.owner
    zone = booking.agent_timezone(agent)
    today = clock.today(zone)
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
        "week_start": today + timedelta(days=7),
        "commit_form": commit_form,
        "series": series,
        "next_session": min(upcoming, key=lambda s: s.starts_at, default=None),
        "leads": booking.partner_leads(partner),
        "slots": booking.offered_slots(agent) if show_slots else None,
        "windows": booking.agent_windows(agent),
        "book_form": BookForm(formdata=None),
        "book_error": book_error,
        "notice": notice,
        "delivery": delivery,
        "booked": booked,
        "is_owner": agent.id == user.id,
    }


def render_panel(partner: Partner, user: User, **options) -> RenderedPanel:
    return RenderedPanel(
        "planning", "planning/_panel.html", planning_panel(partner, user, **options)
    )
