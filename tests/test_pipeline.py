"""The referral pipeline: who sees what, moving a card, the columns' totals, CSV.

Today is Fri 20 Nov 2026; the team's commission per side is $12,000.
Sam owns Ana: the Parks (received, new, expected 15 Dec, $10,000), the Lees
(sent, active, expected $4,000), the Wus (received, closed, no amount: $12,000),
the Kos (received, lost, $6,000 expected: not counted). Kim owns Bo: the Diaz
family (received, new, $7,000).
Sam's New column: 1, $10,000; Active 1, $4,000; Closed 1, $12,000; Lost 1, $0.
The manager's New column: 2, $17,000.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.helpers import flat, make_partner
from webapp.models import Referral

HTMX = {"HX-Request": "true"}


def referral(partner, client, direction, status, expected=None, on=None, commission=None):
    return Referral(partner_id=partner.id, client=client, direction=direction, status=status,
                    referred_on=date(2026, 10, 1), expected_commission=expected,
                    expected_close_on=on, commission=commission,
                    closed_on=date(2026, 11, 1) if status == "closed" else None)  # fmt: skip


@pytest.fixture
def book(app, db, team):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T10:00"
    ana = make_partner(team["agent"], "Ana Lender")
    bo = make_partner(team["other_agent"], "Bo Agent")
    rows = {
        "parks": referral(ana, "The Parks", "received", "new", Decimal(10000), date(2026, 12, 15)),
        "lees": referral(ana, "The Lees", "sent", "active", Decimal(4000)),
        "wus": referral(ana, "The Wus", "received", "closed"),
        "kos": referral(ana, "The Kos", "received", "lost", Decimal(6000)),
        "diaz": referral(bo, "The Diaz family", "received", "new", Decimal(7000)),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return {"ana": ana, "bo": bo, **{name: row.id for name, row in rows.items()}}


def column(page: str, status: str) -> str:
    return page.split(f'id="pipeline-{status}"')[1].split("</section>")[0]


def test_an_agent_sees_their_own_partners_referrals_by_status(client, auth, team, book):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/pipeline"))
    assert "The Parks" in column(page, "new") and "The Lees" in column(page, "active")
    assert "The Wus" in column(page, "closed") and "The Kos" in column(page, "lost")
    assert "The Diaz family" not in page and "Bo Agent" not in page
    assert "15 Dec 2026" in column(page, "new") or "Dec 15, 2026" in column(page, "new")


def test_each_column_has_its_count_and_expected_commission(client, auth, team, book):
    auth.login(team["agent"])
    page = flat(client.get("/referrals/pipeline"))
    assert 'data-count="1">1 · $10,000' in column(page, "new")
    assert 'data-count="1">1 · $4,000' in column(page, "active")
    assert 'data-count="0">0 · $0' in column(page, "under_contract")
    assert 'data-count="1">1 · $12,000' in column(page, "closed")  # the per side stands in
    assert 'data-count="1">1 · $0' in column(page, "lost")


def test_a_manager_sees_the_team_and_filters_by_agent_and_direction(client, auth, team, book):
    auth.login(team["manager"])
    page = flat(client.get("/referrals/pipeline"))
    assert 'data-count="2">2 · $17,000' in column(page, "new")
    kim = team["other_agent"].id
    page = flat(client.get(f"/referrals/pipeline?agent={kim}"))
    assert "The Diaz family" in page and "The Parks" not in page
    page = flat(client.get("/referrals/pipeline?direction=sent"))
    assert "The Lees" in page and "The Parks" not in page
    page = flat(client.get(f"/referrals/pipeline?partner={book['ana'].id}&status=new"))
    assert "The Parks" in page and 'id="pipeline-active"' not in page


def test_an_agent_cannot_filter_by_another_agent_or_partner(client, auth, team, book):
    auth.login(team["agent"])
    assert client.get(f"/referrals/pipeline?partner={book['bo'].id}").status_code == 422
    assert client.get(f"/referrals/pipeline?agent={team['other_agent'].id}").status_code == 422
    assert client.get("/referrals/pipeline?start=2026-11-01&end=31/12").status_code == 422
    response = client.get("/referrals/pipeline?start=2026-11-01&end=2026-10-01")
    assert response.status_code == 422
    assert "The last day can&#39;t be before the first." in response.get_data(as_text=True)


def test_without_javascript_a_card_moves_and_the_filters_stay(
    client, auth, team, book, db, monkeypatch
):
    told = []
    monkeypatch.setattr(
        "webapp.logbook.entries.events.referral_status_changed",
        lambda referral, before, team_id: told.append((referral.id, before, referral.status)),
    )
    auth.login(team["agent"])
    response = client.post(
        f"/referrals/pipeline/{book['parks']}/status",
        data={"status": "under_contract", "filter-direction": "received", "filter-status": "new"},
    )
    assert response.status_code == 303
    location = "/referrals/pipeline?direction=received&status=new"
    assert response.headers["Location"] == location
    assert db.session.get(Referral, book["parks"]).status == "under_contract"
    assert told == [(book["parks"], "new", "under_contract")]  # the one save path
    page = flat(client.get(location))
    assert 'data-count="0">0 · $0' in column(page, "new") and "The Parks" not in page
    page = flat(client.get("/referrals/pipeline"))
    assert "The Parks" in column(page, "under_contract")


def test_with_htmx_the_board_comes_back_with_the_card_moved(client, auth, team, book, db):
    auth.login(team["agent"])
    response = client.post(
        f"/referrals/pipeline/{book['parks']}/status", data={"status": "closed"}, headers=HTMX
    )
    assert response.status_code == 200
    page = flat(response)
    assert "<html" not in page and page.startswith('<div id="pipeline-board"')
    assert "The Parks" in column(page, "closed")
    # Closed without an amount: the per side stands in, as in the ledger (not the expected).
    assert 'data-count="2">2 · $24,000' in column(page, "closed")
    parks = db.session.get(Referral, book["parks"])
    assert parks.status == "closed" and parks.closed_on == date(2026, 11, 20)


def test_another_agents_referral_cannot_be_moved(client, auth, team, book, db):
    auth.login(team["agent"])
    url = f"/referrals/pipeline/{book['diaz']}/status"
    assert client.post(url, data={"status": "closed"}).status_code == 404
    assert client.post(url, data={"status": "closed"}, headers=HTMX).status_code == 404
    assert db.session.get(Referral, book["diaz"]).status == "new"
    auth.logout()
    auth.login(team["rival_manager"])
    assert client.post(url, data={"status": "closed"}).status_code == 404


def test_a_status_not_in_the_list_changes_nothing(client, auth, team, book, db):
    auth.login(team["agent"])
    response = client.post(f"/referrals/pipeline/{book['parks']}/status", data={"status": "won"})
    assert response.status_code == 400
    assert db.session.get(Referral, book["parks"]).status == "new"


def test_the_pipeline_as_csv_follows_the_filters(client, auth, team, book):
    auth.login(team["agent"])
    response = client.get("/referrals/pipeline.csv?direction=received")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["client"] for row in rows) == ["The Kos", "The Parks", "The Wus"]
    parks = next(row for row in rows if row["client"] == "The Parks")
    assert parks["expected_close_on"] == "2026-12-15"
    assert parks["expected_commission (USD)"] == "10000.00"
    assert parks["agent"] == "Sam Ortiz" and parks["status"] == "new"


def test_the_pipeline_csv_of_an_agent_holds_only_their_referrals(client, auth, team, book, db):
    auth.login(team["agent"])
    text = client.get("/referrals/pipeline.csv").get_data(as_text=True)
    assert "The Diaz family" not in text and "The Parks" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 5
