"""Agreements with partners: recorded and corrected on the partner page (audited),
refused beside the field when wrong, exported for the year, and said by the rules
when one ends soon."""

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from tests.helpers import audited_changes, count, flat, make_partner
from webapp.models import Agreement, AuditEvent, Recommendation

GOOD = {
    "kind": "co_marketing",
    "starts_on": "2026-01-13",
    "ends_on": "2027-01-12",
    "fair_market_value": "Half the cost of the mailer, at the printer's list price.",
    "our_share": "50",
    "their_share": "50",
    "document": "https://drive.example/msa-2026.pdf",
    "notes": "",
}


@pytest.fixture
def partner(db, team, frozen):
    return make_partner(team["agent"], "Ryan McMillan", email="ryan@lender.example")


def post_new(client, partner, **changes):
    return client.post(f"/partners/{partner.id}/agreements/new", data={**GOOD, **changes})


def test_an_agent_records_an_agreement_and_the_page_lists_it(db, client, auth, team, partner):
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}")
    assert "Add an agreement" in page.text
    assert "not legal advice" in page.text
    response = post_new(client, partner)
    assert response.status_code == 303
    agreement = db.session.scalar(sa.select(Agreement))
    assert (agreement.our_share, agreement.their_share) == (50, 50)
    assert agreement.ends_on == date(2027, 1, 12)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "agreement"))
    assert event.after["ends_on"] == "2027-01-12" and event.before is None
    page = client.get(f"/partners/{partner.id}").text
    assert "Co-marketing agreement" in page and "https://drive.example/msa-2026.pdf" in page


def test_an_edit_is_audited_with_what_it_said_before(db, client, auth, team, partner):
    auth.login(team["manager"])  # a manager may keep the team's agreements too
    post_new(client, partner)
    agreement = db.session.scalar(sa.select(Agreement))
    url = f"/partners/{partner.id}/agreements/{agreement.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={**GOOD, "our_share": "70", "their_share": "30"})
    assert response.status_code == 303
    db.session.refresh(agreement)
    assert (agreement.our_share, agreement.their_share) == (70, 30)
    changed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "agreement").order_by(AuditEvent.id)
    ).all()[-1]
    assert (changed.before["our_share"], changed.after["our_share"]) == ("50", "70")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"our_share": "60", "their_share": "50"}, "their_share", "add up to 100%"),
        ({"our_share": "101", "their_share": "-1"}, "our_share", "from 0 to 100"),
        ({"our_share": "half"}, "our_share", "Not a valid integer"),
        ({"their_share": ""}, "their_share", "Enter a whole percentage"),
        ({"ends_on": "2025-12-31"}, "ends_on", "on or after the start"),
        ({"starts_on": "0202-01-01"}, "starts_on", "between 1900 and 2100"),
        ({"document": ""}, "document", "where the signed document is"),
        ({"document": "https://"}, "document", "names a site"),
        ({"document": "javascript://alert(1)"}, "document", "starts with https://"),
        ({"document": "Drive:\nMSA"}, "document", "one line"),
        ({"kind": "bribe"}, "kind", "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_stored(
    db, client, auth, team, partner, changes, field, message
):
    auth.login(team["agent"])
    before = audited_changes(db)
    response = post_new(client, partner, **changes)
    assert response.status_code == 422
    html = flat(response)
    assert f'id="{field}-error"' in html
    error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert count(db, Agreement) == 0 and audited_changes(db) == before


def test_a_plain_note_of_where_the_paper_is_will_do(db, client, auth, team, partner):
    auth.login(team["agent"])
    assert post_new(client, partner, document="Office safe, folder MSA 2026").status_code == 303


def test_another_agents_partner_is_a_404(db, client, auth, team, partner):
    auth.login(team["other_agent"])
    assert post_new(client, partner).status_code == 404
    assert client.get(f"/partners/{partner.id}/agreements.csv").status_code == 404
    auth.logout()
    auth.login(team["rival_manager"])
    assert post_new(client, partner).status_code == 404
    assert count(db, Agreement) == 0


def test_a_form_without_its_csrf_token_is_refused(app, db, client, auth, team, partner):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        auth.login(team["agent"])
        assert post_new(client, partner).status_code in (400, 422)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert count(db, Agreement) == 0


def add(db, partner, starts_on, ends_on, kind="marketing_services", **fields):
    db.session.add(
        Agreement(
            team_id=partner.team_id,
            partner_id=partner.id,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            our_share=fields.get("our_share", 60),
            their_share=fields.get("their_share", 40),
            document="https://drive.example/a.pdf",
            fair_market_value="=HYPERLINK(1)",
        )
    )
    db.session.commit()


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_yearly_export_holds_the_agreements_in_force_that_year(db, client, auth, team, partner):
    kim = make_partner(team["other_agent"], "Kim's Partner")
    add(db, partner, date(2025, 3, 1), date(2026, 2, 28))
    add(db, partner, date(2024, 1, 1), date(2024, 12, 31))  # not in force in 2026
    add(db, kim, date(2026, 6, 1), date(2027, 5, 31), "co_marketing")
    auth.login(team["agent"])
    rows = rows_of(client.get(f"/partners/{partner.id}/agreements.csv?year=2026"))
    assert [(r["partner"], r["starts_on"], r["our_share_percent"]) for r in rows] == [
        ("Ryan McMillan", "2025-03-01", "60")
    ]
    assert rows[0]["fair_market_value"].startswith("'=")  # no formula for Excel to run
    assert client.get("/agreements.csv").status_code == 404  # the team's: managers only
    auth.logout()
    auth.login(team["manager"])
    rows = rows_of(client.get("/agreements.csv?year=2026"))
    assert sorted(r["partner"] for r in rows) == ["Kim's Partner", "Ryan McMillan"]
    assert client.get("/agreements.csv?year=99999").status_code == 404


def test_an_agreement_ending_soon_is_recommended_on_the_partner_page(
    db, client, auth, team, partner, frozen
):
    frozen("2026-12-13T10:00-05:00")  # 30 days before 12 January, across the year end
    add(db, partner, date(2026, 1, 13), date(2027, 1, 12), "co_marketing")
    auth.login(team["agent"])
    page = client.get(f"/partners/{partner.id}").text
    assert "Co-marketing agreement with Ryan McMillan ends on 12 January 2027 (in 30 days)" in page
    rec = db.session.scalar(
        sa.select(Recommendation).where(Recommendation.rule == "agreement_renewal")
    )
    assert rec is not None and rec.status == "open"


def test_no_renewal_31_days_before_the_end(db, client, auth, team, partner, frozen):
    frozen("2026-12-12T10:00-05:00")
    add(db, partner, date(2026, 1, 13), date(2027, 1, 12), "co_marketing")
    auth.login(team["agent"])
    client.get(f"/partners/{partner.id}")
    assert not db.session.scalar(
        sa.select(Recommendation).where(Recommendation.rule == "agreement_renewal")
    )
