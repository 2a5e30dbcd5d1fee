"""The book file keeps its promise as it grows: a file of every version of the
format imports, one of a newer version is refused in plain words, every field
added since the first version may be left out, and export -> import -> export
gives the same bytes."""

import copy
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from rules.health import DEFAULT_WEIGHTS
from tests.helpers import count
from webapp.book.exporter import dumps, export_book
from webapp.book.validation import ADDED_FIELDS, FORMAT, validate_book
from webapp.demo import load_demo
from webapp.models import Lead, Partner, Tag, Team, TeamRule, User
from webapp.recommendations.lifecycle import in_force

FIXTURES = Path(__file__).parent / "fixtures" / "book"
DOCS = Path(__file__).parent.parent / "docs" / "BOOK_FORMAT.md"
# The original partnerplan-book/1, as its first description shows it; a /1 file as
# PartnerPlan's exports wrote it before /2 (the optional fields of "version 1"
# already in it); and a /2 file that uses every optional field, tags included,
# written exactly as the export writes it.
V1_ORIGINAL = FIXTURES / "v1-original.json"
V1_EXPORTED = FIXTURES / "v1-exported.json"
V2_EVERY_FIELD = FIXTURES / "v2-every-field.json"
# /3 adds cadences, health weights and the team's own rules; this one holds every
# optional field of all versions.
V3_EVERY_FIELD = FIXTURES / "v3-every-field.json"
TODAY = date(2026, 12, 2)  # the `frozen` day, for validate_book


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def import_text(runner, text: str):
    return runner.invoke(args=["book", "import", "-"], input=io.BytesIO(text.encode()))


def export_text(runner) -> str:
    result = runner.invoke(args=["book", "export"])
    assert result.exit_code == 0, result.output
    return result.output


def empty_database(db) -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()


def without(document: dict, path: str) -> dict:
    """The document with the field at `path` (`partners[].interactions[].minutes`)
    taken out of every record that has it."""
    document = copy.deepcopy(document)
    *parents, name = path.split(".")
    records = [document]
    for part in parents:
        records = [
            item
            for record in records
            for item in (record.get(part[:-2]) or [] if part.endswith("[]") else [record[part]])
        ]
    for record in records:
        record.pop(name, None)
    return document


@pytest.fixture(autouse=True)
def today(frozen):
    """2 December 2026: the fixtures' days are all in the past."""


# --- every version imports ---------------------------------------------------------------


def test_the_fixtures_are_of_the_versions_they_stand_for():
    assert read(V1_ORIGINAL)["format"] == "partnerplan-book/1"
    assert read(V1_EXPORTED)["format"] == "partnerplan-book/1"
    assert read(V2_EVERY_FIELD)["format"] == "partnerplan-book/2"
    assert read(V3_EVERY_FIELD)["format"] == FORMAT == "partnerplan-book/3"
    # The original carries none of the fields added since.
    text = V1_ORIGINAL.read_text()
    for field in ("timezone", "planning_hours", "active", "archived_at", "leads", "holidays",
                  "series", "tags"):  # fmt: skip
        assert f'"{field}"' not in text


def test_the_original_first_version_imports_with_the_defaults(runner, db):
    result = runner.invoke(args=["book", "import", str(V1_ORIGINAL)])
    assert result.exit_code == 0, result.output
    team = db.session.scalar(sa.select(Team))
    assert (team.name, team.timezone, team.planning_hours) == (
        "Harbor Realty Group", "America/New_York", "fri 13:00-16:00",
    )  # fmt: skip
    assert all(db.session.scalars(sa.select(User.active)))
    ryan = db.session.scalar(sa.select(Partner))
    assert ryan.key == "p-001" and ryan.archived_at is None and ryan.tags == []
    assert count(db, Lead) == 0 and count(db, Tag) == 0
    exported = json.loads(export_text(runner))
    assert exported["format"] == FORMAT  # what is written is always the current version
    assert exported["partners"][0]["referrals"][0]["commission"] == 11500
    assert exported["partners"][0]["interactions"][0]["by"] == "sam@harbor.example"


def test_a_first_version_file_as_the_exports_wrote_it_imports_whole(runner, db):
    result = runner.invoke(args=["book", "import", str(V1_EXPORTED)])
    assert result.exit_code == 0, result.output
    exported = json.loads(export_text(runner))
    expected = read(V1_EXPORTED)
    for partner in expected["partners"]:
        partner["tags"] = []  # a /1 file has none: the export says so
        partner["cadence"] = None
    expected["team"] |= {"cadences": {}, "health_weights": DEFAULT_WEIGHTS}
    assert exported == {**expected, "format": FORMAT, "team_rules": []}  # nor team rules
    assert list(exported["partners"][0]) == list(read(V3_EVERY_FIELD)["partners"][0])


def test_a_second_version_file_imports_with_its_tags(runner, db):
    result = runner.invoke(args=["book", "import", str(V2_EVERY_FIELD)])
    assert result.exit_code == 0, result.output
    ryan = db.session.scalar(sa.select(Partner).where(Partner.key == "p-001"))
    assert [tag.name for tag in ryan.tags] == ["BNI", "golf", "Spanish speaker"]
    assert count(db, Tag) == 3  # Quinn's "golf" is the same tag


# --- export -> import -> export --------------------------------------------------------


def test_a_book_of_every_optional_field_comes_back_byte_for_byte(runner, db):
    written = V3_EVERY_FIELD.read_text(encoding="utf-8")
    assert import_text(runner, written).exit_code == 0
    first = export_text(runner)
    assert first == written  # nothing lost, nothing reordered
    empty_database(db)
    assert import_text(runner, first).exit_code == 0
    assert export_text(runner) == first


def test_the_demo_book_comes_back_byte_for_byte(app, runner, db):
    load_demo()
    first = export_text(runner)
    assert json.loads(first)["partners"]  # a book, not an empty one
    empty_database(db)
    result = import_text(runner, first)
    assert result.exit_code == 0, result.output
    assert export_text(runner) == first


def test_a_book_filled_into_an_empty_team_in_the_browser_comes_back_the_same(
    client, auth, db, team
):
    """The browser fills the importer's own team: its name and users are the team's,
    the partners, their history and tags and the days off are the file's."""
    auth.login(team["admin"])
    written = read(V3_EVERY_FIELD)
    data = {"file": (io.BytesIO(V3_EVERY_FIELD.read_bytes()), "book.json")}
    assert client.post("/book/import", data=data).status_code == 303
    harbor = db.session.get(Team, team["admin"].team_id)
    exported = json.loads(dumps(export_book(harbor)))
    assert exported["partners"] == written["partners"]
    assert exported["holidays"] == written["holidays"]
    rival = db.session.scalar(sa.select(Team).where(Team.name == "Rival Homes"))
    assert not db.session.scalar(sa.select(Tag).where(Tag.team_id == rival.id))


# --- what each version may hold ----------------------------------------------------------


@pytest.mark.parametrize("path", sorted(ADDED_FIELDS))
def test_each_field_added_since_the_first_version_may_be_left_out(path):
    document = without(read(V3_EVERY_FIELD), path)
    assert json.dumps(document) != V3_EVERY_FIELD.read_text()  # it was there to take out
    assert validate_book(document, TODAY) == []


def test_a_book_without_any_added_field_imports_with_their_defaults(runner, db):
    document = read(V3_EVERY_FIELD)
    for path in ADDED_FIELDS:
        document = without(document, path)
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 0, result.output
    team = db.session.scalar(sa.select(Team))
    assert team.timezone == "America/New_York" and team.planning_hours == "fri 13:00-16:00"
    assert all(db.session.scalars(sa.select(User.active)))
    assert count(db, Tag) == 0 and count(db, Lead) == 0
    assert db.session.scalar(sa.select(Partner).where(Partner.key == "p-002")).archived_at is None
    assert count(db, TeamRule) == 0


def test_a_third_version_file_brings_the_team_rules_in_force(runner, db):
    result = import_text(runner, V3_EVERY_FIELD.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    team = db.session.scalar(sa.select(Team))
    version, _, definitions = in_force(team.id)
    assert version == 1
    assert definitions == read(V3_EVERY_FIELD)["team_rules"]


def test_a_team_rule_in_a_book_is_checked_like_the_editor_checks_it(runner, db):
    document = read(V3_EVERY_FIELD)
    rule = document["team_rules"][0]
    rule["conditions"][0] = {"fact": "shoe_size", "op": "==", "value": 9}
    rule["conditions"][2]["value"] = "14"
    rule["reason"] = "{name} {nonsense}"
    document["team_rules"].append(dict(document["team_rules"][1]))
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 1
    assert "team_rules[0].conditions[0].fact: choose a fact from the list" in result.output
    assert "team_rules[0].conditions[2].value: give a value of the fact's own type" in (
        result.output
    )
    assert "team_rules[0].reason: there is no placeholder {nonsense}" in result.output
    assert "team_rules[2].slug: 'quiet-referrers' is already the id of team_rules[1]" in (
        result.output
    )
    assert count(db, Team) == 0 and count(db, TeamRule) == 0


def test_a_field_is_taken_only_from_a_file_of_its_version(runner, db):
    document = read(V1_EXPORTED)
    document["partners"][0]["tags"] = ["golf"]
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 1
    assert (
        "partners[0].tags: not part of partnerplan-book/1: it came with partnerplan-book/2 "
        '(a file that holds it says "format": "partnerplan-book/2")' in result.output
    )
    assert count(db, Team) == 0


def test_a_file_of_a_newer_version_is_refused_in_plain_words(runner, db):
    document = read(V3_EVERY_FIELD)
    document["format"] = "partnerplan-book/4"
    document["partners"][0]["stickers"] = ["a field this PartnerPlan does not know"]
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        "format: this file is partnerplan-book/4, a newer version of the format than this "
        "PartnerPlan reads (partnerplan-book/1 to partnerplan-book/3): update PartnerPlan to "
        "import it, or export the book as partnerplan-book/3 from where it was written",
        "Nothing was imported: 1 problem(s).",
    ]  # its fields are not this version's to judge: no "unknown field" besides
    assert count(db, Team) == 0


def test_a_newer_version_is_refused_in_the_browser_too(client, auth, db, team):
    auth.login(team["admin"])
    document = {**read(V2_EVERY_FIELD), "format": "partnerplan-book/12"}
    data = {"file": (io.BytesIO(json.dumps(document).encode()), "book.json")}
    response = client.post("/book/import", data=data)
    assert response.status_code == 422
    assert "this file is partnerplan-book/12, a newer version" in response.get_data(as_text=True)
    assert count(db, Partner) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "format: is required: the version of the format (partnerplan-book/1 to "
               "partnerplan-book/3)"),
        ("partnerplan-book/1.1", "format: 'partnerplan-book/1.1' is not a version of the format"),
        ("partnerplan-book/0", "format: 'partnerplan-book/0' is not a version of the format"),
        ("other-crm/2", "format: 'other-crm/2' is not a version of the format"),
    ],
)  # fmt: skip
def test_a_file_must_say_its_version(value, message):
    document = {key: item for key, item in read(V1_ORIGINAL).items() if key != "format"}
    if value is not None:
        document["format"] = value
    assert [str(problem) for problem in validate_book(document, TODAY)][0].startswith(message)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["golf", "Golf"], "partners[0].tags[1]: 'Golf' is listed twice"),
        (["a, b"], "partners[0].tags[0]: A tag cannot hold a comma or a semicolon"),
        (["x" * 41], "partners[0].tags[0]: Keep each tag to 40 characters or fewer."),
        ([" golf"], "partners[0].tags[0]: ' golf' has spaces around it"),
        ([""], "partners[0].tags[0]: must not be empty"),
        ([7], "partners[0].tags[0]: expected text, got 7"),
        ("golf", "partners[0].tags: expected a list"),
        ([f"t{n}" for n in range(21)],
         "partners[0].tags: holds 21 tags; a partner wears at most 20"),
    ],
)  # fmt: skip
def test_tags_in_a_book_are_held_to_the_partner_forms_rules(tags, expected):
    document = read(V2_EVERY_FIELD)
    document["partners"][0]["tags"] = tags
    problems = [str(problem) for problem in validate_book(document, TODAY)]
    assert any(problem.startswith(expected) for problem in problems), problems


# --- the description says it -------------------------------------------------------------


def test_the_format_description_lists_each_added_field_with_its_version():
    text = DOCS.read_text(encoding="utf-8")
    for path, version in ADDED_FIELDS.items():
        row = re.search(rf"^\| `{re.escape(path)}` \| ([^|]+) \|", text, re.MULTILINE)
        assert row, f"{path} is not in the table of added fields"
        assert row.group(1).strip().startswith(str(version)), (path, row.group(1))


# --- the third version: cadences and health weights ---------------------------------------


def test_a_third_version_file_brings_its_cadences_and_weights(runner, db):
    from webapp.models import RuleSettings

    result = runner.invoke(args=["book", "import", str(V3_EVERY_FIELD)])
    assert result.exit_code == 0, result.output
    ryan = db.session.scalar(sa.select(Partner).where(Partner.key == "p-001"))
    assert (ryan.cadence_days, ryan.cadence_max_days) == (21, 42)
    settings = db.session.scalar(sa.select(RuleSettings))
    assert settings.values["cadences"] == {"cultivate/*": [30, 60], "maintain/lender": [14, 28]}
    assert settings.values["keep_warm_days"] == 30  # the thresholds at their defaults


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"team": {"cadences": {"maintain/plumber": {"every": 14}}}},
         "team.cadences.maintain/plumber: names no tier and profession"),
        ({"team": {"cadences": {"cease/*": {"every": 14}}}},
         "team.cadences.cease/*: names no tier and profession"),
        ({"team": {"cadences": {"maintain/*": {"every": 0}}}},
         "team.cadences.maintain/*.every: must be from 1 to 730 days"),
        ({"team": {"cadences": {"maintain/*": {"every": 14, "at_most": 7}}}},
         "team.cadences.maintain/*.at_most: 7 is sooner than every 14 days"),
        ({"team": {"health_weights": {**DEFAULT_WEIGHTS, "recency": 50}}},
         "team.health_weights: add up to 110, not 100"),
        ({"partner": {"every": "3 weeks"}},
         "partners[0].cadence.every: expected a whole number of days, got '3 weeks'"),
    ],
)  # fmt: skip
def test_cadences_in_a_book_are_held_to_the_settings_rules(change, expected):
    document = read(V3_EVERY_FIELD)
    if "team" in change:
        document["team"] |= change["team"]
    else:
        document["partners"][0]["cadence"] = change["partner"]
    problems = [str(problem) for problem in validate_book(document, TODAY)]
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_cadence_in_a_second_version_file_is_refused(runner, db):
    document = read(V2_EVERY_FIELD)
    document["partners"][0]["cadence"] = {"every": 21, "at_most": None}
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 1
    assert "partners[0].cadence: not part of partnerplan-book/2: it came with" in result.output


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("conditions", "profession is lender", "team_rules[0].conditions: expected a list"),
        ("conditions", 5, "team_rules[0].conditions: expected a list"),
        ("conditions", [None], "team_rules[0].conditions[0]: expected an object"),
        ("conditions", ["tier"], "team_rules[0].conditions[0]: expected an object"),
        ("name", 5, "team_rules[0].name: give the rule a name"),
        ("slug", 5, "team_rules[0].slug: use 1 to 35 lower-case letters"),
        ("reason", ["{name}"], "team_rules[0].reason: write the reason"),
        ("action", ["coffee"], "team_rules[0].action: choose an interaction kind"),
        ("tier_to", ["maintain"], "team_rules[0].tier_to: choose a tier"),
        ("match", ["all"], "team_rules[0].match: choose all or any"),
    ],
)
def test_a_team_rule_of_the_wrong_shape_is_refused_by_path_in_the_browser(
    client, auth, db, team, field, value, expected
):
    """A hand-edited book whose rule holds a string, a number or a list where the
    format has another type: the upload lists it, it is not a server error."""
    document = read(V3_EVERY_FIELD)
    document["team_rules"][0][field] = value
    if field == "tier_to":
        document["team_rules"][0]["action"] = None
    auth.login(team["admin"])
    data = {"file": (io.BytesIO(json.dumps(document).encode()), "book.json")}
    response = client.post("/book/import", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert f"<code>{expected.split(': ')[0]}</code>: {expected.split(': ', 1)[1]}" in page
    assert count(db, Partner) == 0 and count(db, TeamRule) == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["team"].update(cadences=5),
            "<code>team.cadences</code>: expected an object, got 5",
        ),
        (
            lambda d: d["partners"][0].update(client_types=[["luxury"]]),
            "<code>partners[0].client_types[0]</code>: a list is not one of",
        ),
        (
            lambda d: d["partners"][0]["leads"][1].update(planning_session={"at": "x"}),
            "<code>partners[0].leads[1].planning_session</code>: an object is not the starts_at",
        ),
    ],
    ids=["cadences", "client_types", "lead_session"],
)
def test_a_value_of_the_wrong_type_is_refused_by_path_in_the_browser(
    client, auth, db, team, change, expected
):
    document = read(V3_EVERY_FIELD)
    change(document)
    auth.login(team["admin"])
    data = {"file": (io.BytesIO(json.dumps(document).encode()), "book.json")}
    response = client.post("/book/import", data=data)
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True).replace("&#39;", "'")
    assert count(db, Partner) == 0


def test_a_team_rules_name_is_kept_stripped_as_the_editor_keeps_it(runner, db):
    """The check measures the name without its spaces (80 characters at most): stored
    with them, an 80-character name between spaces would not fit its column."""
    document = read(V3_EVERY_FIELD)
    document["team_rules"][0]["name"] = "   " + "L" * 80 + "  "
    result = import_text(runner, json.dumps(document))
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(sa.select(TeamRule.name)))
    assert "L" * 80 in names
