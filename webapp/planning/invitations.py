"""Calendar invitations for planning series, the agent's private feed, and the email.

A series is one VEVENT with a weekly RRULE (COUNT=12) whose DTSTART carries
the agent's TZID, with the VTIMEZONE included, so every calendar keeps the
local wall time across a daylight-saving change. A moved occurrence is an
override (RECURRENCE-ID) and a cancelled one an EXDATE of the same UID.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from rules.vocabulary import PLANNING_QUESTIONS

from .. import outbox
from ..links import file_slug
from ..models import Partner, PlanningSession, User, utcnow
from ..outbox import mail_configured
from ..timefmt import format_date, weekday_time
from .booking import agent_timezone, session_agent
from .slots import SERIES_LENGTH

PRODID = "-//PartnerPlan//Partnership planning//EN"
UID_DOMAIN = "partnerplan"


def new_calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def address(email: str, name: str, **params) -> vCalAddress:
    value = vCalAddress(f"mailto:{email}")
    value.params["CN"] = vText(name)
    for key, param in params.items():
        value.params[key.upper()] = vText(param)
    return value


def session_event(
    session: PlanningSession, agent: User, partner: Partner, zone: ZoneInfo, start: datetime
) -> Event:
    """The common part of every planning-session event."""
    event = Event()
    event.add("summary", f"Partnership planning session: {partner.name} & {agent.name}")
    event.add(
        "description",
        "Partnership planning session (PPS).\n\n"
        + "\n".join(f"{n}. {q}" for n, q in enumerate(PLANNING_QUESTIONS.values(), 1)),
    )
    event.add("dtstamp", utcnow().replace(tzinfo=ZoneInfo("UTC")))
    event.add("dtstart", start.replace(tzinfo=zone))
    event.add("dtend", (start + timedelta(minutes=session.minutes)).replace(tzinfo=zone))
    event.add("organizer", address(agent.email, agent.name))
    if partner.email:
        event.add(
            "attendee",
            address(
                partner.email,
                partner.name,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="TRUE",
            ),
        )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Partnership planning session in 15 minutes")
    alarm.add("trigger", timedelta(minutes=-15))
    event.add_component(alarm)
    return event


def series_uid(session: PlanningSession) -> str:
    return f"pps-{session.series or session.id}@{UID_DOMAIN}"


def series_calendar(sessions: list[PlanningSession], method: str = "REQUEST") -> Calendar:
    """The invitation for one series: a weekly RRULE, overrides for moves, EXDATEs."""
    first = sessions[0]
    agent, partner = session_agent(first), first.partner
    zone = ZoneInfo(agent_timezone(agent))
    start = first.original_starts_at or first.starts_at
    calendar = new_calendar(method)
    master = session_event(first, agent, partner, zone, start)
    master.add("uid", series_uid(first))
    master.add("sequence", 0)
    if first.series:  # a session imported on its own is a single event
        master.add("rrule", {"freq": "weekly", "count": SERIES_LENGTH})
    cancelled = [s for s in sessions if s.status == "cancelled" and s.original_starts_at]
    if cancelled:
        master.add("exdate", [s.original_starts_at.replace(tzinfo=zone) for s in cancelled])
    calendar.add_component(master)
    for session in sessions:
        moved = session.original_starts_at and session.starts_at != session.original_starts_at
        if moved and session.status != "cancelled":
            override = session_event(session, agent, partner, zone, session.starts_at)
            override.add("uid", series_uid(first))
            override.add("recurrence-id", session.original_starts_at.replace(tzinfo=zone))
            override.add("sequence", 1)
            calendar.add_component(override)
    add_timezones(calendar, [s.starts_at for s in sessions])
    return calendar


def feed_calendar(agent: User, sessions: list[PlanningSession]) -> Calendar:
    """The agent's private feed: one event per active session, any partner."""
    zone = ZoneInfo(agent_timezone(agent))
    calendar = new_calendar("PUBLISH")
    calendar.add("x-wr-calname", f"Planning sessions – {agent.name}")
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for session in sessions:
        event = session_event(session, agent, session.partner, zone, session.starts_at)
        event.add("uid", f"pps-session-{session.id}@{UID_DOMAIN}")
        calendar.add_component(event)
    add_timezones(calendar, [s.starts_at for s in sessions])
    return calendar


def add_timezones(calendar: Calendar, starts: list[datetime]) -> None:
    """Include the VTIMEZONE definitions, covering just the span of the sessions."""
    if not starts:
        return
    first, last = min(starts).date(), max(starts).date()
    calendar.add_missing_timezones(
        first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
    )


def series_filename(session: PlanningSession) -> str:
    """An ASCII file name: partner names may hold any character."""
    slug = file_slug(session.partner.name, "partner")
    return f"planning-{slug}-{session.starts_at:%Y%m%d}.ics"


# --- email -----------------------------------------------------------------------


@dataclass
class Delivery:
    """What happened to the invitation, in words the page shows."""

    sent: bool
    message: str


def send_invitation(sessions: list[PlanningSession]) -> Delivery:
    """Email the series invitation (.ics attached) to the partner and the agent.

    The message goes through the outbox: stored first, then sent by a worker
    (at once in immediate mode). Its key names this one sending, so the page
    can say whether it is out, on its way, or waiting for the mail server.
    """
    first = sessions[0]
    agent, partner = session_agent(first), first.partner
    if not partner.email:
        return Delivery(
            False,
            f"{partner.name} has no email address: add one, or download "
            "the invitation and send it yourself.",
        )
    if not mail_configured():
        return Delivery(
            False,
            "Email is not set up for PartnerPlan (no MAIL_SERVER): download "
            "the invitation and send it yourself.",
        )
    key = f"invitation:{series_uid(first)}:{secrets.token_hex(8)}"
    outbox.enqueue(invitation_message(sessions, agent, partner), key=key)
    stored = outbox.find(key)
    recipients = f"{partner.email} and {agent.email}"
    if stored.status == "sent":
        return Delivery(True, f"Invitation emailed to {recipients}.")
    if stored.status == "failed":
        return Delivery(
            False,
            "The invitation could not be emailed (the mail server refused it): "
            "download it and send it yourself.",
        )
    if stored.attempts:
        return Delivery(
            False,
            "The invitation could not be emailed yet (the mail server refused or did not "
            "answer): it will be tried again in a few minutes, or download it and send it "
            "yourself.",
        )
    return Delivery(True, f"Invitation to {recipients} queued: it will be emailed in a moment.")


def invitation_message(
    sessions: list[PlanningSession], agent: User, partner: Partner
) -> EmailMessage:
    first = sessions[0]
    message = EmailMessage()
    message["Subject"] = f"Partnership planning sessions: {partner.name} & {agent.name}"
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = ", ".join(
        [formataddr((partner.name, partner.email)), formataddr((agent.name, agent.email))]
    )
    message["Reply-To"] = formataddr((agent.name, agent.email))
    message.set_content(
        f"Hi {partner.name},\n\n"
        f"Here are our weekly partnership planning sessions: {SERIES_LENGTH} weeks, "
        f"{weekday_time(first.starts_at)} ({agent_timezone(agent)}), "
        f"starting {format_date(first.starts_at, style='long')}.\n\n{agent.name}\n"
    )
    message.add_attachment(
        series_calendar(sessions, "REQUEST").to_ical(),
        maintype="text",
        subtype="calendar",
        filename="invitation.ics",
        params={"method": "REQUEST"},
    )
    return message
