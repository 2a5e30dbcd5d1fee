"""How PartnerPlan is served: HTTPS is remembered when the cookies are secure,
and `make run` (the demo) does not expose the Werkzeug debugger."""

from pathlib import Path

import pytest

from config import TestConfig
from tests.helpers import fresh_app
from tests.routes import fetch, log_in

ROOT = Path(__file__).resolve().parent.parent


class SecureConfig(TestConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


@pytest.fixture
def secure_app():
    with fresh_app(SecureConfig) as app:
        yield app


def test_every_response_asks_for_https_when_cookies_are_secure(secure_app):
    client = secure_app.test_client()
    for url in ("/auth/login", "/", "/nowhere", "/static/app.css"):
        response = fetch(secure_app, client, url)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url
        response.close()


def test_no_hsts_over_plain_http(client, team):
    log_in(client, team["agent"])
    for url in ("/auth/login", "/today"):
        assert "Strict-Transport-Security" not in fetch(client.application, client, url).headers


def test_the_demo_server_runs_without_the_debugger():
    """`make run` starts the Procfile: the debugger is opt-in (FLASK_DEBUG=1 make run)."""
    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    assert "--debug" not in web.split() and "FLASK_DEBUG" not in web
    assert "FLASK_DEBUG=1 make run" in (ROOT / "README.md").read_text()
