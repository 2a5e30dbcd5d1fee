"""Installable and usable offline (webapp/offline): the manifest and its icons,
the service worker served from the root, the offline page, whose pages a
device keeps, and what logging out asks the browser to forget."""

import json
import re
import struct
from pathlib import Path

from tests.helpers import flat

STATIC = Path(__file__).resolve().parents[1] / "webapp" / "static"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and that it is a PNG)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def served(client, path: str):
    """The response to GET `path`, read and closed (static files are streamed)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_the_manifest_says_how_partnerplan_installs(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "PartnerPlan"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    css = (STATIC / "app.css").read_text()
    assert manifest["theme_color"] == re.search(r"--ink: (#[0-9a-f]{6})", css).group(1)
    assert manifest["background_color"] == re.search(r"--bg: (#[0-9a-f]{6})", css).group(1)


def test_every_icon_of_the_manifest_is_served_at_its_declared_size(client):
    icons = json.loads(client.get("/manifest.webmanifest").data)["icons"]
    assert {(icon["sizes"], icon["purpose"]) for icon in icons} >= {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in icons:
        response = served(client, icon["src"])
        assert response.status_code == 200, icon["src"]
        assert icon["type"] == response.mimetype == "image/png"
        width, height = png_size(response.data)
        assert f"{width}x{height}" == icon["sizes"], icon["src"]


def test_every_page_links_the_manifest_and_a_home_screen_icon(client, auth, team):
    login = client.get("/auth/login").get_data(as_text=True)
    auth.login(team["agent"])
    today = client.get("/today").get_data(as_text=True)
    for page in (login, today):
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page
        touch_icon = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', page).group(1)
        assert png_size(served(client, touch_icon).data) == (180, 180)
        assert 'src="/static/offline.js" data-service-worker="/sw.js"' in page


def test_the_service_worker_is_served_from_the_root_to_control_every_page(client):
    response = served(client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == (STATIC / "sw.js").read_bytes()


def test_everything_the_service_worker_keeps_at_install_is_there(client):
    """A shell file missing would fail the worker's install: each one answers."""
    source = (STATIC / "sw.js").read_text()
    listed = re.search(r"var SHELL = \[(.*?)\];", source, re.S).group(1)
    shell = re.findall(r'"(/[^"]*)"', listed)
    assert "/offline" in shell and "/static/offline.js" in shell
    for path in shell:
        assert served(client, path).status_code == 200, path


def test_the_offline_page_is_nobodys(client):
    """Fetched without cookies when the worker installs, it names no user: its
    script must not take it for a signed-out page and drop what is kept."""
    response = client.get("/offline")
    assert response.status_code == 200
    page = flat(response)
    assert "You are offline" in page
    assert 'name="pp-user"' not in response.get_data(as_text=True)


def test_a_page_says_whose_it_is_with_an_opaque_key_the_same_at_every_sign_in(client, auth, team):
    def key() -> str:
        page = client.get("/today").get_data(as_text=True)
        return re.search(r'<meta name="pp-user" content="([^"]*)">', page).group(1)

    auth.login(team["agent"])
    sam = key()
    assert re.fullmatch(r"[0-9a-f]{24}", sam)
    assert str(team["agent"].id) != sam and team["agent"].email not in sam
    auth.logout()
    login = client.get("/auth/login").get_data(as_text=True)
    assert '<meta name="pp-user" content="">' in login  # nobody: what is kept goes
    auth.login(team["agent"])
    assert key() == sam  # the same: logs kept before are sent after this sign-in
    auth.logout()
    auth.login(team["other_agent"])
    assert key() != sam


def test_logging_out_clears_the_browser_cache_but_not_the_logs_waiting(client, auth, team):
    """ "storage" would take the queue of other users' logs waiting on the device
    too; the signed-out user's own pages and logs go by static/offline.js."""
    auth.login(team["agent"])
    client.get("/today")
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_the_status_line_for_offline_use_is_on_every_page(client, auth, team):
    auth.login(team["agent"])
    page = client.get("/today").get_data(as_text=True)
    assert '<div id="offline-status" class="offline-status" role="status"></div>' in page


def test_a_kept_page_says_when_it_was_made_in_the_teams_time(app, client, auth, team, db):
    """The offline banner's "as of 08:30": the team's clock, across a DST change
    (New York springs forward at 2:00 on 8 March 2026) and for a team elsewhere."""
    auth.login(team["agent"])

    def made() -> str:
        page = client.get("/today").get_data(as_text=True)
        return re.search(r'<meta name="pp-page-time" content="([^"]*)">', page).group(1)

    team["agent"].team.timezone = "America/New_York"
    db.session.commit()
    app.config["PARTNERPLAN_NOW"] = "2026-03-08T06:30+00:00"
    assert made() == "01:30"  # EST, UTC-5
    app.config["PARTNERPLAN_NOW"] = "2026-03-08T12:30+00:00"
    assert made() == "08:30"  # EDT, UTC-4
    team["agent"].team.timezone = "Pacific/Auckland"
    db.session.commit()
    assert made() == "01:30"  # the next day there, NZDT
    auth.logout()
    login = client.get("/auth/login").get_data(as_text=True)
    assert '<meta name="pp-page-time" content="">' in login
