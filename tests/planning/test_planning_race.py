"""Two bookings of the same slot at the same moment, on a real database file."""

import os
import threading

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.helpers import PASSWORD, make_partner, make_user
from tests.planning.helpers import FIRST_WEEK_FRIDAY, FROZEN_TODAY
from webapp import create_app
from webapp.extensions import db
from webapp.models import PlanningSession, Team
from webapp.planning import booking


@pytest.fixture
def file_app(tmp_path):
    class FileConfig(TestConfig):
        # Threads need a database they can share: a file, or PostgreSQL when given.
        SQLALCHEMY_DATABASE_URI = (
            TestConfig.SQLALCHEMY_DATABASE_URI
            if os.environ.get("TEST_DATABASE_URL")
            else f"sqlite:///{tmp_path / 'race.db'}"
        )
        PARTNERPLAN_NOW = FROZEN_TODAY

    app = create_app(FileConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        team = Team(name="Harbor Realty Group")
        db.session.add(team)
        db.session.flush()
        agent = make_user(team, "sam@harbor.example")
        partners = [make_partner(agent, name) for name in ("Debbie Stone", "Omar Haddad")]
        db.session.commit()
        ids = [p.id for p in partners]
    yield app, ids
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_racing_bookings_of_one_slot_one_wins(file_app, monkeypatch):
    app, partner_ids = file_app
    real_offered = booking.offered_slots
    barrier = threading.Barrier(2)
    calls = []

    def offered_then_wait(agent, week):
        """Both requests see the slot free before either of them commits."""
        slots = real_offered(agent, week)
        calls.append(agent.id)
        if len(calls) <= 2:
            barrier.wait(timeout=20)
        return slots

    monkeypatch.setattr(booking, "offered_slots", offered_then_wait)
    first = FIRST_WEEK_FRIDAY.replace(hour=14).isoformat(timespec="minutes")
    results = {}

    def attempt(partner_id):
        client = app.test_client()
        client.post("/auth/login", data={"email": "sam@harbor.example", "password": PASSWORD})
        response = client.post(
            f"/planning/partners/{partner_id}/series",
            data={"starts_at": first},
            headers={"HX-Request": "true"},
        )
        results[partner_id] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=attempt, args=(pid,)) for pid in partner_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 422]
    loser = next(page for status, page in results.values() if status == 422)
    assert "was just booked" in loser
    with app.app_context():
        booked = db.session.scalars(sa.select(PlanningSession)).all()
        assert len(booked) == 12
        assert len({s.partner_id for s in booked}) == 1
