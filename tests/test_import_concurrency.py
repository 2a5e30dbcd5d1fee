"""The import's button pressed twice (a double click, a second tab): the file's partners
are added once. Real concurrent HTTP requests against a running threaded server."""

import threading

import pytest
import sqlalchemy as sa

from tests.desk_server import live_app
from tests.helpers import make_user
from tests.test_desk_concurrency import Browser
from webapp.extensions import db
from webapp.models import Partner, Team
from webapp.referrals import partner_import

ROWS = 400


@pytest.fixture
def live_server(tmp_path):
    with live_app(tmp_path, PARTNER_IMPORT_FOLDER=str(tmp_path / "imports")) as served:
        yield served


def test_the_import_sent_twice_at_once_adds_the_partners_once(live_server):
    app, port = live_server
    with app.app_context():
        harbor = Team(name="Harbor Realty Group")
        db.session.add(harbor)
        db.session.flush()
        agent = make_user(harbor, "sam@harbor.example", "agent", "Sam Ortiz")
        db.session.commit()
        rows = "".join(f"Partner {n},p{n}@example.com\n" for n in range(ROWS))
        token = partner_import.keep_upload(f"Name,Email\n{rows}".encode(), "book.csv", agent)
        form = {"map-name": "0", "map-email": "1", "owner": str(agent.id)}
    sam = Browser(port)
    sam.login("sam@harbor.example")
    barrier, results = threading.Barrier(2), []

    def press():
        barrier.wait()
        results.append(sam.request("POST", f"/referrals/partners-csv/{token}/import", form))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = sorted(status for status, _ in results)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Partner)) == ROWS
    assert statuses == [303, 303]  # the second shows what the first did
