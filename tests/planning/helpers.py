"""What the planning tests share: a frozen Friday, booking a series, reading it back."""

from datetime import datetime

import sqlalchemy as sa

from webapp.models import PlanningSession

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
