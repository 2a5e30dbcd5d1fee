"""With CSRF on, as in production: htmx sends the token in a header, plain forms in a field."""

import re

import pytest

from tests.helpers import PASSWORD
from tests.planning.helpers import FIRST_WEEK_FRIDAY, sessions_of


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def token_of(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]


def test_autosave_with_the_header_token_and_refusal_without(
    client, auth, team, planning, db, csrf_on
):
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(
        "/auth/login",
        data={
            "email": team["agent"].email,
            "password": PASSWORD,
            "csrf_token": csrf,
        },
    )
    page = client.get(f"/planning/partners/{planning['debbie'].id}/slots").get_data(as_text=True)
    token = token_of(page)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(
        f"/planning/partners/{planning['debbie'].id}/series",
        data={
            "starts_at": FIRST_WEEK_FRIDAY.replace(hour=14).isoformat(timespec="minutes"),
            "csrf_token": form_token,
        },
    )
    assert response.status_code == 302
    session = sessions_of(db, planning["debbie"])[0]
    url = f"/planning/sessions/{session.id}/answers"
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    assert client.post(url, data={"more_volume": "kept"}, headers=headers).status_code == 200
    assert (
        client.post(url, data={"more_volume": "forged"}, headers={"HX-Request": "true"}).status_code
        == 400
    )
    assert client.post("/planning/settings/calendar-token").status_code == 400
    db.session.refresh(session)
    assert session.answers == {"more_volume": "kept"}
