"""Shared set-up for the planning tests: a frozen Friday and a committed partner."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.conftest import make_partner
from webapp.models import PlanningSession

# Friday 16 Oct 2026 in New York: the first offered week starts Fri 23 Oct,
# and daylight saving time ends on Sun 1 Nov, inside the 12 weeks.
FROZEN_TODAY = "2026-10-16"
FIRST_WEEK_FRIDAY = datetime(2026, 10, 23)


@pytest.fixture
def planning(app, db, team):
    app.config["PARTNERPLAN_NOW"] = FROZEN_TODAY
    agent = team["agent"]
    partners = {
        "debbie": make_partner(agent, "Debbie Stone", email="debbie@lender.example"),
        "omar": make_partner(agent, "Omar Haddad", email="omar@title.example"),
        "nomail": make_partner(agent, "Nora Nomail"),
        "kims": make_partner(team["other_agent"], "Kim's Partner", email="kp@example.com"),
        "rivals": make_partner(team["rival_agent"], "Rival Partner", email="rp@example.com"),
    }
    db.session.commit()
    return partners


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
