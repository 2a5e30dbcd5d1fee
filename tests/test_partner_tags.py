"""Tags on partners: typed on the partner form, shown as badges, filtered by,
added to and removed from many partners at once, and exported."""

import csv
import io

import pytest
import sqlalchemy as sa

from tests.helpers import count, flat, make_partner
from webapp.models import AuditEvent, Partner, Tag, Team
from webapp.partners.tags import parse_tags, set_tags

NEW = {"name": "Ryan McMillan", "profession": "attorney", "source": "bni", "met_on": "2026-09-02"}


def tags_of(db, partner_id: int) -> list[str]:
    db.session.expire_all()
    return [tag.name for tag in db.session.get(Partner, partner_id).tags]


# --- reading tags typed as text ---------------------------------------------------------


def test_tags_are_split_on_commas_and_semicolons_trimmed_and_kept_once():
    names, problem = parse_tags(" golf,BNI ;  Spanish   speaker, GOLF,, ;")
    assert problem is None
    assert names == ["golf", "BNI", "Spanish speaker"]
    assert parse_tags("") == ([], None) and parse_tags(None) == ([], None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("golf, " + "x" * 41, "Keep each tag to 40 characters or fewer."),
        ("golf, bad\x07bell", "Keep this on one line"),
        (", ".join(f"t{n}" for n in range(21)), "Give a partner at most 20 tags."),
    ],
)
def test_a_tag_that_cannot_be_one_is_refused_with_a_message(text, message):
    names, problem = parse_tags(text)
    assert names == [] and message in problem


# --- the partner form -------------------------------------------------------------------


def test_the_form_saves_tags_and_the_page_shows_them_as_links_to_the_list(client, auth, team, db):
    auth.login(team["agent"])
    data = dict(NEW, owner_id=team["agent"].id, tags="golf, BNI; Golf")
    response = client.post("/partners/new", data=data)
    assert response.status_code == 303
    partner = db.session.scalar(sa.select(Partner))
    assert tags_of(db, partner.id) == ["BNI", "golf"]
    page = flat(client.get(f"/partners/{partner.id}"))
    assert '<a class="badge badge-tag" href="/partners/?tag=golf"' in page
    form = client.get(f"/partners/{partner.id}/edit").get_data(as_text=True)
    assert 'value="BNI, golf"' in form
    assert '<datalist id="team-tags"><option value="BNI"><option value="golf"></datalist>' in form


def test_editing_reuses_the_teams_tag_whatever_its_case_and_can_clear_them(client, auth, team, db):
    partner = make_partner(team["agent"])
    other = make_partner(team["agent"], "Ana Lopez")
    set_tags(other, ["Golf"])
    db.session.commit()
    auth.login(team["agent"])
    data = dict(NEW, owner_id=team["agent"].id, tags="GOLF, new one")
    assert client.post(f"/partners/{partner.id}/edit", data=data).status_code == 303
    assert tags_of(db, partner.id) == ["Golf", "new one"]
    assert count(db, Tag) == 2  # "GOLF" is the team's "Golf"
    data["tags"] = ""
    assert client.post(f"/partners/{partner.id}/edit", data=data).status_code == 303
    assert tags_of(db, partner.id) == []
    assert tags_of(db, other.id) == ["Golf"]


def test_a_bad_tag_gets_its_message_beside_the_field_and_nothing_is_stored(client, auth, team, db):
    auth.login(team["agent"])
    data = dict(NEW, owner_id=team["agent"].id, tags="golf, " + "x" * 45)
    response = client.post("/partners/new", data=data)
    assert response.status_code == 422
    page = flat(response)
    assert (
        'aria-describedby="tags-error"' in page and '<p class="error-text" id="tags-error">' in page
    )
    assert "Keep each tag to 40 characters or fewer. (&#39;xxxxxxxxxxxxxxxxxxx…&#39;)" in page
    assert count(db, Partner) == 0 and count(db, Tag) == 0


def test_a_tag_is_the_teams_own(client, auth, team, db):
    """Another team's tag of the same name is another row, and never listed here."""
    rival = make_partner(team["rival_agent"], "Rival Partner")
    set_tags(rival, ["golf"])
    db.session.commit()
    auth.login(team["agent"])
    data = dict(NEW, owner_id=team["agent"].id, tags="Golf")
    client.post("/partners/new", data=data)
    ours = db.session.scalar(sa.select(Partner).where(Partner.name == "Ryan McMillan"))
    harbor = db.session.scalar(sa.select(Team).where(Team.name == "Harbor Realty Group"))
    assert [(tag.team_id, tag.name) for tag in ours.tags] == [(harbor.id, "Golf")]
    assert count(db, Tag) == 2
    listed = client.get("/partners/?tag=golf").get_data(as_text=True)
    assert "Ryan McMillan" in listed and "Rival Partner" not in listed


# --- the list: filter and bulk apply ------------------------------------------------------


@pytest.fixture
def book(db, team):
    """Sam's two partners (one tagged golf) and Kim's one."""
    ana = make_partner(team["agent"], "Ana Lopez")
    bo = make_partner(team["agent"], "Bo Chen")
    kim = make_partner(team["other_agent"], "Kim's Partner")
    set_tags(ana, ["golf"])
    set_tags(kim, ["golf"])
    db.session.commit()
    return {"ana": ana.id, "bo": bo.id, "kim": kim.id}


def test_the_list_filters_by_tag_in_any_case(client, auth, team, book):
    auth.login(team["agent"])
    listed = client.get("/partners/?tag=GOLF").get_data(as_text=True)
    assert "Ana Lopez" in listed and "Bo Chen" not in listed and "Kim&#39;s Partner" not in listed
    assert '<option selected value="golf">golf</option>' in listed
    everyone = client.get("/partners/").get_data(as_text=True)
    assert "Ana Lopez" in everyone and "Bo Chen" in everyone
    assert client.get("/partners/?tag=nothing").get_data(as_text=True).count("<tr id=") == 0


def test_the_list_offers_a_real_form_to_tag_the_ticked_partners(client, auth, team, book):
    auth.login(team["agent"])
    page = flat(client.get("/partners/?tier=cultivate"))
    assert (
        '<form id="bulk-tags" class="bulk-tags" method="post" '
        'action="/partners/tags?tier=cultivate"' in page
    )
    assert (
        f'<input type="checkbox" form="bulk-tags" name="partner" value="{book["bo"]}" '
        f'id="pick-{book["bo"]}">' in page
    )
    assert f'<label class="sr-only" for="pick-{book["bo"]}">Select Bo Chen</label>' in page
    assert '<label for="bulk-tag">Tag</label>' in page
    assert '<button type="submit" name="action" value="remove">Remove tag</button>' in page


def test_a_tag_is_added_to_the_ticked_partners_each_change_audited(client, auth, team, db, book):
    auth.login(team["agent"])
    data = {"partner": [book["ana"], book["bo"]], "tag": " Golf ", "action": "add"}
    response = client.post("/partners/tags?tier=cultivate", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/partners/?tier=cultivate"
    assert tags_of(db, book["ana"]) == ["golf"] and tags_of(db, book["bo"]) == ["golf"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "tags")).all()
    assert [(e.partner_id, e.before, e.after) for e in events] == [
        (book["bo"], {"tags": []}, {"tags": ["golf"]})
    ]  # Ana wore it already
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tag &#39;Golf&#39; added to 1 partner." in page


def test_a_tag_is_removed_from_the_ticked_partners(client, auth, team, db, book):
    auth.login(team["manager"])
    data = {"partner": [book["ana"], book["kim"]], "tag": "GOLF", "action": "remove"}
    assert client.post("/partners/tags", data=data).status_code == 303
    assert tags_of(db, book["ana"]) == [] and tags_of(db, book["kim"]) == []
    assert count(db, Tag) == 1  # the team's tag stays, for the next time


def test_another_agents_partner_among_the_ticked_refuses_the_whole_change(
    client, auth, team, db, book
):
    auth.login(team["agent"])
    data = {"partner": [book["bo"], book["kim"]], "tag": "vip", "action": "add"}
    assert client.post("/partners/tags", data=data).status_code == 404
    assert tags_of(db, book["bo"]) == []
    assert db.session.scalar(sa.select(Tag).where(Tag.name == "vip")) is None
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "tags")).all()


def test_another_teams_partner_is_refused_too(client, auth, team, db, book):
    rival = make_partner(team["rival_agent"], "Rival Partner")
    db.session.commit()
    auth.login(team["manager"])
    data = {"partner": [book["bo"], rival.id], "tag": "vip", "action": "add"}
    assert client.post("/partners/tags", data=data).status_code == 404
    assert tags_of(db, rival.id) == [] and tags_of(db, book["bo"]) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tag": "vip", "action": "add"}, "Tick the partners to tag first."),
        ({"tag": "", "action": "add", "pick": True}, "Enter the tag to add or remove."),
        ({"tag": "a, b", "action": "add", "pick": True}, "A tag cannot hold a comma"),
    ],
)
def test_bulk_input_that_cannot_be_applied_is_said_on_the_list(
    client, auth, team, db, book, data, message
):
    auth.login(team["agent"])
    if data.pop("pick", False):
        data["partner"] = [book["bo"]]
    response = client.post("/partners/tags", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert tags_of(db, book["bo"]) == [] and count(db, Tag) == 1


def test_bulk_apply_needs_the_csrf_token(app, client, auth, team, db, book):
    auth.login(team["agent"])
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"partner": [book["bo"]], "tag": "vip", "action": "add"}
    assert client.post("/partners/tags", data=data).status_code == 400
    assert tags_of(db, book["bo"]) == []


# --- the CSV export ---------------------------------------------------------------------------


def test_the_csv_export_has_the_tags_semicolon_separated(client, auth, team, db, book):
    set_tags(db.session.get(Partner, book["ana"]), ["golf", "BNI"])
    db.session.commit()
    auth.login(team["agent"])
    text = client.get("/referrals/export/partners.csv").data.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    tags = {row[header.index("name")]: row[header.index("tags")] for row in rows}
    assert tags == {"Ana Lopez": "BNI; golf", "Bo Chen": ""}


def test_erasing_a_partner_takes_their_tags_off_and_out_of_the_audit_trail(
    client, auth, team, db, book
):
    auth.login(team["manager"])
    data = {"partner": [book["ana"], book["bo"]], "tag": "divorcing", "action": "add"}
    assert client.post("/partners/tags", data=data).status_code == 303
    auth.logout()
    auth.login(team["admin"])
    assert client.post(f"/partners/{book['ana']}/erase", data={"confirm": "y"}).status_code == 303
    assert tags_of(db, book["ana"]) == [] and tags_of(db, book["bo"]) == ["divorcing"]
    ana_events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "tags", AuditEvent.partner_id == book["ana"])
    ).all()
    assert ana_events and all(e.before == {} and e.after == {} for e in ana_events)
    assert all("divorcing" not in e.summary for e in ana_events)


def test_a_ticked_number_too_large_to_be_an_id_changes_nothing(client, auth, team, db, book):
    auth.login(team["agent"])
    for number in ("4294967296", "99999999999999999999999"):
        data = {"partner": [book["bo"], number], "tag": "vip", "action": "add"}
        assert client.post("/partners/tags", data=data).status_code == 404
    assert tags_of(db, book["bo"]) == [] and count(db, Tag) == 1


def test_query_names_that_links_keep_for_themselves_do_not_break_the_list(
    client, auth, team, db, book
):
    auth.login(team["agent"])
    query = "tier=cultivate&endpoint=x&_external=1&_scheme=javascript&_anchor=x"
    page = flat(client.get(f"/partners/?{query}"))
    assert 'action="/partners/tags?tier=cultivate"' in page
    data = {"partner": [book["bo"]], "tag": "vip", "action": "add"}
    response = client.post(f"/partners/tags?{query}", data=data)
    assert response.headers["Location"] == "/partners/?tier=cultivate"
    assert tags_of(db, book["bo"]) == ["vip"]
