"""Relationship health: the score from its four parts, computed by hand for a
few partners; shown on the partner page with its trend; sorted and filtered on
the list; its weights refused beside the field when they do not add up."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from rules.cadence import Cadence
from rules.health import DEFAULT_WEIGHTS, health, resolve_weights
from rules.settings import DEFAULTS
from tests.helpers import make_partner
from webapp.models import Interaction, PartnerHealth, Referral, RuleSettings
from webapp.recommendations.lifecycle import refresh_partners

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen_today(app):
    app.config["PARTNERPLAN_NOW"] = TODAY.isoformat()


def live(db, partner, days_ago: int) -> None:
    at = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=10)
    db.session.add(
        Interaction(
            partner_id=partner.id, at=at, kind="coffee", direction="outbound", outcome="connected"
        )
    )


def refer(db, partner, days_ago: int, direction: str = "received") -> None:
    db.session.add(
        Referral(
            partner_id=partner.id,
            direction=direction,
            client="A client",
            referred_on=TODAY - timedelta(days=days_ago),
        )
    )


@pytest.fixture
def three(db, team):
    """Three partners whose scores are worked out by hand in the tests below."""
    agent = team["agent"]
    # Maintain, default cadence 30 (at most 60): live 12 and 50 days ago; one
    # referral received 100 days ago, one sent 200 days ago.
    steady = make_partner(agent, "Steady Sue", tier="maintain", profession="lender")
    live(db, steady, 12)
    live(db, steady, 50)
    refer(db, steady, 100)
    refer(db, steady, 200, "sent")
    # Cultivate, its own cadence 10 (at most 20): live 15 days ago; two sent, none received.
    slipping = make_partner(agent, "Slipping Sam", tier="cultivate", cadence_days=10)
    slipping.cadence_max_days = 20
    live(db, slipping, 15)
    refer(db, slipping, 30, "sent")
    refer(db, slipping, 40, "sent")
    # Maintain, never a live contact; three received in 180 days, one sent.
    silent = make_partner(agent, "Silent Sid", tier="maintain")
    for days_ago in (10, 20, 30):
        refer(db, silent, days_ago)
    refer(db, silent, 60, "sent")
    db.session.commit()
    refresh_partners(agent.team_id)
    return steady, slipping, silent


def stored(db, partner) -> PartnerHealth:
    return db.session.get(PartnerHealth, partner.id)


def test_hand_computed_scores(db, three):
    steady, slipping, silent = three
    # recency 40 (12 ≤ 30) + frequency 13 (2 of ceil(90/30)=3: 13.3) + referrals 13
    # (1 of 2: 12.5, half up) + reciprocity 15 (1 sent, 1 received) = 81.
    row = stored(db, steady)
    assert [part[:3] for part in row.parts] == [
        ["recency", 40, 40],
        ["frequency", 13, 20],
        ["referrals", 13, 25],
        ["reciprocity", 15, 15],
    ]
    assert row.score == 81 and not row.overdue
    assert row.parts[0][3] == "last live contact 12 days ago, cadence 30 (at most 60)"
    # recency 20 ((20-15)/(20-10) of 40) + frequency 2 (1 of 9: 2.2) + 0 + 0 (sent only) = 22.
    row = stored(db, slipping)
    assert [part[1] for part in row.parts] == [20, 2, 0, 0]
    assert row.score == 22 and not row.overdue
    assert row.parts[3][3] == "2 sent, 0 received in 365 days"
    # recency 0 (no live contact) + frequency 0 + referrals 25 (3, capped) +
    # reciprocity 5 (1 sent of 3 received: 15/3) = 30; overdue (never met live).
    row = stored(db, silent)
    assert [part[1] for part in row.parts] == [0, 0, 25, 5]
    assert row.score == 30 and row.overdue
    assert row.parts[0][3].startswith("no live contact yet")


def test_weights_of_the_team_change_the_score(db, team, three):
    steady = three[0]
    weights = {"recency": 70, "frequency": 10, "referrals": 10, "reciprocity": 10}
    db.session.add(
        RuleSettings(team_id=steady.team_id, version=1, values={"health_weights": weights})
    )
    db.session.commit()
    refresh_partners(steady.team_id)
    # 70 + 10×2/3 (6.7 → 7) + 10×1/2 (5) + 10 = 92.
    assert stored(db, steady).score == 92


def test_the_formula_on_its_own():
    facts = {"live_contact_ago": 45, "received_1_ago": 10, "sent_1_ago": 20}
    found = health(facts, Cadence(30, 60, "default"), live_contacts_90=1)
    # recency (60-45)/(60-30) = 0.5 → 20; frequency 1/3 → 7; referrals 1/2 → 13; balance 1 → 15.
    assert [p.points for p in found.parts] == [20, 7, 13, 15] and found.score == 55
    assert found.parts[0].words == (
        "recency 20/40: last live contact 45 days ago, cadence 30 (at most 60)"
    )


@pytest.mark.parametrize(
    "stored_weights",
    [
        None,
        {"recency": 50},
        {**DEFAULT_WEIGHTS, "recency": 41},
        {**DEFAULT_WEIGHTS, "recency": True},
    ],
)
def test_weights_that_do_not_add_up_fall_back_to_the_defaults(stored_weights):
    assert resolve_weights(stored_weights) == DEFAULT_WEIGHTS


def test_the_partner_page_shows_the_parts_and_an_accessible_trend(db, team, three, client, auth):
    steady = three[0]
    auth.login(team["agent"])
    page = client.get(f"/partners/{steady.id}").get_data(as_text=True)
    assert "81/100" in page
    assert "recency 40/40</strong>: last live contact 12 days ago, cadence 30" in page
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S)
    assert svg is not None
    assert 'aria-labelledby="health-trend-title health-trend-desc"' in svg.group(0)
    assert '<title id="health-trend-title">Health, last 12 weeks</title>' in svg.group(0)
    desc = re.search(r"<desc id=\"health-trend-desc\">(.*?)</desc>", svg.group(0)).group(1)
    # Twelve weekly points, the last of them today's score.
    assert desc.startswith("Health over 12 weeks:") and "81 on 20 Nov" in desc
    points = re.search(r'<polyline points="([^"]+)"', svg.group(0)).group(1).split()
    assert len(points) == 12


def test_the_list_sorts_and_filters_by_health(db, team, three, client, auth):
    auth.login(team["agent"])

    def names(**args) -> list[str]:
        page = client.get("/partners/", query_string=args).get_data(as_text=True)
        return re.findall(r"<strong>(S\w+ S\w+)</strong></a>", page)

    assert names(sort="health") == ["Slipping Sam", "Silent Sid", "Steady Sue"]
    assert names(sort="health_desc") == ["Steady Sue", "Silent Sid", "Slipping Sam"]
    assert names(health="low", sort="name") == ["Silent Sid", "Slipping Sam"]
    assert names(health="good") == ["Steady Sue"]
    assert names(health="overdue") == ["Silent Sid"]
    assert names(health="fair") == []
    page = client.get("/partners/", query_string={"sort": "health"}).get_data(as_text=True)
    assert 'data-label="Health" class="health-cell">22' in page


def test_the_list_reads_the_stored_scores_without_a_query_per_partner(
    db, team, three, client, auth
):
    auth.login(team["agent"])
    statements = []

    def count(*args, **kwargs):
        statements.append(args)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/partners/", query_string={"sort": "health"})
        few = len(statements)
        for n in range(10):
            make_partner(team["agent"], f"Extra {n}", tier="maintain")
        db.session.commit()
        refresh_partners(team["agent"].team_id)
        statements.clear()
        client.get("/partners/", query_string={"sort": "health"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == few


# The cadences and weights on the Rules page.


def cadence_form(**values) -> dict:
    data = {f"weight_{name}": str(value) for name, value in DEFAULT_WEIGHTS.items()}
    data.update({name: str(value) for name, value in values.items()})
    return data


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"maintain__lender__ideal": "abc"}, "maintain__lender__ideal", "whole number"),
        ({"maintain__lender__ideal": "0"}, "maintain__lender__ideal", "from 1 to 730"),
        (
            {"maintain__lender__ideal": "14", "maintain__lender__max": "7"},
            "maintain__lender__max",
            "cannot be under the ideal (14 days)",
        ),
        ({"cultivate__any__max": "30"}, "cultivate__any__max", "Give the ideal too"),
        ({"weight_recency": "35"}, "weight_recency", "The weights add up to 95: make it 100."),
        ({"weight_frequency": "-1"}, "weight_frequency", "from 0 to 100"),
    ],
)
def test_the_cadence_settings_refuse_bad_input_beside_the_field(
    db, team, client, auth, values, field, message
):
    auth.login(team["manager"])
    for action in ("/rules/cadences", "/rules/cadences/preview"):
        response = client.post(action, data=cadence_form(**values))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page and message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSettings)) == 0


def test_cadences_preview_then_save_as_a_new_version(db, team, client, auth):
    agent = team["agent"]
    lender = make_partner(agent, "Lena Lender", tier="maintain", profession="lender")
    live(db, lender, 20)
    db.session.commit()
    auth.login(team["manager"])
    data = cadence_form(maintain__lender__ideal="14")
    preview = client.post("/rules/cadences/preview", data=data)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert '<code>keep_warm</code></td><td data-label="Now">0</td>' in text
    assert '1 partners</td><td data-label="Change">+1' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSettings)) == 0
    assert client.post("/rules/cadences", data=data).status_code == 303
    row = db.session.scalar(sa.select(RuleSettings))
    assert row.values["cadences"] == {"maintain/lender": [14, 28]}
    assert row.values["keep_warm_days"] == 30  # the thresholds kept
    page = client.get("/rules/cadences").get_data(as_text=True)
    assert 'name="maintain__lender__ideal"' in page and 'value="14"' in page
    # Saving thresholds afterwards keeps the cadences; reverting to 0 drops them.
    thresholds = {name: str(value) for name, value in DEFAULTS.items()} | {"coffee_days": "14"}
    assert client.post("/rules/", data=thresholds).status_code == 303
    assert newest(db).values["cadences"] == {"maintain/lender": [14, 28]}
    assert newest(db).values["coffee_days"] == 14
    client.post("/rules/revert", data={"version": "0"})
    assert "cadences" not in newest(db).values


def newest(db) -> RuleSettings:
    return db.session.scalars(sa.select(RuleSettings).order_by(RuleSettings.version.desc())).first()


def test_the_trend_read_once_equals_a_refresh_of_each_week(db, team):
    """The page's trend folds one reading of the history week by week; each
    point equals what the refresh's queries compute as of that week's day."""
    from webapp.models import Agreement, PlanningSession
    from webapp.recommendations.facts import team_facts
    from webapp.recommendations.health import team_health, trend
    from webapp.recommendations.lifecycle import current_settings
    from webapp.recommendations.team_settings import team_cadences

    agent = team["agent"]
    partner = make_partner(agent, "Varied Val", tier="cultivate", profession="lender")
    moments = [  # days ago, kind, direction, outcome, disrespectful
        (80, "coffee", "outbound", "connected", False),
        (70, "call", "outbound", "no_response", False),
        (66, "call", "outbound", "no_response", False),
        (60, "thank_you", "outbound", None, False),
        (52, "voicemail", "inbound", None, False),
        (45, "lunch", "outbound", "connected", True),
        (30, "call", "inbound", "no_response", False),
        (21, "text", "outbound", "no_response", False),
        (9, "meeting", "outbound", "connected", False),
        (2, "call", "outbound", "no_response", False),
    ]
    for days_ago, kind, direction, outcome, rude in moments:
        at = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())
        db.session.add(
            Interaction(
                partner_id=partner.id,
                at=at.replace(hour=23),
                kind=kind,
                direction=direction,
                outcome=outcome,
                disrespectful=rude,
            )
        )
    for days_ago, direction in ((75, "received"), (40, "sent"), (12, "received")):
        refer(db, partner, days_ago, direction)
    start = datetime.combine(TODAY - timedelta(days=35), datetime.min.time()).replace(hour=9)
    db.session.add(PlanningSession(partner_id=partner.id, starts_at=start, status="held"))
    for ends_ago in (50, -20):  # one ends inside the twelve weeks, one after them
        db.session.add(
            Agreement(
                team_id=agent.team_id,
                partner_id=partner.id,
                kind="co_marketing",
                starts_on=TODAY - timedelta(days=300),
                ends_on=TODAY - timedelta(days=ends_ago),
                our_share=50,
                their_share=50,
                document="Drive: agreement.pdf",
            )
        )
    db.session.commit()

    _, thresholds = current_settings(agent.team_id)
    cadences = team_cadences(agent.team_id)
    expected = []
    for back in range(11, -1, -1):
        day = TODAY - timedelta(weeks=back)
        facts = team_facts(agent.team_id, day, [partner.id], cadences=cadences)
        expected.append((day, team_health(agent.team_id, facts, day, thresholds)[partner.id].score))
    points = trend(partner, TODAY, thresholds)
    assert points == expected
    assert len({score for _, score in points}) > 3  # the weeks differ: a real comparison
