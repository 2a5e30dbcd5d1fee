"""A planning session: the five questions autosaved, status, moving, leads, who may see it."""

import pytest
import sqlalchemy as sa

from rules.vocabulary import PLANNING_QUESTIONS
from tests.helpers import count
from tests.planning.helpers import FIRST_WEEK_FRIDAY, book, sessions_of
from webapp.models import Lead, PlanningSession
from webapp.planning import booking

HX = {"HX-Request": "true"}


@pytest.fixture
def session(client, auth, team, planning, db) -> PlanningSession:
    auth.login(team["agent"])
    book(client, planning["debbie"], FIRST_WEEK_FRIDAY.replace(hour=14))
    return sessions_of(db, planning["debbie"])[0]


def test_session_page_shows_the_five_questions_with_autosave(client, session):
    page = client.get(f"/planning/sessions/{session.id}").get_data(as_text=True)
    for key in PLANNING_QUESTIONS:
        assert f'name="{key}"' in page
        assert f'hx-params="{key}"' in page
    assert page.count('hx-trigger="input changed delay:600ms, change"') == 5
    assert "How are we doing together" in page and "Lost leads" in page
    assert "Session 1 of 12" in page and "Next session" in page
    assert 'type="submit" class="primary">Save answers' in page


def test_autosave_keeps_every_answer_posted_one_by_one(client, session, db):
    url = f"/planning/sessions/{session.id}/answers"
    typed = {key: f"answer to {key}: <b>&</b>" for key in PLANNING_QUESTIONS}
    for key, text in typed.items():
        response = client.post(url, data={key: text}, headers=HX)
        assert response.status_code == 200
        assert "Saved at" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.answers == typed
    # an edit to one answer leaves the others alone
    client.post(url, data={"more_volume": "open house together on Saturday"}, headers=HX)
    db.session.refresh(session)
    assert session.answers["more_volume"] == "open house together on Saturday"
    assert session.answers["how_are_we_doing"] == typed["how_are_we_doing"]
    page = client.get(f"/planning/sessions/{session.id}").get_data(as_text=True)
    assert "answer to showing_soon: &lt;b&gt;&amp;&lt;/b&gt;" in page


def test_save_button_without_javascript_saves_all_and_redirects(client, session, db):
    answers = {key: f"typed {n}" for n, key in enumerate(PLANNING_QUESTIONS)}
    response = client.post(f"/planning/sessions/{session.id}/answers", data=answers)
    assert response.status_code == 302
    assert "Answers saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(session)
    assert session.answers == answers


def test_too_long_answer_is_refused_and_nothing_is_lost(client, session, db):
    url = f"/planning/sessions/{session.id}/answers"
    client.post(url, data={"upcoming_needs": "a jumbo loan in spring"}, headers=HX)
    response = client.post(url, data={"upcoming_needs": "x" * 5001}, headers=HX)
    assert response.status_code == 422
    assert "Not saved" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.answers == {"upcoming_needs": "a jumbo loan in spring"}


def test_status_held_skipped_cancelled(client, session, db):
    for status in ("held", "skipped", "cancelled", "booked"):
        response = client.post(
            f"/planning/sessions/{session.id}/status", data={"status": status}, headers=HX
        )
        assert response.status_code == 200
        db.session.refresh(session)
        assert session.status == status
    assert (
        client.post(
            f"/planning/sessions/{session.id}/status", data={"status": "lost"}, headers=HX
        ).status_code
        == 422
    )


def test_move_one_occurrence_but_never_onto_a_booked_one(client, session, db, planning, team):
    url = f"/planning/sessions/{session.id}/move"
    response = client.post(url, data={"starts_at": "2026-10-22T09:15"}, headers=HX)
    assert response.status_code == 200
    db.session.refresh(session)
    assert str(session.starts_at) == "2026-10-22 09:15:00"
    assert str(session.original_starts_at) == "2026-10-23 14:00:00"
    others = sessions_of(db, planning["debbie"])[1:]
    assert all(s.starts_at.hour == 14 for s in others)
    # onto another session of the same agent (another partner), or overlapping it
    book(client, planning["omar"], FIRST_WEEK_FRIDAY.replace(hour=15))
    for when in ("2026-10-30T15:00", "2026-10-30T14:50", "2026-10-30T14:00"):
        response = client.post(url, data={"starts_at": when}, headers=HX)
        assert response.status_code == 422, when
        assert "collides" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert str(session.starts_at) == "2026-10-22 09:15:00"


def test_move_refuses_the_past_and_nonsense(client, session):
    url = f"/planning/sessions/{session.id}/move"
    assert "in the past" in client.post(
        url, data={"starts_at": "2026-10-01T10:00"}, headers=HX
    ).get_data(as_text=True)
    assert client.post(url, data={"starts_at": "tomorrow"}, headers=HX).status_code == 422


def test_uncancelling_onto_a_taken_time_is_refused(client, session, db, planning):
    client.post(f"/planning/sessions/{session.id}/status", data={"status": "cancelled"})
    book(client, planning["omar"], FIRST_WEEK_FRIDAY.replace(hour=13))
    omar_first = sessions_of(db, planning["omar"])[0]
    assert (
        client.post(
            f"/planning/sessions/{omar_first.id}/move", data={"starts_at": "2026-10-23T14:00"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/planning/sessions/{session.id}/status", data={"status": "booked"}, headers=HX
    )
    assert response.status_code == 422
    db.session.refresh(session)
    assert session.status == "cancelled"


def test_add_as_lead_links_the_name_to_partner_and_session(client, session, db, planning):
    url = f"/planning/sessions/{session.id}/leads"
    response = client.post(
        url,
        data={"name": "  Carla Buyer ", "contact": "555-0101", "question": "showing_soon"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Carla Buyer added as a lead" in response.get_data(as_text=True)
    lead = db.session.scalars(sa.select(Lead)).one()
    assert (lead.name, lead.partner_id, lead.planning_session_id, lead.status, lead.question) == (
        "Carla Buyer",
        planning["debbie"].id,
        session.id,
        "to_contact",
        "showing_soon",
    )
    assert (
        client.post(url, data={"name": "", "question": "met_recently"}, headers=HX).status_code
        == 422
    )
    assert count(db, Lead) == 1
    panel = client.get(f"/planning/partners/{planning['debbie'].id}").get_data(as_text=True)
    assert "Carla Buyer" in panel


def test_leads_list_and_inline_status_change(client, session, db, auth, team):
    client.post(
        f"/planning/sessions/{session.id}/leads",
        data={"name": "Ben Seller", "question": "met_recently"},
    )
    lead = db.session.scalars(sa.select(Lead)).one()
    page = client.get("/planning/leads").get_data(as_text=True)
    assert "Ben Seller" in page and "Debbie Stone" in page
    response = client.post(
        f"/planning/leads/{lead.id}/status", data={"status": "contacted"}, headers=HX
    )
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    assert db.session.get(Lead, lead.id).status == "contacted"
    assert "Ben Seller" not in client.get("/planning/leads?status=to_contact").get_data(
        as_text=True
    )
    assert "Ben Seller" in client.get("/planning/leads?status=contacted").get_data(as_text=True)
    response = client.post(f"/planning/leads/{lead.id}/status", data={"status": "pre_qualified"})
    assert response.status_code == 302
    assert "Ben Seller: Pre-qualified" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    auth.logout()
    auth.login(team["other_agent"])
    assert "Ben Seller" not in client.get("/planning/leads").get_data(as_text=True)
    assert (
        client.post(f"/planning/leads/{lead.id}/status", data={"status": "contacted"}).status_code
        == 404
    )
    auth.logout()
    auth.login(team["manager"])
    assert "Ben Seller" in client.get("/planning/leads").get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_agent", "rival_agent", "rival_manager"])
def test_other_agents_and_other_teams_get_404(client, auth, session, team, planning, who, db):
    client.post(
        f"/planning/sessions/{session.id}/leads", data={"name": "Ann", "question": "met_recently"}
    )
    lead = db.session.scalars(sa.select(Lead)).one()
    auth.logout()
    auth.login(team[who])
    partner = planning["debbie"].id
    s = session.id
    for url in (
        f"/planning/sessions/{s}",
        f"/planning/sessions/{s}/series.ics",
        f"/planning/partners/{partner}",
        f"/planning/partners/{partner}/slots",
        f"/planning/partners/{partner}/sessions",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/planning/sessions/{s}/answers", {"more_volume": "x"}),
        (f"/planning/sessions/{s}/status", {"status": "held"}),
        (f"/planning/sessions/{s}/move", {"starts_at": "2026-12-01T10:00"}),
        (f"/planning/sessions/{s}/leads", {"name": "X", "question": "met_recently"}),
        (f"/planning/sessions/{s}/invitation", {}),
        (f"/planning/partners/{partner}/commitment", {"commit-first_referral_by": "2026-12-01"}),
        (f"/planning/partners/{partner}/series", {"starts_at": "2026-10-23T13:00"}),
        (f"/planning/leads/{lead.id}/status", {"status": "contacted"}),
    ):
        assert client.post(url, data=data).status_code == 404, url
    db.session.refresh(session)
    assert session.answers == {} and session.status == "booked"


def test_manager_of_the_team_reaches_the_session(client, auth, session, team):
    auth.logout()
    auth.login(team["manager"])
    assert client.get(f"/planning/sessions/{session.id}").status_code == 200


def test_planning_pages_need_a_login(client, planning):
    for url in ("/planning/settings", "/planning/leads", "/planning/sessions/1"):
        assert client.get(url).status_code == 302


def test_booking_helper_scopes_sessions_by_team(app, session, team):
    with pytest.raises(Exception) as error:
        booking.get_session(session.id, team["rival_manager"])
    assert getattr(error.value, "code", None) == 404
