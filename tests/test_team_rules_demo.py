"""On the demo team, as in the browser: the manager writes "lenders in Maintain with
no live contact in 14 days → coffee", previews and backtests it, saves it; the demo
agent sees it with its reason on Today (Bertrand Okoye, whom no catalogue rule flags);
switched off, it is gone."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.helpers import lender_rule_form
from webapp.demo import DEMO_PASSWORD
from webapp.models import Recommendation, TeamRule

TODAY = date(2026, 11, 22)
MANAGER, AGENT = "manager@demo.partnerplan.test", "agent@demo.partnerplan.test"


@pytest.fixture
def demo(app, runner):
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output


def lender_rule(do: str) -> dict:
    """The shared lender rule, its slug made from its name."""
    return lender_rule_form(do, slug="")


def test_the_demo_manager_writes_a_rule_and_the_demo_agent_sees_it(demo, db, client, auth):
    auth.login(MANAGER, DEMO_PASSWORD)
    assert "Add a rule" in client.get("/rules/").get_data(as_text=True)
    page = client.post("/rules/team/new", data=lender_rule("preview")).get_data(as_text=True)
    assert "Fires for 1 partner today." in page  # Bertrand Okoye, lunch 16 days ago
    assert "Over the last 90 days it would have been raised for" in page
    assert client.post("/rules/team/new", data=lender_rule("save")).status_code == 303
    assert db.session.scalar(sa.select(TeamRule.slug)) == "lenders-in-maintain-coffee"
    auth.logout()

    auth.login(AGENT, DEMO_PASSWORD)
    today = client.get("/today").get_data(as_text=True)
    assert "Lenders in Maintain: coffee" in today
    assert "Bertrand Okoye is a lender in Maintain; last live contact 6 Nov (16 days ago)." in today
    auth.logout()

    auth.login(MANAGER, DEMO_PASSWORD)
    rule_id = db.session.scalar(sa.select(TeamRule.id))
    assert client.post(f"/rules/team/{rule_id}/switch").status_code == 303
    auth.logout()
    auth.login(AGENT, DEMO_PASSWORD)
    assert "Bertrand Okoye is a lender" not in client.get("/today").get_data(as_text=True)
    db.session.expire_all()
    rule = "team:lenders-in-maintain-coffee"
    statuses = db.session.scalars(
        sa.select(Recommendation.status).where(Recommendation.rule == rule)
    ).all()
    assert statuses and set(statuses) == {"closed"}
