"""A referral's fee between agents and its forecast, on the referral form (the page's
and the API's): paid or received, a percentage or an amount, never both."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.helpers import count, make_partner, make_token
from tests.test_api import call
from webapp.models import Referral


@pytest.fixture
def partner(app, team, db):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30"
    partner = make_partner(team["agent"], "Bo Agent")
    db.session.commit()
    return partner


def referral(**changes):
    data = {"direction": "sent", "client": "The Parks", "referred_on": "2026-11-02",
            "status": "active", "expected_close_on": "2027-01-15",
            "expected_commission": "9000", "fee_direction": "received",
            "fee_percent": "25"}  # fmt: skip
    return {**data, **changes}


def test_a_referral_is_logged_with_its_fee_and_forecast(client, auth, team, partner, db):
    auth.login(team["agent"])
    response = client.post(f"/logbook/partners/{partner.id}/referrals", data=referral())
    assert response.status_code == 303
    row = db.session.scalar(sa.select(Referral))
    assert (row.fee_direction, row.fee_percent, row.fee_amount) == ("received", Decimal(25), None)
    assert str(row.expected_close_on) == "2027-01-15" and row.expected_commission == 9000


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fee_percent": ""}, "fee_direction", "Enter the fee as a percentage"),
        ({"fee_direction": ""}, "fee_direction", "Choose who pays the fee"),
        ({"fee_amount": "500"}, "fee_percent", "as a percentage or as an amount, not both"),
        ({"fee_percent": "120"}, "fee_percent", "Enter a percentage from 0 to 100."),
        ({"fee_percent": "12.345"}, "fee_percent", "at most two decimals"),
        ({"fee_percent": "", "fee_amount": "-1"}, "fee_amount", "Enter an amount of 0 or more."),
        ({"fee_direction": "maybe"}, "fee_direction", "Not a valid choice"),
        ({"fee_percent": "h)"}, "fee_percent", "Not a valid decimal value."),
        # Too many digits to round to cents: refused by its range, not a server error.
        ({"fee_percent": "1e309"}, "fee_percent", "Enter a percentage from 0 to 100."),
    ],
)
def test_a_wrong_fee_is_refused_by_the_api_as_by_the_page(
    app, client, auth, team, partner, db, changes, field, message
):
    auth.login(team["agent"])
    page = client.post(f"/logbook/partners/{partner.id}/referrals", data=referral(**changes))
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    body = {k: v for k, v in referral(**changes).items() if v != ""}
    secret = make_token(team["agent"], "write")
    api = call(app, "POST", f"/api/v1/partners/{partner.id}/referrals", secret, json=body)
    assert api.status_code == 422
    assert any(message in text for text in api.get_json()["error"]["fields"][field])
    assert count(db, Referral) == 0


def test_the_api_gives_the_fee_and_forecast(app, team, partner):
    secret = make_token(team["agent"], "write")
    body = referral(fee_direction="paid", fee_percent=None, fee_amount="800")
    logged = call(app, "POST", f"/api/v1/partners/{partner.id}/referrals", secret, json=body)
    assert logged.status_code == 201, logged.get_data(as_text=True)
    data = logged.get_json()
    assert (data["fee_direction"], data["fee_amount"], data["fee_percent"]) == (
        "paid",
        "800.00",
        None,
    )
    assert data["expected_close_on"] == "2027-01-15" and data["expected_commission"] == "9000.00"
