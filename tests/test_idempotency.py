"""Every create happens once: a double tap, Back and resubmit, a replayed queue.

Each of the five creates (an interaction, a referral, a partner, a lead, a
planning series) is sent with the key its form carries; sent again, or twice
at once, it makes one entry and answers as the first did. A key is never a
way into someone else's entries, and a key PartnerPlan did not make is refused.
"""

import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.helpers import AuthActions, at_once, count, make_partner, make_user
from webapp.book.exporter import dumps, export_book
from webapp.extensions import db as _db
from webapp.models import (
    AuditEvent,
    Interaction,
    Lead,
    Partner,
    PlanningSession,
    Referral,
    Team,
)
from webapp.planning import booking

HTMX = {"HX-Request": "true"}
TODAY = "2026-10-16"  # a Friday: the series is booked from Friday 23 October
NEW_PARTNER = "Ann Lender"
KINDS = ("interaction", "referral", "partner", "lead", "series")
KEY_IN_PAGE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"')


@dataclass
class Agent:
    """An agent, one partner of theirs and a planning session with that partner."""

    email: str
    user_id: int
    partner_id: int
    session_id: int


def seed() -> dict[str, Agent]:
    """Two agents of Harbor and one of a rival team, each with a partner and a session."""
    harbor, rival = Team(name="Harbor Realty Group"), Team(name="Rival Homes")
    _db.session.add_all([harbor, rival])
    _db.session.flush()
    agents = {}
    for role, team, email, name in (
        ("agent", harbor, "sam@harbor.example", "Debbie Stone"),
        ("other_agent", harbor, "kim@harbor.example", "Omar Haddad"),
        ("rival_agent", rival, "ria@rival.example", "Rival Partner"),
    ):
        user = make_user(team, email)
        partner = make_partner(user, name)
        # A Tuesday morning, outside the Friday window the series is booked in.
        session = PlanningSession(
            partner_id=partner.id, user_id=user.id, starts_at=datetime(2026, 10, 20, 9)
        )
        _db.session.add(session)
        _db.session.flush()
        agents[role] = Agent(email, user.id, partner.id, session.id)
    _db.session.commit()
    return agents


@pytest.fixture
def agents(app):
    app.config["PARTNERPLAN_NOW"] = TODAY
    return seed()


def create(kind: str, agent: Agent) -> tuple[str, dict]:
    """Where each create is posted, and a valid form for it."""
    return {
        "interaction": (
            f"/logbook/partners/{agent.partner_id}/interactions",
            {
                "kind": "coffee",
                "direction": "outbound",
                "outcome": "connected",
                "sentiment": "positive",
                "at": "2026-10-15T10:00",
                "notes": "Coffee at Blue Bottle",
            },
        ),
        "referral": (
            f"/logbook/partners/{agent.partner_id}/referrals",
            {"direction": "received", "client": "J. Alvarez", "referred_on": "2026-10-15"},
        ),
        "partner": (
            "/partners/new",
            {"name": NEW_PARTNER, "profession": "lender", "source": "", "owner_id": agent.user_id},
        ),
        "lead": (
            f"/planning/sessions/{agent.session_id}/leads",
            {"name": "Carla Buyer", "question": "showing_soon"},
        ),
        "series": (
            f"/planning/partners/{agent.partner_id}/series",
            {"starts_at": "2026-10-23T13:00"},
        ),
    }[kind]


def post(client, kind: str, agent: Agent, key: str | None, htmx: bool = False):
    url, form = create(kind, agent)
    if key is not None:
        form["idempotency_key"] = key
    return client.post(url, data=form, headers=HTMX if htmx else {})


def made(kind: str) -> int:
    """How many of `kind` were made by the posts (a series is 12 sessions)."""
    if kind == "series":
        return _db.session.scalar(sa.select(sa.func.count(sa.distinct(PlanningSession.series))))
    if kind == "partner":
        return _db.session.scalar(
            sa.select(sa.func.count()).where(Partner.name == NEW_PARTNER).select_from(Partner)
        )
    return count(_db, {"interaction": Interaction, "referral": Referral, "lead": Lead}[kind])


def new_key() -> str:
    return str(uuid.uuid4())


def text(response) -> str:
    return response.get_data(as_text=True)


# --- sent again --------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("kind", KINDS)
def test_sent_twice_with_one_key_it_is_made_once(client, auth, agents, kind, htmx):
    auth.login(agents["agent"].email)
    key = new_key()
    first = post(client, kind, agents["agent"], key, htmx)
    again = post(client, kind, agents["agent"], key, htmx)
    assert first.status_code in (200, 302, 303)
    assert made(kind) == 1
    # The same answer, as far as the person can tell: the same page or block.
    assert again.status_code == first.status_code
    assert again.headers.get("Location") == first.headers.get("Location")


@pytest.mark.parametrize("kind", KINDS)
def test_two_keys_make_two(client, auth, agents, kind):
    auth.login(agents["agent"].email)
    if kind == "series":  # two series cannot share a slot: the second takes the next one
        post(client, kind, agents["agent"], new_key())
        url, form = create(kind, agents["agent"])
        form.update(starts_at="2026-10-23T13:20", idempotency_key=new_key())
        client.post(url, data=form)
    else:
        post(client, kind, agents["agent"], new_key())
        post(client, kind, agents["agent"], new_key())
    assert made(kind) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_key_the_form_is_taken_as_before(client, auth, agents, kind):
    """A page cached from before keys, or a client without them, still saves what
    was typed: it is just not protected from being sent twice."""
    auth.login(agents["agent"].email)
    response = post(client, kind, agents["agent"], None)
    assert response.status_code in (302, 303)
    assert made(kind) == 1


def test_the_log_sent_again_shows_the_entry_already_logged(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    assert "Coffee logged." in text(post(client, "interaction", agents["agent"], key, True))
    again = text(post(client, "interaction", agents["agent"], key, True))
    assert "Coffee already logged." in again
    assert again.count("Coffee at Blue Bottle") == 1
    # Without JavaScript: back on the partner page, which says so.
    plain = post(client, "interaction", agents["agent"], key)
    assert plain.headers["Location"] == f"/partners/{agents['agent'].partner_id}"
    assert "Coffee already logged." in text(client.get(plain.headers["Location"]))
    assert made("interaction") == 1


def test_the_quick_log_sent_again_says_it_was_already_logged(client, auth, agents):
    """The quick form of the list and Today comes back in place, either way."""
    auth.login(agents["agent"].email)
    url, form = create("interaction", agents["agent"])
    form["idempotency_key"] = new_key()
    first = client.post(f"{url}?quick=1", data=form, headers=HTMX)
    again = client.post(f"{url}?quick=1", data=form, headers=HTMX)
    assert "Coffee logged." in text(first) and "Coffee already logged." in text(again)
    assert again.headers["HX-Trigger"] == first.headers["HX-Trigger"] == "partner-changed"
    assert made("interaction") == 1


def test_a_referral_sent_again_shows_it_already_logged(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    first = text(post(client, "referral", agents["agent"], key, True))
    again = text(post(client, "referral", agents["agent"], key, True))
    assert "Referral already logged." in again
    assert again.count("J. Alvarez") == first.count("J. Alvarez")  # the history, the panels


def test_a_partner_added_again_opens_the_one_added(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    first = post(client, "partner", agents["agent"], key)
    again = post(client, "partner", agents["agent"], key)
    assert again.headers["Location"] == first.headers["Location"]
    assert f"{NEW_PARTNER} was already added." in text(client.get(again.headers["Location"]))


def test_a_lead_added_again_is_listed_once(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    post(client, "lead", agents["agent"], key, True)
    again = text(post(client, "lead", agents["agent"], key, True))
    assert "Carla Buyer was already added as a lead." in again
    assert again.count("<strong>Carla Buyer</strong>") == 1


def test_a_series_booked_again_is_booked_and_announced_once(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    first = text(post(client, "series", agents["agent"], key, True))
    again = text(post(client, "series", agents["agent"], key, True))
    assert "12 weekly sessions booked" in first and "12 weekly sessions booked" in again
    assert "They were already booked: nothing was booked or sent twice." in again
    assert count(_db, PlanningSession) == 3 + 12  # each agent's one session, and the series
    booked = sa.select(sa.func.count()).where(AuditEvent.kind == "planning_series")
    assert _db.session.scalar(booked.select_from(AuditEvent)) == 1
    # The key is the series': kept on its first session alone.
    keys = _db.session.scalars(
        sa.select(PlanningSession.idempotency_key).order_by(PlanningSession.starts_at)
    ).all()
    assert keys.count(key) == 1
    first_session = _db.session.scalar(
        sa.select(PlanningSession).where(PlanningSession.idempotency_key == key)
    )
    assert first_session.starts_at == datetime(2026, 10, 23, 13)


# --- at once -----------------------------------------------------------------------------


def sent_at_once(app, kind: str, agents: dict[str, Agent], key: str) -> list[int]:
    """Two signed-in requests with one key, started together: their statuses."""

    def signed_in():
        client = app.test_client()
        AuthActions(client).login(agents["agent"].email)
        return client

    def send(client):
        return post(client, kind, agents["agent"], key, htmx=True).status_code

    return at_once(app, signed_in, send)


@pytest.mark.parametrize("kind", KINDS)
def test_sent_twice_at_once_it_is_made_once(shared_app, kind):
    shared_app.config["PARTNERPLAN_NOW"] = TODAY
    agents = seed()
    statuses = sent_at_once(shared_app, kind, agents, new_key())
    expected = 303 if kind == "partner" else 200  # a new partner opens its page
    assert statuses == [expected, expected]
    assert made(kind) == 1


def test_a_series_sent_twice_at_once_past_the_slot_check_is_booked_once(shared_app, monkeypatch):
    """Both requests find the slot free before either books it: the database
    settles it, and the second answers with the series the first booked."""
    shared_app.config["PARTNERPLAN_NOW"] = TODAY
    agents = seed()
    real_offered, both_looked, looks = booking.offered_slots, threading.Barrier(2), []

    def offered_then_wait(agent, week):
        slots = real_offered(agent, week)
        looks.append(agent.id)
        if len(looks) <= 2:
            both_looked.wait(timeout=20)
        return slots

    monkeypatch.setattr(booking, "offered_slots", offered_then_wait)
    assert sent_at_once(shared_app, "series", agents, new_key()) == [200, 200]
    assert made("series") == 1
    assert count(_db, PlanningSession) == 3 + 12


# --- whose key ---------------------------------------------------------------------------


@pytest.mark.parametrize("someone", ["other_agent", "rival_agent"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_same_key_from_someone_else_makes_their_own(client, auth, agents, kind, someone):
    """A key names one create of one agent's partner (or new partner): whoever
    else sends it makes their own entry, and never reaches the first one."""
    key = new_key()
    auth.login(agents["agent"].email)
    post(client, kind, agents["agent"], key)
    auth.logout()
    auth.login(agents[someone].email)
    theirs = post(client, kind, agents[someone], key, htmx=kind != "partner")
    assert theirs.status_code in (200, 303)
    assert made(kind) == 2
    page = text(client.get(theirs.headers["Location"])) if kind == "partner" else text(theirs)
    assert "already" not in page
    for sam_s in ("Debbie Stone", f'/partners/{agents["agent"].partner_id}"'):
        assert sam_s not in page
    if kind == "partner":
        owners = _db.session.scalars(sa.select(Partner.owner_id).where(Partner.name == NEW_PARTNER))
        assert sorted(owners) == sorted([agents["agent"].user_id, agents[someone].user_id])


# --- keys PartnerPlan did not make ---------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("key", ["not-a-key", "' OR 1=1 --", "9" * 5000])
@pytest.mark.parametrize("kind", KINDS)
def test_a_key_partnerplan_did_not_make_is_refused(client, auth, agents, kind, key, htmx):
    auth.login(agents["agent"].email)
    response = post(client, kind, agents["agent"], key, htmx)
    assert response.status_code == 400
    page = text(response)
    assert "Form not recognised" in page and "Nothing was saved" in page
    assert ("<html" in page) is not htmx  # htmx: the message alone, for the page's alert
    assert made(kind) == 0


def test_a_key_is_one_key_however_it_is_spelled(client, auth, agents):
    auth.login(agents["agent"].email)
    key = uuid.uuid4()
    post(client, "interaction", agents["agent"], str(key).upper())
    post(client, "interaction", agents["agent"], "{" + key.hex + "}")
    assert made("interaction") == 1
    assert _db.session.scalar(sa.select(Interaction.idempotency_key)) == str(key)


# --- the forms ---------------------------------------------------------------------------


def test_every_blank_form_carries_a_key_of_its_own(client, auth, agents):
    auth.login(agents["agent"].email)
    partner_page = text(client.get(f"/partners/{agents['agent'].partner_id}"))
    again = text(client.get(f"/partners/{agents['agent'].partner_id}"))
    new_partner = text(client.get("/partners/new"))
    slots = text(client.get(f"/planning/partners/{agents['agent'].partner_id}/slots"))
    session = text(client.get(f"/planning/sessions/{agents['agent'].session_id}"))
    quick = text(
        client.get(f"/logbook/partners/{agents['agent'].partner_id}/interactions/new?quick=1")
    )
    keys = [
        key
        for page in (partner_page, again, new_partner, slots, session, quick)
        for key in KEY_IN_PAGE.findall(page)
    ]
    assert len(keys) == 2 + 2 + 1 + 1 + 1 + 1  # the partner page holds two log forms
    assert len(set(keys)) == len(keys)
    assert all(str(uuid.UUID(key)) == key for key in keys)


def test_after_a_log_the_form_is_ready_for_the_next_one_with_a_new_key(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    answer = text(post(client, "interaction", agents["agent"], key, True))
    fresh = KEY_IN_PAGE.findall(answer)
    assert len(fresh) == 1 and key not in fresh  # the form just used comes back fresh
    post(client, "interaction", agents["agent"], fresh[0], True)
    assert made("interaction") == 2


def test_a_refused_form_keeps_its_key_so_the_corrected_one_is_still_sent_once(client, auth, agents):
    auth.login(agents["agent"].email)
    key = new_key()
    url, form = create("interaction", agents["agent"])
    refused = client.post(url, data={**form, "at": "", "idempotency_key": key}, headers=HTMX)
    assert refused.status_code == 422
    assert key in KEY_IN_PAGE.findall(text(refused))
    post(client, "interaction", agents["agent"], key, True)
    post(client, "interaction", agents["agent"], key, True)
    assert made("interaction") == 1


def test_editing_keeps_the_key_of_what_was_created(client, auth, agents):
    """The edit forms carry no key, and a key posted to one changes nothing."""
    auth.login(agents["agent"].email)
    key = new_key()
    post(client, "partner", agents["agent"], key)
    partner = _db.session.scalar(sa.select(Partner).where(Partner.name == NEW_PARTNER))
    edit = f"/partners/{partner.id}/edit"
    assert "idempotency_key" not in text(client.get(edit))
    data = {"name": "Ann Lender-Smith", "source": "", "owner_id": agents["agent"].user_id}
    assert client.post(edit, data={**data, "idempotency_key": new_key()}).status_code == 303
    _db.session.expire_all()
    assert _db.session.get(Partner, partner.id).idempotency_key == key
    post(client, "interaction", agents["agent"], key)
    interaction = _db.session.scalar(sa.select(Interaction))
    assert "idempotency_key" not in text(client.get(f"/logbook/interactions/{interaction.id}/edit"))


def test_the_book_file_carries_no_keys(client, auth, agents):
    """Keys protect one form's sending; an exported and imported book is sent by nobody."""
    auth.login(agents["agent"].email)
    for kind in KINDS:
        post(client, kind, agents["agent"], new_key())
    harbor = _db.session.scalar(sa.select(Team).where(Team.name == "Harbor Realty Group"))
    assert "idempotency" not in dumps(export_book(harbor))
