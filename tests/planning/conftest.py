"""Shared set-up for the planning tests: a frozen Friday and a committed partner."""

import pytest

from tests.helpers import make_partner
from tests.planning.helpers import FROZEN_TODAY


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
