"""Referral ledger, ROI, seed 003's projection and the charts, on a hand-computed book.

Today is frozen at Fri 20 Nov 2026; the team's commission per side is $12,000.
"The last 12 months" is 21 Nov 2025 .. 20 Nov 2026.

Sam (agent) owns Ana Lender and Bo Agent; Kim (another agent) owns Cy Cpa.

Ana   received  10 Jan 2026  closed 11 Mar (60 days)  $15,000
      received   1 Jun 2026  closed 21 Jun (20 days)  no amount -> $12,000
      received   1 Sep 2026  lost
      received   1 Oct 2026  active
      sent       5 May 2026  closed  4 Jul (60 days)  $3,000
      time: coffee (no minutes: 60) + lunch 45 + meeting (no minutes: 60)
            + held planning session 30 = 195 min; a call, a booked session and
            an event of Oct 2025 (outside the 12 months) do not count
      -> $27,000 in 3 h 15 min = $8,307.69 an hour
Bo    sent       1 Aug 2026  closed 31 Aug (30 days)  no amount -> $12,000
      sent      10 Sep 2026  new;  sent 20 Oct 2026 active
      -> 3 sent, 0 received: one-sided
Cy    received   2 Oct 2026  closed  1 Nov (30 days)  $9,000

Sam's ledger:  received 4 (closed 2, lost 1, active 1), $27,000, 2/(2+1) = 67 %, 40 days
               sent 4 (new 1, active 1, closed 2), $15,000, 2/2 = 100 %, 45 days
Team's ledger: received 5 (closed 3), $36,000, 3/4 = 75 %, (60+20+30)/3 = 37 days
"""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import render_template

from tests.helpers import flat, make_partner
from webapp.models import AuditEvent, Interaction, PlanningSession, Referral
from webapp.panels import panels_for

LONG_AGO = datetime(2025, 1, 1)


def referral(partner, direction, referred_on, status="new", closed_on=None, commission=None):
    return Referral(
        partner_id=partner.id,
        direction=direction,
        referred_on=referred_on,
        client="Client",
        status=status,
        closed_on=closed_on,
        commission=commission,
    )


@pytest.fixture
def book(app, db, team):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20"
    sam, kim = team["agent"], team["other_agent"]
    ana = make_partner(
        sam,
        "Ana Lender",
        profession="lender",
        tier="maintain",
        commitment_made_on=date(2026, 2, 1),
        created_at=LONG_AGO,
    )
    bo = make_partner(sam, "Bo Agent", profession="agent", created_at=LONG_AGO)
    cy = make_partner(kim, "Cy Cpa", profession="cpa", created_at=LONG_AGO)
    rival = make_partner(team["rival_agent"], "Rival Partner", created_at=LONG_AGO)
    db.session.add_all([
        referral(ana, "received", date(2026, 1, 10), "closed", date(2026, 3, 11), Decimal(15000)),
        referral(ana, "received", date(2026, 6, 1), "closed", date(2026, 6, 21)),
        referral(ana, "received", date(2026, 9, 1), "lost"),
        referral(ana, "received", date(2026, 10, 1), "active"),
        referral(ana, "sent", date(2026, 5, 5), "closed", date(2026, 7, 4), Decimal(3000)),
        referral(bo, "sent", date(2026, 8, 1), "closed", date(2026, 8, 31)),
        referral(bo, "sent", date(2026, 9, 10), "new"),
        referral(bo, "sent", date(2026, 10, 20), "active"),
        referral(cy, "received", date(2026, 10, 2), "closed", date(2026, 11, 1), Decimal(9000)),
        referral(rival, "received", date(2026, 10, 2), "closed", date(2026, 11, 1),
                 Decimal(999000)),
    ])  # fmt: skip
    for kind, at, minutes in [
        ("coffee", datetime(2026, 3, 2, 8), None),
        ("lunch", datetime(2026, 4, 2, 12), 45),
        ("meeting", datetime(2026, 5, 2, 10), None),
        ("call", datetime(2026, 5, 3, 10), 30),
        ("event", datetime(2025, 10, 1, 18), None),
    ]:
        db.session.add(
            Interaction(
                partner_id=ana.id,
                user_id=sam.id,
                at=at,
                kind=kind,
                outcome="connected",
                minutes=minutes,
            )
        )
    db.session.add_all([
        PlanningSession(partner_id=ana.id, user_id=sam.id, starts_at=datetime(2026, 8, 7, 13),
                        minutes=30, status="held"),
        PlanningSession(partner_id=ana.id, user_id=sam.id, starts_at=datetime(2026, 11, 27, 13),
                        minutes=20, status="booked"),
    ])  # fmt: skip
    # Ana moved from Cultivate to Maintain on 15 Sep 2026.
    db.session.add(
        AuditEvent(
            team_id=sam.team_id,
            user_id=team["manager"].id,
            partner_id=ana.id,
            at=datetime(2026, 9, 15, 10),
            kind="tier_change",
            summary="Cultivate -> Maintain",
            before={"tier": "cultivate"},
            after={"tier": "maintain"},
        )
    )
    db.session.commit()
    return {"ana": ana, "bo": bo, "cy": cy, "rival": rival, **team}


# --- the ledger ------------------------------------------------------------------------


def test_agent_ledger_counts_only_their_partners(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/"))
    assert '<th scope="row">Closed</th><td>2</td><td>2</td>' in page
    assert '<th scope="row">Lost</th><td>1</td><td>0</td>' in page
    assert '<th scope="row">Active</th><td>1</td><td>1</td>' in page
    assert '<th scope="row">New</th><td>0</td><td>1</td>' in page
    assert "<td><strong>4</strong></td><td><strong>4</strong></td>" in page
    # $15,000 + $12,000 standing in for the referral with no amount.
    assert '<th scope="row">Commission closed</th><td>$27,000</td><td>$15,000</td>' in page
    assert "<td>67%</td><td>100%</td>" in page  # 2 / (2 + 1) and 2 / 2
    assert '<th scope="row">Average days to close</th><td>40</td><td>45</td>' in page
    assert "$999,000" not in page and "$36,000" not in page


def test_manager_ledger_covers_the_team_and_no_other(client, auth, book):
    auth.login(book["manager"])
    page = flat(client.get("/referrals/"))
    assert '<th scope="row">Commission closed</th><td>$36,000</td><td>$15,000</td>' in page
    assert "<td>75%</td><td>100%</td>" in page  # 3 / (3 + 1)
    assert '<th scope="row">Average days to close</th><td>37</td><td>45</td>' in page


def test_conversion_and_days_are_blank_when_nothing_is_decided(client, auth, team):
    auth.login(team["rival_agent"])
    page = flat(client.get("/referrals/"))
    assert "No referrals logged yet" in page
    assert "<td>—</td><td>—</td>" in page


def test_partner_panel_shows_that_partners_ledger_and_months(app, book):
    with app.test_request_context():
        panel = next(p for p in panels_for(book["ana"], book["agent"]) if p.name == "ledger")
        html = re.sub(r">\s+<", "><", render_template(panel.template, panel=panel))
    assert 'id="panel-ledger"' in html
    assert '<th scope="row">Commission closed</th><td>$27,000</td><td>$3,000</td>' in html
    assert '<th scope="row">Average days to close</th><td>40</td><td>60</td>' in html
    assert '<th scope="row">January 2026</th><td>1</td><td>0</td>' in html
    assert '<th scope="row">May 2026</th><td>0</td><td>1</td>' in html


def test_partner_panel_is_refreshed_out_of_band_after_logging(app, book):
    with app.test_request_context():
        panels = panels_for(book["ana"], book["agent"], changed="referral")
        panel = next(p for p in panels if p.name == "ledger")
        html = render_template(panel.template, panel=panel)
    assert 'id="panel-ledger" hx-swap-oob="true"' in html


# --- ROI ---------------------------------------------------------------------------------


def roi_rows(page: str) -> list[str]:
    return re.findall(r'<td data-label="Partner"><strong>([^<]+)</strong>', page)


def test_roi_weighs_commission_against_time_invested(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/roi?sort=commission"))
    ana = page.split("<strong>Ana Lender</strong>")[1].split("</tr>")[0]
    assert "$27,000" in ana and "(2 closed)" in ana
    assert "3 h 15 min" in ana  # 60 + 45 + 60 + 30 held planning minutes
    assert "$8,308" in ana  # 27,000 / 3.25 h
    bo = page.split("<strong>Bo Agent</strong>")[1].split("</tr>")[0]
    assert "$0" in bo and "—" in bo and "0 min" in bo
    assert roi_rows(page) == ["Ana Lender", "Bo Agent"]


@pytest.mark.parametrize(
    "logged_on, shown",
    [
        # The held session of 7 Aug (30 min) logged again as an interaction of 25 min
        # that day: one meeting, counted once as logged (195 - 30 + 25 = 190 min).
        (datetime(2026, 8, 7, 15), "3 h 10 min"),
        # Another day: two meetings (195 + 25 = 220 min).
        (datetime(2026, 8, 8, 15), "3 h 40 min"),
    ],
)
def test_a_held_session_logged_as_an_interaction_too_counts_once(
    client, auth, db, book, logged_on, shown
):
    db.session.add(
        Interaction(
            partner_id=book["ana"].id,
            user_id=book["agent"].id,
            at=logged_on,
            kind="planning_session",
            outcome="connected",
            minutes=25,
        )
    )
    db.session.commit()
    auth.login(book["agent"])
    page = flat(client.get("/referrals/roi"))
    assert shown in page.split("<strong>Ana Lender</strong>")[1].split("</tr>")[0]


def test_roi_highlights_one_sided_relationships(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/roi"))
    bo = page.split("<strong>Bo Agent</strong>")[1].split("</tr>")[0]
    assert '<td data-label="Sent">3</td>' in bo
    assert "One-sided</span>" in bo
    assert "1 one-sided relationship:" in page
    ana = page.split("<strong>Ana Lender</strong>")[1].split("</tr>")[0]
    assert "One-sided" not in ana


def test_roi_sorts_by_each_column_both_ways(client, auth, book):
    auth.login(book["manager"])
    by = {}
    for sort in ("name", "commission", "sent"):
        for direction in ("asc", "desc"):
            page = flat(client.get(f"/referrals/roi?sort={sort}&dir={direction}"))
            by[sort, direction] = roi_rows(page)
    assert by["name", "asc"] == ["Ana Lender", "Bo Agent", "Cy Cpa"]
    assert by["name", "desc"] == ["Cy Cpa", "Bo Agent", "Ana Lender"]
    assert by["commission", "desc"] == ["Ana Lender", "Cy Cpa", "Bo Agent"]
    assert by["commission", "asc"] == ["Bo Agent", "Cy Cpa", "Ana Lender"]
    assert by["sent", "desc"] == ["Bo Agent", "Ana Lender", "Cy Cpa"]
    # Unknown sorts fall back to $ per hour; an htmx request gets only the table.
    response = client.get("/referrals/roi?sort=evil", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<div id="roi-table">')


# --- projection (seed 003) -----------------------------------------------------------------


def test_projection_one_partner_one_deal_a_month_is_144000_a_year(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/projection?partners=1&rate=1"))
    assert "<strong>$144,000</strong> a year" in page  # $12,000 × 12
    assert "<strong>$144,000</strong> per partner per year" in page


def test_projection_ten_partners_is_1_44_million(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/projection?partners=10&rate=1"))
    assert "<strong>$1,440,000</strong> a year ($1.44M)" in page


def test_projection_defaults_to_committed_partners_and_one_deal(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get("/referrals/projection"))
    assert re.search(r'<input id="partners"[^>]*value="1">', page)
    assert re.search(r'<input id="rate"[^>]*value="1">', page)
    assert "You have 1 partner with a commitment" in page
    assert "<strong>$144,000</strong> a year" in page


def test_projection_follows_the_teams_commission_and_half_rates(client, auth, book, db):
    book["agent"].team.commission_per_side = Decimal(8000)
    db.session.commit()
    auth.login(book["agent"])
    page = flat(client.get("/referrals/projection?partners=3&rate=0.5"))
    assert "<strong>$48,000</strong> per partner per year" in page  # 0.5 × 12 × 8,000
    assert "<strong>$144,000</strong> a year" in page  # × 3


@pytest.mark.parametrize(
    "query, message",
    [
        ("partners=10001&rate=1", "Enter a whole number from 0 to 10,000."),
        ("partners=-1&rate=1", "Enter a whole number from 0 to 10,000."),
        ("partners=ten&rate=1", "Not a valid integer value."),
        ("partners=2&rate=31", "Enter a number from 0 to 30"),
        ("partners=2&rate=", "Enter a number of deals."),
    ],
)
def test_projection_rejects_numbers_out_of_range_beside_the_field(
    client, auth, book, query, message
):
    auth.login(book["agent"])
    response = client.get(f"/referrals/projection?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert "a year" not in page
    assert "<html" not in page  # htmx gets the block only


# --- charts ------------------------------------------------------------------------------------


def test_charts_are_accessible_svg_with_their_numbers_in_tables(client, auth, book):
    auth.login(book["manager"])
    page = flat(client.get("/referrals/charts"))
    assert page.count('role="img"') == 3
    assert '<title id="monthly-title">Referrals received and sent per month</title>' in page
    assert "<script" not in page.split("<main")[1]
    # October 2026: Ana's active and Cy's closed received, Bo's active sent.
    assert '<th scope="row">October 2026</th><td>2</td><td>1</td>' in page
    assert '<th scope="row">December 2025</th><td>0</td><td>0</td>' in page
    assert 'viewBox="0 0 360 ' in page


def test_tier_distribution_is_replayed_from_tier_changes(client, auth, book):
    auth.login(book["manager"])
    page = flat(client.get("/referrals/charts"))
    tiers = page.split('id="tiers-heading"')[1]
    # Maintain, Cultivate, Cease: Ana moved to Maintain on 15 Sep 2026.
    assert '<th scope="row">August 2026</th><td>0</td><td>3</td><td>0</td>' in tiers
    assert '<th scope="row">September 2026</th><td>1</td><td>2</td><td>0</td>' in tiers
    assert '<th scope="row">November 2026</th><td>1</td><td>2</td><td>0</td>' in tiers


def test_top_partners_by_commission(client, auth, book):
    auth.login(book["manager"])
    page = flat(client.get("/referrals/charts"))
    top = page.split('id="top-heading"')[1]
    assert top.index("Ana Lender") < top.index("Cy Cpa")
    assert '<th scope="row">Ana Lender</th><td>2</td><td>$27,000</td>' in top
    assert '<th scope="row">Cy Cpa</th><td>1</td><td>$9,000</td>' in top
    assert "Bo Agent" not in top and "Rival" not in top


def test_agent_charts_show_only_their_partners(client, auth, book):
    auth.login(book["other_agent"])
    page = flat(client.get("/referrals/charts"))
    assert '<th scope="row">October 2026</th><td>1</td><td>0</td>' in page
    assert "Ana Lender" not in page


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/",
        "/referrals/roi",
        "/referrals/projection",
        "/referrals/charts",
        "/referrals/partners-csv",
    ],
)
def test_pages_need_a_login(client, book, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_rival_team_sees_none_of_our_numbers(client, auth, book):
    auth.login(book["rival_manager"])
    assert "$999,000" in flat(client.get("/referrals/"))
    for path in ("/referrals/", "/referrals/roi", "/referrals/charts"):
        page = flat(client.get(path))
        assert "Ana Lender" not in page and "$27,000" not in page and "$36,000" not in page


def test_a_manager_narrows_the_numbers_to_one_agent(client, auth, book):
    auth.login(book["manager"])
    kim = book["other_agent"].id
    page = flat(client.get(f"/referrals/?agent={kim}"))
    assert "All referrals of Kim Lee&#39;s partners" in page
    assert '<th scope="row">Commission closed</th><td>$9,000</td><td>$0</td>' in page
    assert roi_rows(flat(client.get(f"/referrals/roi?agent={kim}"))) == ["Cy Cpa"]
    assert "Ana Lender" not in flat(client.get(f"/referrals/charts?agent={kim}"))
    projection = flat(client.get(f"/referrals/projection?agent={book['agent'].id}"))
    assert "Sam Ortiz&#39;s book has 1 partner with a commitment" in projection
    assert "<strong>$144,000</strong> a year" in projection  # the defaults, not an error
    # Someone from another team is no filter at all: the whole team is shown.
    page = flat(client.get(f"/referrals/?agent={book['rival_agent'].id}"))
    assert '<th scope="row">Commission closed</th><td>$36,000</td><td>$15,000</td>' in page


def test_an_agent_cannot_look_at_another_agents_numbers(client, auth, book):
    auth.login(book["agent"])
    page = flat(client.get(f"/referrals/?agent={book['other_agent'].id}"))
    assert '<th scope="row">Commission closed</th><td>$27,000</td><td>$15,000</td>' in page
    assert "Whose partners" not in page
