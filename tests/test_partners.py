import pytest
import sqlalchemy as sa

from tests.helpers import SIGN_IN_KINDS, count, make_partner
from webapp.models import AuditEvent, Partner

VALID = {
    "name": "Ryan McMillan",
    "company": "McMillan Estate Law",
    "profession": "attorney",
    "email": "Ryan@McMillan.example",
    "phone": "+1 231 555 0100",
    "source": "bni",
    "met_on": "2026-09-02",
    "client_types": ["retirees_estate", "luxury"],
    "birthday": "02-29",
    "spouse": "Alex",
}


def form(**changes):
    data = dict(VALID, **changes)
    return {k: v for k, v in data.items() if v is not None}


def test_agent_creates_a_partner_who_starts_in_cultivate(client, auth, team, db):
    auth.login(team["agent"])
    response = client.post("/partners/new", data=form(owner_id=team["agent"].id))
    assert response.status_code == 303
    partner = db.session.scalar(sa.select(Partner))
    assert response.headers["Location"] == f"/partners/{partner.id}"
    assert partner.tier == "cultivate"
    assert partner.owner_id == team["agent"].id
    assert partner.email == "ryan@mcmillan.example"
    assert partner.client_types == ["retirees_estate", "luxury"]
    assert partner.birthday == "02-29"
    page = client.get(f"/partners/{partner.id}")
    assert b"Ryan McMillan" in page.data and b"McMillan Estate Law" in page.data


def test_agent_cannot_assign_a_partner_to_someone_else(client, auth, team, db):
    auth.login(team["agent"])
    response = client.post("/partners/new", data=form(owner_id=team["other_agent"].id))
    assert response.status_code == 422
    assert count(db, Partner) == 0


def test_manager_assigns_to_any_agent_of_the_team_only(client, auth, team, db):
    auth.login(team["manager"])
    assert (
        client.post("/partners/new", data=form(owner_id=team["rival_agent"].id)).status_code == 422
    )
    assert (
        client.post("/partners/new", data=form(owner_id=team["other_agent"].id)).status_code == 303
    )
    assert db.session.scalar(sa.select(Partner.owner_id)) == team["other_agent"].id


def test_invalid_fields_get_messages_beside_them_and_nothing_is_stored(client, auth, team, db):
    auth.login(team["agent"])
    bad = form(
        owner_id=team["agent"].id,
        name="",
        email="not-an-email",
        phone="call me",
        birthday="02-30",
        anniversary="1999-13-01",
        met_on="2026-02-30",
        profession="wizard",
    )
    response = client.post("/partners/new", data=bad)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter the partner&#39;s name." in text
    assert "Enter an email address like name@example.com." in text
    assert "Enter a phone number: 7 to 15 digits" in text
    assert "Enter a day that exists, as YYYY-MM-DD, or MM-DD without the year." in text
    assert "Not a valid choice" in text
    assert 'aria-invalid="true"' in text
    assert count(db, Partner) == 0


def test_hostile_text_is_stored_as_is_and_rendered_escaped(client, auth, team, db):
    auth.login(team["agent"])
    client.post(
        "/partners/new",
        data=form(
            owner_id=team["agent"].id,
            name="<script>alert(1)</script> Zoë 名前",
            notes='"><img src=x onerror=alert(1)>',
        ),
    )
    partner = db.session.scalar(sa.select(Partner))
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Zoë 名前" in page
    assert "<img src=x" not in page


def test_too_long_name_is_refused(client, auth, team, db):
    auth.login(team["agent"])
    response = client.post("/partners/new", data=form(owner_id=team["agent"].id, name="x" * 201))
    assert response.status_code == 422
    assert count(db, Partner) == 0


def test_agents_see_their_own_partners_managers_the_team_nobody_another_team(client, auth, team):
    mine = make_partner(team["agent"], "Mine Partner")
    theirs = make_partner(team["other_agent"], "Theirs Partner")
    rival = make_partner(team["rival_agent"], "Rival Partner")
    auth.login(team["agent"])
    listing = client.get("/partners/").get_data(as_text=True)
    assert "Mine Partner" in listing and "Theirs Partner" not in listing and "Rival" not in listing
    assert client.get(f"/partners/{mine.id}").status_code == 200
    assert client.get(f"/partners/{theirs.id}").status_code == 404
    assert client.get(f"/partners/{rival.id}").status_code == 404
    assert client.post(f"/partners/{theirs.id}/edit", data=form()).status_code == 404
    auth.logout()
    auth.login(team["manager"])
    listing = client.get("/partners/").get_data(as_text=True)
    assert "Mine Partner" in listing and "Theirs Partner" in listing and "Rival" not in listing
    assert client.get(f"/partners/{theirs.id}").status_code == 200
    assert client.get(f"/partners/{rival.id}").status_code == 404


def test_search_filters_and_htmx_returns_only_the_results(client, auth, team):
    make_partner(
        team["agent"],
        "Ryan McMillan",
        company="McMillan Law",
        tier="maintain",
        profession="attorney",
        phone="231-555-0100",
    )
    make_partner(
        team["agent"],
        "Carla Diaz",
        company="Diaz Lending",
        profession="lender",
        email="carla@diaz.example",
    )
    make_partner(team["agent"], "100% Percent", company="Under_score")
    auth.login(team["agent"])
    assert "Carla" not in client.get("/partners/?q=mcmil").get_data(as_text=True)
    assert "Carla Diaz" in client.get("/partners/?q=diaz.example").get_data(as_text=True)
    assert "Ryan McMillan" in client.get("/partners/?q=555-0100").get_data(as_text=True)
    assert "Ryan" not in client.get("/partners/?tier=cultivate").get_data(as_text=True)
    lenders = client.get("/partners/?profession=lender").get_data(as_text=True)
    assert "Carla Diaz" in lenders and "Ryan McMillan" not in lenders
    # LIKE wildcards typed by a user are matched literally
    percent = client.get("/partners/?q=%25").get_data(as_text=True)
    assert "100% Percent" in percent and "Carla" not in percent
    fragment = client.get("/partners/?q=carla", headers={"HX-Request": "true"})
    assert "Carla Diaz" in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


def test_sorting_and_pages(client, auth, team):
    for i in range(30):
        make_partner(team["agent"], f"Partner {i:02d}", company=f"Co {29 - i:02d}")
    auth.login(team["agent"])
    first = client.get("/partners/?sort=name").get_data(as_text=True)
    assert "Partner 00" in first and "Partner 29" not in first and "Page 1 of 2" in first
    second = client.get("/partners/?sort=name&page=2").get_data(as_text=True)
    assert "Partner 29" in second and "Partner 00" not in second
    by_company = client.get("/partners/?sort=company").get_data(as_text=True)
    assert "Partner 29" in by_company and "Partner 00" not in by_company
    assert client.get("/partners/?page=99&sort=bogus").status_code == 200


def test_archive_and_restore_are_audited_and_hide_the_partner(client, auth, team, db):
    partner = make_partner(team["agent"], "Archie Ved")
    db.session.commit()
    auth.login(team["agent"])
    assert client.post(f"/partners/{partner.id}/archive").status_code == 303
    assert f'partner-{partner.id}"' not in client.get("/partners/").get_data(as_text=True)
    assert "Archie Ved" in client.get("/partners/?archived=y").get_data(as_text=True)
    assert client.post(f"/partners/{partner.id}/restore").status_code == 303
    assert "Archie Ved" in client.get("/partners/").get_data(as_text=True)
    kinds = db.session.scalars(
        sa.select(AuditEvent.kind)
        .where(AuditEvent.kind.not_in(SIGN_IN_KINDS))
        .order_by(AuditEvent.id)
    ).all()
    assert kinds == ["archive", "restore"]


def test_edit_keeps_the_record_when_invalid(client, auth, team, db):
    partner = make_partner(team["agent"], "Ryan McMillan", email="ryan@x.example")
    db.session.commit()
    auth.login(team["agent"])
    response = client.post(
        f"/partners/{partner.id}/edit", data=form(owner_id=team["agent"].id, email="nope")
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).email == "ryan@x.example"
    response = client.post(
        f"/partners/{partner.id}/edit", data=form(owner_id=team["agent"].id, company="")
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).company is None


@pytest.mark.parametrize("owner", ["99999999999999999999", "²"])
def test_an_owner_filter_that_is_no_id_lists_everyone_rather_than_failing(
    client, auth, team, db, owner
):
    make_partner(team["agent"], "Ana Lopez")
    db.session.commit()
    auth.login(team["manager"])
    response = client.get("/partners/", query_string={"owner": owner})
    assert response.status_code == 200
    assert "Ana Lopez" in response.get_data(as_text=True)


def test_only_a_managers_list_reads_the_team_for_its_agent_filter(client, auth, team, db):
    """The agent filter is a manager's: an agent's list does not read the team's
    users (hundreds in a large brokerage) for a field it does not show."""
    make_partner(team["agent"], "Carla Diaz")

    def team_reads(user) -> tuple[int, str]:
        statements = []

        def keep(conn, cursor, statement, *args):
            statements.append(statement.replace('"', ""))

        auth.login(user)
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            page = client.get("/partners/?q=carla").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
        auth.logout()
        return sum("ORDER BY user.name" in s for s in statements), page

    reads, page = team_reads(team["agent"])
    assert reads == 0 and "Carla Diaz" in page and "All agents" not in page
    reads, page = team_reads(team["manager"])
    assert reads == 1 and "Carla Diaz" in page and "All agents" in page
