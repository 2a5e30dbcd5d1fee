"""What an interaction cost: on the log form, its edit and the API (the one create
path, `log_interaction`), refused beside the field when it is not an amount of
money, and in the team's currency, which the admin sets (ISO 4217, default USD)."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.helpers import count, flat, make_partner, make_token
from tests.test_api import call
from webapp.models import Interaction

HTMX = {"HX-Request": "true"}


@pytest.fixture
def partner(app, team, db):
    app.config["PARTNERPLAN_NOW"] = "2026-11-20T15:30"
    partner = make_partner(team["agent"], "Ryan McMillan")
    db.session.commit()
    return partner


def lunch(**changes):
    data = {"kind": "lunch", "direction": "outbound", "outcome": "connected",
            "sentiment": "positive", "at": "2026-11-20T12:00", "amount_spent": "62.50"}  # fmt: skip
    return {**data, **changes}


def test_a_lunch_is_logged_with_what_it_cost(client, auth, team, partner, db):
    auth.login(team["agent"])
    form = client.get(f"/logbook/partners/{partner.id}/interactions/new").get_data(as_text=True)
    assert 'name="amount_spent"' in form and "In USD." in form
    response = client.post(f"/logbook/partners/{partner.id}/interactions", data=lunch())
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Interaction.amount_spent)) == Decimal("62.50")
    assert "$62.50 spent" in client.get(f"/partners/{partner.id}").get_data(as_text=True)
    export = client.get("/referrals/export/interactions.csv").get_data(as_text=True)
    assert export.splitlines()[0].endswith(",amount_spent (USD)")
    assert export.splitlines()[1].endswith(",62.50")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "Enter an amount of 0 or more."),
        ("12.345", "Enter the amount with at most two decimals (cents), e.g. 62.50."),
        ("1000000.01", "Enter an amount of at most 1,000,000."),
        ("1e30", "Enter an amount of at most 1,000,000."),
        ("lots", "Not a valid decimal value."),
        ("NaN", "Not a valid decimal value."),
    ],
)
def test_a_wrong_amount_is_refused_beside_the_field(client, auth, team, partner, db, amount,
                                                    message):  # fmt: skip
    auth.login(team["agent"])
    for headers in ({}, HTMX):
        response = client.post(
            f"/logbook/partners/{partner.id}/interactions",
            data=lunch(amount_spent=amount),
            headers=headers,
        )
        assert response.status_code == 422
        page = flat(response)
        field = page.split('name="amount_spent"')[1].split("</div>")[0]
        assert message in field
    assert count(db, Interaction) == 0


def test_a_call_has_no_amount_spent(client, auth, team, partner, db):
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=lunch(kind="call", amount_spent="5")
    )
    assert response.status_code == 422
    assert "has an amount spent" in response.get_data(as_text=True)
    assert count(db, Interaction) == 0


def test_an_amount_is_corrected_and_removed_on_the_edit_form(client, auth, team, partner, db):
    auth.login(team["agent"])
    client.post(f"/logbook/partners/{partner.id}/interactions", data=lunch())
    interaction = db.session.scalar(sa.select(Interaction))
    url = f"/logbook/interactions/{interaction.id}/edit"
    assert 'value="62.50"' in client.get(url).get_data(as_text=True)
    assert client.post(url, data=lunch(amount_spent="70")).status_code == 303
    db.session.refresh(interaction)
    assert interaction.amount_spent == Decimal("70.00")
    assert client.post(url, data=lunch(amount_spent="-1")).status_code == 422
    assert client.post(url, data=lunch(amount_spent="")).status_code == 303
    db.session.refresh(interaction)
    assert interaction.amount_spent is None


def test_the_api_logs_and_gives_the_amount_and_refuses_as_the_page(app, team, partner, db):
    secret = make_token(team["agent"], "write")
    url = f"/api/v1/partners/{partner.id}/interactions"
    logged = call(app, "POST", url, secret, json={**lunch(), "amount_spent": 62.5})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    assert logged.get_json()["amount_spent"] == "62.50"
    refused = call(app, "POST", url, secret, json={**lunch(), "amount_spent": -3})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["amount_spent"] == [
        "Enter an amount of 0 or more."
    ]
    assert count(db, Interaction) == 1


def test_the_admin_sets_the_currency_from_iso_4217_codes(client, auth, team, db):
    auth.login(team["admin"])
    settings = {"commission_per_side": "12000", "timezone": "America/New_York",
                "planning_hours": "fri 13:00-16:00"}  # fmt: skip
    refused = client.post("/admin/settings", data={**settings, "currency": "XYZ"})
    assert refused.status_code == 422
    assert "Choose a currency from the list" in refused.get_data(as_text=True)
    assert team["admin"].team.currency == "USD"
    assert client.post("/admin/settings", data={**settings, "currency": "EUR"}).status_code == 303
    db.session.refresh(team["admin"].team)
    assert team["admin"].team.currency == "EUR"


def test_a_huge_amount_under_a_yearly_limit_is_refused_not_warned_of(
    client, auth, team, partner, db
):
    """An amount refused beside the field is not also weighed against the team's
    limit of things of value (a warning naming a 310-digit total, or a server error)."""
    partner.team.value_limit = Decimal(250)
    db.session.commit()
    auth.login(team["agent"])
    response = client.post(
        f"/logbook/partners/{partner.id}/interactions", data=lunch(amount_spent="1e309")
    )
    assert response.status_code == 422
    field = flat(response).split('name="amount_spent"')[1].split("</div>")[0]
    assert "Enter an amount of at most 1,000,000." in field
    assert "over the team" not in flat(response) and "Confirm below" not in flat(response)
    assert count(db, Interaction) == 0
