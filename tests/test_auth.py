from tests.conftest import PASSWORD


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert b'<label for="email">Email</label>' in response.data


def test_login_and_logout(client, auth, team):
    response = auth.login(team["agent"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/today"
    assert client.get("/today").status_code == 200
    auth.logout()
    assert client.get("/today").status_code == 302


def test_wrong_password_says_so_beside_the_field(client, auth, team):
    response = auth.login(team["agent"], password="nope")
    assert response.status_code == 422
    assert b"do not match an account" in response.data
    assert client.get("/today").status_code == 302


def test_deactivated_user_cannot_log_in(client, auth, team, db):
    team["agent"].active = False
    db.session.commit()
    response = auth.login(team["agent"], PASSWORD)
    assert response.status_code == 422
    assert b"deactivated" in response.data


def test_next_is_followed_only_when_local(client, team):
    form = {"email": team["agent"].email, "password": PASSWORD}
    response = client.post("/auth/login?next=/partners/", data=form)
    assert response.headers["Location"] == "/partners/"
    client.post("/auth/logout")
    for hostile in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"):
        response = client.post("/auth/login", query_string={"next": hostile}, data=form)
        assert response.headers["Location"] == "/today", hostile
        client.post("/auth/logout")


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/today", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_a_nul_character_is_refused_with_a_message_and_nothing_is_read(client, auth, team):
    auth.login(team["agent"])
    response = client.post("/partners/new", data={"name": "Null\x00Byte", "profession": "other"})
    assert response.status_code == 400
    assert b"invisible control character" in response.data
    assert client.get("/partners/?q=a%00b").status_code == 400
