"""A request id on every request and response; errors logged as one JSON line with it."""

import json
import re

import pytest

from tests.helpers import fresh_app, make_user
from webapp.extensions import db
from webapp.models import Team

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def failing_app():
    """An app with a page that fails (a bug, as a 500 meets one), and a user."""
    with fresh_app() as app:
        app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page, as in production

        @app.route("/test-failure")
        def failure():
            """Fails, as a bug would."""
            raise RuntimeError("the bug\nover two lines")

        team = Team(name="Harbor Realty Group")
        db.session.add(team)
        db.session.flush()
        app.config["test_user_id"] = make_user(team, "sam@harbor.example").id
        db.session.commit()
        yield app


def log_in(client):
    from tests.helpers import PASSWORD

    response = client.post(
        "/auth/login", data={"email": "sam@harbor.example", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_every_response_carries_a_new_id(client):
    first = client.get("/auth/login").headers["X-Request-Id"]
    second = client.get("/nowhere").headers["X-Request-Id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_well_formed_id_from_the_caller_is_kept(client):
    response = client.get("/auth/login", headers={"X-Request-Id": "lb-7f3a9c2e.42_x"})
    assert response.headers["X-Request-Id"] == "lb-7f3a9c2e.42_x"


@pytest.mark.parametrize("given", ["short", "has space in it", "x" * 129, 'quote"inside-it', ""])
def test_a_malformed_id_is_replaced(client, given):
    response = client.get("/auth/login", headers={"X-Request-Id": given})
    assert GENERATED.fullmatch(response.headers["X-Request-Id"])


def test_an_error_is_one_json_line_with_the_request_and_the_user(failing_app, error_lines):
    client = failing_app.test_client()
    log_in(client)
    response = client.get("/test-failure?token=secret", headers={"X-Request-Id": "req-12345678"})

    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "req-12345678"
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "<code>req-12345678</code>" in page

    assert len(error_lines) == 1 and "\n" not in error_lines[0]
    line = json.loads(error_lines[0])
    assert {key: line[key] for key in ("request_id", "method", "path", "status", "user_id")} == {
        "request_id": "req-12345678",
        "method": "GET",
        "path": "/test-failure",
        "status": 500,
        "user_id": failing_app.config["test_user_id"],
    }
    assert line["error"] == "RuntimeError: the bug\nover two lines"
    assert "raise RuntimeError" in line["traceback"]
    assert "secret" not in error_lines[0]  # the query string may carry a token


def test_an_htmx_request_gets_the_reference_in_its_message(failing_app, error_lines):
    response = failing_app.test_client().get(
        "/test-failure", headers={"HX-Request": "true", "X-Request-Id": "req-abcdefgh"}
    )
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "<html" not in text and "<code>req-abcdefgh</code>" in text
    assert json.loads(error_lines[0])["user_id"] is None


def test_a_refusal_is_not_logged_as_an_error(client, error_lines):
    assert client.get("/nowhere").status_code == 404
    assert client.get("/today").status_code == 302
    assert error_lines == []
