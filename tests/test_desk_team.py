"""The team overview, its numbers pinned on a hand-made team as of Friday 20 Nov 2026."""

import re
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests.helpers import make_partner
from webapp.models import Interaction, PlanningSession, Recommendation, Referral, RuleSettings

TODAY = "2026-11-20"  # quarter from 1 Oct; 29 days ago is 22 Oct; 21 days ago is 30 Oct


@pytest.fixture
def book(app, db, team):
    app.config["PARTNERPLAN_NOW"] = TODAY
    sam, kim = team["agent"], team["other_agent"]

    def partner(owner, name, tier, met_on=date(2026, 8, 1), **fields):
        return make_partner(owner, name, tier=tier, met_on=met_on, **fields)

    def contact(p, at, kind="call", outcome="connected", direction="outbound"):
        db.session.add(
            Interaction(partner_id=p.id, at=at, kind=kind, outcome=outcome, direction=direction)
        )

    def rec(p, status="open", due=None):
        db.session.add(
            Recommendation(
                team_id=p.team_id,
                partner_id=p.id,
                rule="coffee",
                kind="action",
                reason="r",
                status=status,
                due=due,
            )
        )

    def referral(p, on, direction="received"):
        db.session.add(
            Referral(partner_id=p.id, direction=direction, referred_on=on, client="A client")
        )

    p = {}
    # Sam: Maintain
    p["m1"] = partner(sam, "Mona Fresh", "maintain")
    contact(p["m1"], datetime(2026, 10, 22, 10))  # 29 days ago: still in the last 30
    p["m2"] = partner(sam, "Milo Stale", "maintain")
    contact(p["m2"], datetime(2026, 10, 21, 18), kind="coffee")  # 30 days ago: too old
    p["m3"] = partner(sam, "Mae Emailonly", "maintain")
    contact(p["m3"], datetime(2026, 11, 19), kind="email")  # not a live kind
    contact(p["m3"], datetime(2026, 11, 18), outcome="no_response")  # not connected
    p["m4"] = partner(sam, "Max Planner", "maintain")
    db.session.add(
        PlanningSession(partner_id=p["m4"].id, starts_at=datetime(2026, 11, 1, 13), status="held")
    )
    p["d1"] = partner(sam, "Dee Donotcall", "maintain", do_not_contact=True)
    p["a1"] = partner(sam, "Archie Archived", "maintain", archived_at=datetime(2026, 11, 1))
    p["f1"] = partner(sam, "Fay Future", "maintain")
    contact(p["f1"], datetime(2026, 11, 25, 9))  # after today: ignored
    # Sam: Cultivate and Cease
    p["c1"] = partner(
        sam, "Cal Metlongago", "cultivate", met_on=date(2026, 10, 30)
    )  # met 21 days ago
    p["c2"] = partner(sam, "Cora Newish", "cultivate", met_on=date(2026, 10, 31))  # met 20 days ago
    p["c3"] = partner(sam, "Cy Lunched", "cultivate", met_on=date(2026, 9, 1))
    contact(p["c3"], datetime(2026, 10, 31, 12), kind="lunch")  # 20 days ago: in the last 21
    p["c4"] = partner(sam, "Cass Lapsed", "cultivate", met_on=date(2026, 9, 1))
    contact(p["c4"], datetime(2026, 10, 30, 12), kind="meeting", direction="inbound")  # 21 days ago
    p["x1"] = partner(sam, "Xena Ceased", "cease")
    # Kim: the meeting day unknown, the day recorded stands in
    p["k1"] = partner(
        kim, "Kit Oldrecord", "maintain", met_on=None, created_at=datetime(2026, 1, 1)
    )
    p["k2"] = partner(
        kim, "Kai Justadded", "cultivate", met_on=None, created_at=datetime(2026, 11, 15)
    )
    p["k3"] = partner(kim, "Kip Called", "cultivate")
    contact(p["k3"], datetime(2026, 11, 19, 16), direction="inbound")
    # The rival team: never counted
    p["r1"] = partner(team["rival_agent"], "Rita Rival", "maintain")

    rec(p["m1"], due=date(2026, 11, 19))  # overdue
    rec(p["m2"], due=date(2026, 11, 20))  # due today: not overdue
    rec(p["c1"])  # no due day
    rec(p["m3"], status="done", due=date(2026, 11, 1))
    rec(p["a1"], due=date(2026, 11, 1))  # archived partner
    rec(p["k1"], due=date(2026, 11, 10))
    rec(p["k2"], status="dismissed", due=date(2026, 11, 1))
    rec(p["r1"], due=date(2026, 11, 1))

    referral(p["m1"], date(2026, 10, 1))  # first day of the quarter
    referral(p["m1"], date(2026, 9, 30))  # last quarter
    referral(p["m2"], date(2026, 11, 1), direction="sent")
    referral(p["c3"], date(2026, 11, 20))  # today
    referral(p["f1"], date(2026, 11, 21))  # tomorrow
    referral(p["a1"], date(2026, 10, 5))  # received before the partner was archived: it counts
    referral(p["k3"], date(2026, 11, 5))
    referral(p["r1"], date(2026, 11, 5))
    db.session.commit()
    return p


def row(html: str, table_id: str, name: str) -> list[int]:
    table = re.search(rf'<table class="stack" id="{table_id}">(.*?)</table>', html, re.S).group(1)
    cells = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', table, re.S).group(1)
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", cells)]


def test_partners_per_tier_per_agent(client, auth, team, book):
    auth.login(team["manager"])
    html = client.get("/desk/team").get_data(as_text=True)
    # Cultivate, Maintain, Cease, all
    assert row(html, "tiers-table", "Sam Ortiz") == [4, 6, 1, 11]
    assert row(html, "tiers-table", "Kim Lee") == [2, 1, 0, 3]
    assert row(html, "tiers-table", "Team") == [6, 7, 1, 14]
    assert (
        "Rex Rival" not in html and "Dana Reyes" not in html.split("<main")[1].split("</main>")[0]
    )


def test_slipping_open_overdue_and_referrals_per_agent(client, auth, team, book):
    auth.login(team["admin"])
    html = client.get("/desk/team").get_data(as_text=True)
    # slipping, open recommendations, overdue, referrals received this quarter
    assert row(html, "work-table", "Sam Ortiz") == [5, 3, 1, 3]
    assert row(html, "work-table", "Kim Lee") == [1, 1, 1, 1]
    assert row(html, "work-table", "Team") == [6, 4, 2, 4]


def test_who_is_slipping(client, auth, team, book):
    auth.login(team["manager"])
    html = client.get("/desk/team").get_data(as_text=True)
    table = re.search(r'<table class="stack" id="slipping-table">(.*?)</table>', html, re.S).group(
        1
    )
    names = re.findall(r'<td data-label="Partner"><a href="/partners/\d+">([^<]+)</a></td>', table)
    assert sorted(names) == sorted(
        [
            "Milo Stale",
            "Mae Emailonly",
            "Fay Future",
            "Cal Metlongago",
            "Cass Lapsed",
            "Kit Oldrecord",
        ]
    )
    assert names[0] in {
        "Mae Emailonly",
        "Fay Future",
        "Cal Metlongago",
        "Kit Oldrecord",
    }  # never met live first
    assert "21 Oct 2026" in table and "30 Oct 2026" in table


def test_charts_are_accessible_svg_with_the_same_numbers(client, auth, team, book):
    auth.login(team["manager"])
    html = client.get("/desk/team").get_data(as_text=True)
    assert html.count('role="img"') == 3 and "<script" not in html.split("</head>")[1]
    tiers = re.search(
        r'<svg[^>]*aria-labelledby="chart-tiers-title chart-tiers-desc".*?</svg>', html, re.S
    ).group(0)
    assert '<title id="chart-tiers-title">Partners per tier, per agent</title>' in tiers
    assert "Sam Ortiz: 11 (Cultivate 4, Maintain 6, Cease 1)" in tiers
    assert "Kim Lee: 3 (Cultivate 2, Maintain 1)" in tiers
    referrals = re.search(
        r'<svg[^>]*aria-labelledby="chart-referrals-title.*?</svg>', html, re.S
    ).group(0)
    assert "Kim Lee: 1; Sam Ortiz: 3" in referrals  # by name


@contextmanager
def statements(db):
    seen = []

    def count(*args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_overview_costs_the_same_queries_for_any_number_of_partners(
    client, auth, team, book, db
):
    auth.login(team["manager"])
    client.get("/desk/team")  # warm up: the test and the requests share one session
    with statements(db) as before:
        client.get("/desk/team")
    for n in range(20):
        more = make_partner(team["agent"], f"Extra {n}", tier="maintain")
        db.session.add(
            Interaction(
                partner_id=more.id, at=datetime(2026, 11, 1), kind="call", outcome="connected"
            )
        )
    db.session.commit()
    client.get("/desk/team")
    with statements(db) as after:
        client.get("/desk/team")
    assert len(after) == len(before)


def test_slipping_follows_the_teams_tuned_thresholds(client, auth, team, book, db):
    team_id = team["manager"].team_id
    db.session.add(RuleSettings(team_id=team_id, version=1, values={"keep_warm_days": 45}))
    db.session.add(
        RuleSettings(team_id=team_id, version=2, values={"keep_warm_days": 31, "coffee_days": 22})
    )
    db.session.commit()
    auth.login(team["manager"])
    html = client.get("/desk/team").get_data(as_text=True)
    table = re.search(r'<table class="stack" id="slipping-table">(.*?)</table>', html, re.S).group(
        1
    )
    # Milo's coffee 30 days ago is inside 31; Cal met 21 days ago is not yet 22; Cass's meeting
    # 21 days ago is inside 22.
    assert (
        "Milo Stale" not in table and "Cal Metlongago" not in table and "Cass Lapsed" not in table
    )
    assert "Mae Emailonly" in table and "no live contact in the last 31 days" in html
