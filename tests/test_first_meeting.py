"""Seed 001 on the spot: save the new partner to the phone, say "Nice to meet
you" right away, and show one's own card as a QR code instead of a business card."""

from datetime import date, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.helpers import audited_changes, make_partner
from webapp.models import User

TODAY = date(2026, 12, 4)


@pytest.fixture
def met_today(app, db, team):
    app.config["PARTNERPLAN_NOW"] = f"{TODAY.isoformat()}T14:10"
    return make_partner(
        team["agent"],
        "Rachel Kim",
        company="Summit Lending; Home Loans",
        profession="lender",
        email="rachel@summit.example",
        phone="(555) 010-2000",
        met_on=TODAY,
    )


def links(html: str, scheme: str) -> list[str]:
    """Every href of that scheme on the page, unescaped."""
    import re

    return [h.replace("&amp;", "&") for h in re.findall(rf'href="({scheme}:[^"]*)"', html)]


def test_a_partner_met_today_offers_nice_to_meet_you_by_text_and_email(
    client, auth, team, met_today
):
    auth.login(team["agent"])
    html = client.get(f"/partners/{met_today.id}").get_data(as_text=True)

    assert "Just met Rachel Kim?" in html
    [sms] = [link for link in links(html, "sms") if "body=" in link]
    number, query = sms.removeprefix("sms:").split("?")
    assert number == "5550102000"
    body = parse_qs(query)["body"][0]
    assert body.startswith("Hi Rachel, it was great to meet you!")
    assert body.endswith("Sam Ortiz")
    [mailto] = [link for link in links(html, "mailto") if "subject=" in link]
    parts = urlsplit(mailto)
    assert unquote(parts.path) == "rachel@summit.example"
    assert parse_qs(parts.query)["subject"] == ["Nice to meet you"]
    assert 'href="tel:5550102000"' in html
    assert "/account/card" in html


@pytest.mark.parametrize(
    ("now", "offered"),
    [
        ("2026-12-18T09:00", True),  # two weeks on: still new
        ("2026-12-19T09:00", False),  # a day later: an old acquaintance
        ("2027-01-04T09:00", False),  # a month on, in the new year
    ],
)
def test_nice_to_meet_you_is_offered_for_two_weeks(
    app, client, auth, team, met_today, now, offered
):
    app.config["PARTNERPLAN_NOW"] = now
    auth.login(team["agent"])
    html = client.get(f"/partners/{met_today.id}").get_data(as_text=True)
    assert ("Just met Rachel Kim?" in html) is offered
    # Saving them to the phone's contacts stays on offer.
    assert f"/referrals/partners/{met_today.id}/vcard" in html


def test_a_partner_added_in_a_us_evening_is_new_on_the_teams_day(app, db, client, auth, team):
    """Added at 20:30 in Los Angeles on 28 February 2028 (04:30 UTC on the 29th), with
    no meeting day: new until 13 March by the team's day (UTC's would say the 14th),
    across the change to summer time on 12 March."""
    harbor = team["agent"].team
    harbor.timezone = "America/Los_Angeles"
    partner = make_partner(team["agent"], "Lee Park", met_on=None, phone="555 010 3000")
    partner.created_at = datetime(2028, 2, 29, 4, 30)
    db.session.commit()
    auth.login(team["agent"])

    app.config["PARTNERPLAN_NOW"] = "2028-03-13T22:00-07:00"
    assert "Just met Lee Park?" in client.get(f"/partners/{partner.id}").get_data(as_text=True)
    app.config["PARTNERPLAN_NOW"] = "2028-03-14T08:00-07:00"  # after the DST change
    assert "Just met Lee Park?" not in client.get(f"/partners/{partner.id}").get_data(as_text=True)


def test_nobody_is_told_nice_to_meet_you_when_they_asked_not_to_be_contacted(
    db, client, auth, team, met_today
):
    met_today.do_not_contact = True
    db.session.commit()
    auth.login(team["agent"])
    assert "Just met" not in client.get(f"/partners/{met_today.id}").get_data(as_text=True)


def test_the_partners_vcard_goes_into_the_phones_contacts(client, auth, team, met_today):
    auth.login(team["agent"])
    response = client.get(f"/referrals/partners/{met_today.id}/vcard")

    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert response.headers["Content-Disposition"] == 'attachment; filename="rachel-kim.vcf"'
    card = response.get_data(as_text=True).splitlines()
    assert card[0] == "BEGIN:VCARD" and card[-1] == "END:VCARD"
    assert "N:Kim;Rachel;;;" in card
    assert "FN:Rachel Kim" in card
    assert "ORG:Summit Lending\\; Home Loans" in card
    assert "TEL;TYPE=VOICE:(555) 010-2000" in card
    assert "EMAIL;TYPE=INTERNET:rachel@summit.example" in card
    assert "TITLE:Lender / loan officer" in card


def test_a_vcard_is_only_for_who_may_see_the_partner(client, auth, team, met_today):
    for who in ("other_agent", "rival_manager"):
        auth.login(team[who])
        assert client.get(f"/referrals/partners/{met_today.id}/vcard").status_code == 404
        auth.logout()
    auth.login(team["manager"])
    assert client.get(f"/referrals/partners/{met_today.id}/vcard").status_code == 200


def test_the_agents_card_is_a_qr_code_of_their_vcard(db, client, auth, team):
    auth.login(team["agent"])
    html = client.get("/account/card").get_data(as_text=True)
    assert "<svg" in html and "Sam Ortiz's contact card</title>" in html
    assert "Add your phone below" in html

    response = client.post("/account/card", data={"phone": "+1 555 010 9999"})
    assert response.status_code == 302
    agent = db.session.get(User, team["agent"].id)
    assert agent.phone == "+1 555 010 9999"
    card = client.get("/account/card.vcf").get_data(as_text=True).splitlines()
    assert "FN:Sam Ortiz" in card
    assert "TEL;TYPE=VOICE:+1 555 010 9999" in card
    assert "EMAIL;TYPE=INTERNET:sam@harbor.example" in card
    assert "ORG:Harbor Realty Group" in card
    assert "Add your phone below" not in client.get("/account/card").get_data(as_text=True)


def test_a_bad_phone_on_the_card_is_refused_beside_the_field(db, client, auth, team):
    auth.login(team["agent"])
    changes = audited_changes(db)
    response = client.post("/account/card", data={"phone": "call me maybe"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "Enter a phone number" in html
    assert db.session.get(User, team["agent"].id).phone is None
    assert audited_changes(db) == changes


def test_the_card_needs_a_sign_in(client):
    assert client.get("/account/card").status_code == 302
    assert client.get("/account/card.vcf").status_code == 302


def test_the_email_gives_the_agents_number_and_only_the_agent_is_offered_it(
    db, client, auth, team, met_today
):
    team["agent"].phone = "+1 555 010 9999"
    db.session.commit()
    auth.login(team["agent"])
    html = client.get(f"/partners/{met_today.id}").get_data(as_text=True)
    [mailto] = [link for link in links(html, "mailto") if "subject=" in link]
    body = parse_qs(urlsplit(mailto).query)["body"][0]
    assert "My number is +1 555 010 9999." in body and body.endswith("Sam Ortiz")
    auth.logout()
    # The manager did not meet Rachel: nothing to say "Nice to meet you" with.
    auth.login(team["manager"])
    assert "Just met" not in client.get(f"/partners/{met_today.id}").get_data(as_text=True)
