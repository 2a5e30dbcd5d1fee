"""An admin erases a partner's personal data on request; the team's numbers stay."""

import re
from datetime import date
from email.message import EmailMessage

import sqlalchemy as sa

from tests import test_referrals
from tests.helpers import flat
from tests.routes import fetch, log_in
from webapp import outbox
from webapp.models import (
    Agreement,
    AuditEvent,
    Interaction,
    Lead,
    OutboxEmail,
    Partner,
    PlanningSession,
    Recommendation,
    Referral,
)

book = test_referrals.book  # the hand-computed book, as a fixture here too

PERSONAL = dict(
    company="Lender & Co",
    email="ana@lender.example",
    phone="555-010-2030",
    birthday="1980-04-12",
    anniversary="06-01",
    spouse="Alex",
    children="Two girls",
    pets="A beagle",
    hobbies="Sailing",
    notes="Prefers calls after 5.",
)


def numbers(page: str, name: str) -> str:
    """The page with the partner's name (and the per-request CSRF token) taken out."""
    page = re.sub(r"IjZ[\w.-]+|[\w-]{20,}\.[\w-]+\.[\w-]+", "TOKEN", page)
    return page.replace(name, "PARTNER")


def without_row(page: str, name: str) -> str:
    """The ROI table without the partner's row (it lists partners that are not archived)."""
    return re.sub(rf"<tr[^>]*><td data-label=\"Partner\"><strong>{name}</strong>.*?</tr>", "", page)


def per_partner(page: str) -> str:
    """The ROI page up to its table per agent: an agent's totals add up the partners
    listed, so an archived (erased) partner leaves them as it leaves the list."""
    return page.split("<h2>Per agent</h2>")[0]


def fill_in(db, ana):
    for field, value in PERSONAL.items():
        setattr(ana, field, value)
    for interaction in db.session.scalars(sa.select(Interaction).filter_by(partner_id=ana.id)):
        interaction.notes = "Talked about Alex's new job."
    for session in db.session.scalars(sa.select(PlanningSession).filter_by(partner_id=ana.id)):
        session.answers = {"met_recently": "Pat Doe"}
    db.session.add(
        Lead(partner_id=ana.id, owner_id=ana.owner_id, name="Pat Doe", notes="Ana's neighbour")
    )
    db.session.add(
        Agreement(team_id=ana.team_id, partner_id=ana.id, kind="co_marketing",
                  starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), our_share=60,
                  their_share=40, document="Drive: Ana Lender MSA.pdf",
                  fair_market_value="Ana's mailers at $2/piece", notes="Ana signs in blue")
    )  # fmt: skip
    db.session.commit()


def test_an_admin_erases_a_partner_and_roi_is_unchanged(app, db, book):
    ana = book["ana"]
    fill_in(db, ana)
    client = app.test_client()
    log_in(client, book["admin"])
    pages = ("/referrals/", "/referrals/roi?sort=commission")
    before = [numbers(flat(fetch(app, client, url)), "Ana Lender") for url in pages]

    assert fetch(app, client, f"/partners/{ana.id}/erase").status_code == 200
    response = fetch(app, client, f"/partners/{ana.id}/erase", "POST", data={"confirm": "y"})
    assert response.status_code == 303
    assert "Personal data erased" in fetch(app, client, response.location).get_data(as_text=True)

    erased = db.session.get(Partner, ana.id)
    db.session.refresh(erased)
    name = f"Erased partner #{ana.id}"
    assert erased.name == name and erased.archived_at is not None and erased.do_not_contact
    assert all(getattr(erased, field) is None for field in PERSONAL)
    assert erased.tier == "maintain" and erased.profession == "lender"
    notes = db.session.scalars(sa.select(Interaction.notes).filter_by(partner_id=ana.id)).all()
    assert len(notes) == 5 and set(notes) == {None}
    referrals = db.session.scalars(sa.select(Referral).filter_by(partner_id=ana.id)).all()
    assert len(referrals) == 5 and {r.client for r in referrals} == {""}
    assert sorted(str(r.commission) for r in referrals if r.commission) == ["15000.00", "3000.00"]
    answers = db.session.scalars(sa.select(PlanningSession.answers).filter_by(partner_id=ana.id))
    assert all(a == {} for a in answers)
    assert db.session.scalar(sa.select(Lead.notes).filter_by(partner_id=ana.id)) is None
    agreement = db.session.scalar(sa.select(Agreement).filter_by(partner_id=ana.id))
    db.session.refresh(agreement)
    assert (agreement.kind, agreement.our_share, agreement.their_share) == ("co_marketing", 60, 40)
    assert agreement.notes is None and agreement.fair_market_value is None
    assert "Ana" not in agreement.document

    after = [numbers(flat(fetch(app, client, url)), name) for url in pages]
    ledger, roi = before
    assert after[0] == ledger  # the team's counts, amounts, statuses and conversion stay
    # The ROI list shows partners that are not archived, as for any archived partner:
    # the erased one leaves it, and every other number on it is unchanged.
    assert "PARTNER" in roi and "PARTNER" not in after[1]
    assert per_partner(after[1]) == without_row(per_partner(roi), "PARTNER")

    event = db.session.scalar(sa.select(AuditEvent).filter_by(kind="erase"))
    assert event.user_id == book["admin"].id and event.partner_id == ana.id and event.at
    recorded = f"{event.summary} {event.before} {event.after}"
    assert not re.search(r"Ana|Lender|555|Alex|Sailing|lender\.example", recorded)
    page = fetch(app, client, f"/partners/{ana.id}").get_data(as_text=True)
    assert name in page and "Alex" not in page and "Sailing" not in page


def test_erasing_needs_the_confirmation(app, db, book):
    client = app.test_client()
    log_in(client, book["admin"])
    response = fetch(app, client, f"/partners/{book['ana'].id}/erase", "POST", data={})
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    assert db.session.get(Partner, book["ana"].id).name == "Ana Lender"


def test_only_an_admin_sees_and_reaches_the_erasure(app, db, book):
    ana = book["ana"]
    for role in ("agent", "manager"):
        client = app.test_client()
        log_in(client, book[role])
        assert "Erase personal data" not in fetch(app, client, f"/partners/{ana.id}").get_data(
            as_text=True
        )
        url = f"/partners/{ana.id}/erase"
        assert fetch(app, client, url).status_code == 404
        assert fetch(app, client, url, "POST", data={"confirm": "y"}).status_code == 404
    client = app.test_client()
    log_in(client, book["admin"])
    assert "Erase personal data" in fetch(app, client, f"/partners/{ana.id}").get_data(as_text=True)
    assert db.session.get(Partner, ana.id).name == "Ana Lender"


def stored_email(to: str, text: str, key: str) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "pp@harbor.example", to, "Your morning"
    mail.set_content(text)
    outbox.enqueue(mail, key=key)  # no mail server in the tests: it stays queued


def test_erasure_reaches_the_audit_trail_the_recommendations_and_stored_emails(app, db, book):
    ana = book["ana"]
    fill_in(db, ana)
    db.session.add_all(
        [
            AuditEvent(team_id=ana.team_id, partner_id=ana.id, kind="archive",
                       summary="Ana Lender archived",
                       before={"name": "Ana Lender", "tier": "grow", "email": "ana@lender.example"},
                       after={"tier": "maintain"}),
            Recommendation(team_id=ana.team_id, partner_id=ana.id, rule="thank_you",
                           kind="action", reason="Thank Ana Lender for the Alvarez referral",
                           status="dismissed", decision_reason="Ana asked us not to call"),
        ]
    )  # fmt: skip
    db.session.commit()
    stored_email("ana@lender.example", "Hello there", "a")  # to the partner
    stored_email("sam@harbor.example", "Call Ana Lender (555-010-2030) today", "b")  # names her
    stored_email("sam@harbor.example", "Call Nöel Lender today, ça va", "c")  # does not
    sent = db.session.scalar(sa.select(OutboxEmail).filter_by(key="b"))
    sent.status = "sent"
    db.session.commit()
    client = app.test_client()
    log_in(client, book["admin"])
    response = fetch(app, client, f"/partners/{ana.id}/erase", "POST", data={"confirm": "y"})
    assert response.status_code == 303

    db.session.expire_all()
    name = f"Erased partner #{ana.id}"
    event = db.session.scalar(sa.select(AuditEvent).filter_by(kind="archive"))
    assert event.summary == f"{name} archived"
    assert event.before == {"name": name, "tier": "grow"} and event.after == {"tier": "maintain"}
    recs = db.session.scalars(sa.select(Recommendation).filter_by(partner_id=ana.id)).all()
    assert recs and not [r for r in recs if re.search("Ana|Lender", r.reason or "")]
    assert not [r for r in recs if r.decision_reason]
    emails = {row.key: row for row in db.session.scalars(sa.select(OutboxEmail))}
    assert emails["a"].message == b"" and emails["a"].status == "failed"  # never goes out
    assert "lender.example" not in emails["a"].recipient
    assert emails["b"].message == b"" and emails["b"].status == "sent"
    assert b"Lender" in emails["c"].message and emails["c"].status == "queued"
