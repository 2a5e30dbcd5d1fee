"""What the planning tests share: a frozen Friday, booking a series, reading it back."""

import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from webapp.models import Holiday, PlanningSession

# Friday 16 Oct 2026 in New York: the first offered week starts Fri 23 Oct,
# and daylight saving time ends on Sun 1 Nov, inside the 12 weeks.
FROZEN_TODAY = "2026-10-16"
FIRST_WEEK_FRIDAY = datetime(2026, 10, 23)


def book(client, partner, when: datetime, **headers):
    return client.post(
        f"/planning/partners/{partner.id}/series",
        data={"starts_at": when.isoformat(timespec="minutes")},
        headers=headers,
    )


def sessions_of(db, partner) -> list[PlanningSession]:
    return list(
        db.session.scalars(
            sa.select(PlanningSession)
            .where(PlanningSession.partner_id == partner.id)
            .order_by(PlanningSession.starts_at)
        )
    )


def add_series(db, partner, first: datetime, weeks: int = 12, **fields) -> list[PlanningSession]:
    """A weekly series written as booking writes it, from `first` (a wall time of the
    agent's zone), on the calendar of the partner's owner."""
    series = uuid.uuid4().hex
    sessions = [
        PlanningSession(
            partner_id=partner.id,
            user_id=partner.owner_id,
            series=series,
            starts_at=start,
            original_starts_at=start,
            minutes=20,
            answers={},
            **fields,
        )
        for start in (first + timedelta(weeks=week) for week in range(weeks))
    ]
    db.session.add_all(sessions)
    db.session.commit()
    return sessions


def add_holiday(db, team_id: int, day: date, name: str) -> Holiday:
    holiday = Holiday(team_id=team_id, day=day, name=name)
    db.session.add(holiday)
    db.session.commit()
    return holiday


def agenda_weeks(client, **query) -> tuple[str, str]:
    """The agenda's two weeks, as the HTML of "This week" and of "Next week"."""
    response = client.get("/planning/", query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    this_week, next_week = page.split('id="agenda-week-2"')
    return this_week.split('id="agenda-week-1"')[1], next_week
