"""ROI with money: spend, referral fees, net and cost per closed referral, over a
chosen period, on a hand-computed book.

Today is frozen at Fri 15 Jan 2027 (New York, the team's zone); the team's
commission per side is $12,000. Sam owns Ana, Bo and Cy; Kim owns Dee.

Ana  received, closed 11 Mar 2026, $15,000, fee paid 25 % -> $3,750
     lunch 1 Feb 2026 $62.50; gift 31 Dec 2026 23:30 $100; coffee 1 Jan 2027 00:15 $7.50
     2026: net 15,000 − 162.50 − 3,750 = 11,087.50; cost per closed (162.50 + 3,750) / 1
           = 3,912.50
     2027: spent 7.50, nothing closed: net −7.50, "no closed referral"
Bo   sent, closed 31 Aug 2026, no amount -> $12,000, fee received 25 % -> $3,000
     received, closed 1 Oct 2026, $8,000, fee paid $800 (an amount)
     event 1 Jun 2026 $240
     2026: net 8,000 − 240 − 800 + 3,000 = 9,960; cost per closed (240 + 800) / 1 = 1,040
Cy   co-marketing 5 May 2026 $500, no referral at all
     2026: net −500; "no closed referral" (not a division by zero)
Dee  (Kim's) received, closed 1 Jul 2026, $9,000; nothing spent: net 9,000, cost 0

Sam in 2026: commission 23,000, spent 902.50, fees paid 4,550, received 3,000,
             net 20,547.50 (= 11,087.50 + 9,960 − 500), cost per closed 5,452.50 / 2
             = 2,726.25
Projection: Ana is Sam's one committed partner; over the last 12 months (16 Jan
2026 .. 15 Jan 2027) she cost 62.50 + 100 + 7.50 + 3,750 = 3,920: one more deal
a month is 144,000 a year, net 140,080.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.helpers import flat, make_partner
from webapp.models import Interaction, Referral
from webapp.referrals import queries

D = Decimal


def spend(partner, kind, at, amount):
    return Interaction(partner_id=partner.id, kind=kind, at=at, amount_spent=D(amount))


def closed(partner, direction, on, commission=None, **fee):
    return Referral(partner_id=partner.id, direction=direction, referred_on=date(2026, 1, 5),
                    client="Client", status="closed", closed_on=on, commission=commission,
                    **fee)  # fmt: skip


@pytest.fixture
def book(app, db, team):
    app.config["PARTNERPLAN_NOW"] = "2027-01-15T12:00"
    sam, kim = team["agent"], team["other_agent"]
    ana = make_partner(sam, "Ana Lender", commitment_made_on=date(2026, 2, 1))
    bo = make_partner(sam, "Bo Agent")
    cy = make_partner(sam, "Cy Cpa")
    dee = make_partner(kim, "Dee Planner")
    db.session.add_all([
        closed(ana, "received", date(2026, 3, 11), D(15000), fee_direction="paid",
               fee_percent=D(25)),
        spend(ana, "lunch", datetime(2026, 2, 1, 12, 0), "62.50"),
        spend(ana, "gift", datetime(2026, 12, 31, 23, 30), "100"),
        spend(ana, "coffee", datetime(2027, 1, 1, 0, 15), "7.50"),
        closed(bo, "sent", date(2026, 8, 31), None, fee_direction="received", fee_percent=D(25)),
        closed(bo, "received", date(2026, 10, 1), D(8000), fee_direction="paid",
               fee_amount=D(800)),
        spend(bo, "event", datetime(2026, 6, 1, 18, 0), "240"),
        spend(cy, "co_marketing", datetime(2026, 5, 5, 9, 0), "500"),
        closed(dee, "received", date(2026, 7, 1), D(9000)),
    ])  # fmt: skip
    db.session.commit()
    return {"ana": ana, "bo": bo, "cy": cy, "dee": dee}


def rows_of(user, start, end):
    rows = queries.roi(user, D(12000), end, start=start)
    return {row.name: row for row in rows}


def test_net_and_cost_per_closed_referral_of_last_year(book, team):
    rows = rows_of(team["agent"], date(2026, 1, 1), date(2026, 12, 31))
    ana, bo, cy = rows["Ana Lender"], rows["Bo Agent"], rows["Cy Cpa"]
    assert (ana.commission, ana.spent, ana.fees_paid) == (D("15000.00"), D("162.50"), D("3750.00"))
    assert (ana.net, ana.cost_per_closed) == (D("11087.50"), D("3912.50"))
    assert (bo.commission, bo.fees_paid, bo.fees_received) == (D(8000), D(800), D(3000))
    assert (bo.net, bo.cost_per_closed) == (D("9960.00"), D("1040.00"))
    assert (cy.spent, cy.net, cy.closed, cy.cost_per_closed) == (D(500), D(-500), 0, None)
    assert "Dee Planner" not in rows  # Kim's


def test_per_agent_adds_up_the_partners(book, team):
    rows = queries.roi(team["manager"], D(12000), date(2026, 12, 31), start=date(2026, 1, 1))
    agents = {row.name: row for row in queries.per_agent(rows)}
    sam, kim = agents["Sam Ortiz"], agents["Kim Lee"]
    assert (sam.partners, sam.commission, sam.spent) == (3, D(23000), D("902.50"))
    assert (sam.fees_paid, sam.fees_received, sam.net) == (D(4550), D(3000), D("20547.50"))
    assert sam.cost_per_closed == D("2726.25")
    assert (kim.net, kim.cost_per_closed) == (D(9000), D(0))


def test_the_year_changes_at_the_teams_midnight(book, team):
    """The gift of 31 Dec 23:30 (04:30 on 1 Jan in UTC) is last year's spend."""
    last = rows_of(team["agent"], date(2026, 1, 1), date(2026, 12, 31))["Ana Lender"]
    this = rows_of(team["agent"], date(2027, 1, 1), date(2027, 1, 15))["Ana Lender"]
    assert (last.spent, this.spent) == (D("162.50"), D("7.50"))
    assert (this.net, this.cost_per_closed) == (D("-7.50"), None)


def test_the_roi_page_over_last_year_shows_net_and_no_closed_referral(client, auth, book, team):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/roi?period=last_year&sort=net"))
    assert "1 Jan 2026" in page or "Jan 1, 2026" in page or "2026-01-01" in page
    ana = page.split(f'id="roi-partner-{book["ana"].id}"')[1].split("</tr>")[0]
    assert "$15,000" in ana and "$162.50" in ana and "$3,912.50" in ana
    cy = page.split(f'id="roi-partner-{book["cy"].id}"')[1].split("</tr>")[0]
    assert "no closed referral" in cy and "−$500" in cy
    # Sorted by net, high to low: Ana, Bo, Cy.
    order = [page.index(f'id="roi-partner-{book[name].id}"') for name in ("ana", "bo", "cy")]
    assert order == sorted(order)
    assert 'id="roi-agent-' in page and "Dee Planner" not in page


def test_the_roi_page_sorts_by_cost_per_closed_referral(client, auth, book, team):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/roi?period=last_year&sort=cost_per_closed&dir=desc"))
    order = [page.index(f'id="roi-partner-{book[name].id}"') for name in ("ana", "bo", "cy")]
    assert order == sorted(order)  # 3,912.50, 1,040, then none closed
    page = flat(client.get("/referrals/roi?period=last_year&sort=spent&dir=asc"))
    order = [page.index(f'id="roi-partner-{book[name].id}"') for name in ("ana", "bo", "cy")]
    assert order == sorted(order)  # 162.50, 240, 500


def test_this_year_and_custom_dates(client, auth, book, team):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/roi?period=this_year"))
    ana = page.split(f'id="roi-partner-{book["ana"].id}"')[1].split("</tr>")[0]
    assert "$7.50" in ana and "no closed referral" in ana
    page = flat(client.get("/referrals/roi?period=custom&start=2026-12-31&end=2026-12-31"))
    ana = page.split(f'id="roi-partner-{book["ana"].id}"')[1].split("</tr>")[0]
    assert "$100.00" in ana


def test_a_wrong_period_is_refused_beside_its_field(client, auth, book, team):
    auth.login(team["agent"])
    response = client.get("/referrals/roi?period=custom&start=2026-12-31&end=2026-01-01")
    assert response.status_code == 422
    assert "The last day can&#39;t be before the first." in response.get_data(as_text=True)
    response = client.get("/referrals/roi?period=custom&start=2026-12-31")
    assert "Enter the last day of the period." in response.get_data(as_text=True)
    assert client.get("/referrals/roi?period=forever").status_code == 422


def test_the_projection_is_net_of_what_a_committed_partner_costs(client, auth, book, team):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/projection"))
    assert "$144,000" in page  # 1 partner × 1 deal × 12 × $12,000
    assert "$3,920" in page and "$140,080" in page


def test_amounts_show_in_the_teams_currency(client, auth, book, team, db):
    team["agent"].team.currency = "EUR"
    db.session.commit()
    auth.login(team["agent"])
    page = flat(client.get("/referrals/roi?period=last_year"))
    assert "€15,000" in page and "$15,000" not in page


def test_whole_amounts_round_half_up_and_zero_has_no_sign(client, auth, book, team, db):
    """Net is shown in whole units: $62.50 spent is a net of −$63 (as $63.50 is −$64,
    not a rounding to the even unit), and 40 cents spent is −$0.40's "$0", unsigned."""
    db.session.add(spend(book["bo"], "coffee", datetime(2026, 2, 1, 9, 0), "0.40"))
    db.session.commit()
    auth.login(team["agent"])
    page = flat(client.get("/referrals/roi?period=custom&start=2026-02-01&end=2026-02-01"))
    ana = page.split(f'id="roi-partner-{book["ana"].id}"')[1].split("</tr>")[0]
    assert "<strong>−$63</strong>" in ana
    bo = page.split(f'id="roi-partner-{book["bo"].id}"')[1].split("</tr>")[0]
    assert "<strong>$0</strong>" in bo and "$0.40" in bo
