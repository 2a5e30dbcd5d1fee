"""Two managers decide the same tier change at the same moment: exactly one decision lands.

Real concurrent HTTP requests against a running threaded server, on a
file-based SQLite database — or on PostgreSQL when TEST_DATABASE_URL is set.
"""

import http.client
import threading
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests.desk_server import live_app
from tests.helpers import PASSWORD, make_partner, make_user
from webapp.extensions import db
from webapp.models import AuditEvent, Partner, Recommendation, Team

ROUNDS = 6


class Browser:
    """A tiny HTTP client with one session cookie, speaking to the live server."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = urlencode(form or {}, doseq=True) if method == "POST" else None
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        if cookie := response.getheader("Set-Cookie"):
            self.cookie = cookie.split(";", 1)[0]
        connection.close()
        return response.status, text

    def login(self, email: str) -> None:
        status, _ = self.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
        assert status == 302


@pytest.fixture
def live_server(tmp_path):
    """The app served on a free 127.0.0.1 port, its database shared with the test."""
    with live_app(tmp_path) as served:
        yield served


def seed(app) -> list[int]:
    """Harbor with two managers and one open promote per round."""
    with app.app_context():
        harbor = Team(name="Harbor Realty Group")
        db.session.add(harbor)
        db.session.flush()
        make_user(harbor, "dana@harbor.example", "manager", "Dana Reyes")
        make_user(harbor, "ada@harbor.example", "admin", "Ada Admin")
        agent = make_user(harbor, "sam@harbor.example", "agent", "Sam Ortiz")
        ids = []
        for n in range(ROUNDS):
            partner = make_partner(agent, f"Partner {n}")
            recommendation = Recommendation(
                team_id=harbor.id,
                partner_id=partner.id,
                kind="tier_change",
                rule="promote",
                tier_from="cultivate",
                tier_to="maintain",
                reason="2 referrals in 180 days",
            )
            db.session.add(recommendation)
            db.session.flush()
            ids.append(recommendation.id)
        db.session.commit()
        return ids


def decide_at_once(requests: list[tuple[Browser, str, dict]]) -> list[tuple[int, str]]:
    """Send the requests from threads released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def send(index, browser, path, form):
        barrier.wait()
        results[index] = browser.request("POST", path, form)

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_managers_deciding_at_once_exactly_one_lands(live_server):
    app, port = live_server
    ids = seed(app)
    dana, ada = Browser(port), Browser(port)
    dana.login("dana@harbor.example")
    ada.login("ada@harbor.example")

    for n, rec_id in enumerate(ids):
        # Half the rounds both approve; the other half Ada rejects while Dana approves.
        ada_form = {f"reject-{rec_id}-reason": "Not yet"} if n % 2 else {}
        ada_path = f"/desk/reviews/{rec_id}/{'reject' if n % 2 else 'approve'}"
        results = decide_at_once(
            [(dana, f"/desk/reviews/{rec_id}/approve", {}), (ada, ada_path, ada_form)]
        )
        statuses = sorted(status for status, _ in results)
        assert statuses == [303, 409], results

        with app.app_context():
            rec = db.session.get(Recommendation, rec_id)
            winner = rec.decided_by.name
            partner = db.session.get(Partner, rec.partner_id)
            events = db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.partner_id == partner.id)
            ).all()
            assert len(events) == 1  # one decision, one record
            assert (
                events[0].kind
                == {"approved": "tier_change", "rejected": "tier_rejected"}[rec.status]
            )
            assert partner.tier == ("maintain" if rec.status == "approved" else "cultivate")
            decision = rec.status
        [loser_page] = [text for status, text in results if status == 409]
        assert f"{winner} {decision} this just now" in loser_page
        if decision == "rejected":
            assert "Not yet" in loser_page  # and why
