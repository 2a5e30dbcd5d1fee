"""The form pieces shared by every blueprint, and the rules every form shares."""

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as LibrarySelectField
from wtforms.fields.choices import SelectChoice

from tests.helpers import count
from tests.refusals import REFUSED, REFUSED_IDS
from webapp import validation
from webapp.forms import SelectField
from webapp.models import Partner

# Text a person (or an attacker) could put in a label or a value.
words = st.text(alphabet=st.sampled_from("ab <>&\"'é\u00a0"), max_size=8)


@given(
    choices=st.lists(st.tuples(words, words), min_size=1, max_size=5, unique_by=lambda c: c[0]),
    pick=st.integers(min_value=0, max_value=5),
)
def test_our_select_writes_the_markup_of_the_library(choices, pick):
    """Same options, same selection, same escaping: only faster."""

    options = [SelectChoice(value, label) for value, label in choices]

    class Both(Form):
        ours = SelectField("Ours", choices=options)
        theirs = LibrarySelectField("Theirs", choices=options)

    value = choices[pick % len(choices)][0]
    form = Both(MultiDict({"ours": value, "theirs": value}))
    assert same_markup(form)
    # Only the select's and the options' own tags: every "<" of a label or value is escaped.
    assert str(form.ours()).count("<") == 2 + 2 * len(options)


def test_options_with_their_own_attributes_are_left_to_the_library():
    class Both(Form):
        choices = [SelectChoice("a", "A", render_kw={"disabled": True}), SelectChoice("b", "B")]
        ours = SelectField("Ours", choices=choices)
        theirs = LibrarySelectField("Theirs", choices=choices)

    form = Both()
    assert "disabled" in form.ours()
    assert same_markup(form)


def same_markup(form) -> bool:
    theirs = str(form.theirs()).replace('id="theirs" name="theirs"', 'id="ours" name="ours"')
    return str(form.ours()) == theirs


# --- the rules of webapp/validation.py, beside the partner form's fields --------------------

PARTNER = {"name": "Ryan McMillan", "profession": "attorney", "source": ""}


def post_partner(client, team, **fields):
    data = {**PARTNER, "owner_id": str(team["agent"].id), **fields}
    return client.post("/partners/new", data=data)


def shown(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("field", "value", "message"), REFUSED, ids=REFUSED_IDS)
def test_the_partner_form_refuses_what_the_imports_refuse_in_their_words(
    client, auth, team, db, field, value, message
):
    """tests/refusals.py: the book and the CSV import say the same of the same value."""
    auth.login(team["agent"])
    response = post_partner(client, team, **{field: value})
    assert response.status_code == 422
    assert message in shown(response)
    assert count(db, Partner) == 0


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("birthday", " 02-29 ", "02-29"),
        ("birthday", "1980-04-12", "1980-04-12"),
        ("anniversary", "2024-02-29", "2024-02-29"),
        ("email", "Ryan@McMillan.test", "ryan@mcmillan.test"),  # reserved domains are fine
        ("phone", "+1 (231) 555-0100", "+1 (231) 555-0100"),
        ("phone", "231.555.0100", "231.555.0100"),
    ],
)
def test_the_partner_form_keeps_what_the_rules_accept(client, auth, team, db, field, value, stored):
    auth.login(team["agent"])
    assert post_partner(client, team, **{field: value}).status_code == 303
    assert getattr(db.session.scalar(db.select(Partner)), field) == stored


def test_a_birthday_year_is_the_teams_not_utcs(app, client, auth, team, db):
    """At 22:00 on New Year's Eve in New York it is already next year in UTC:
    a birthday in that year has not happened yet for the team."""
    app.config["PARTNERPLAN_NOW"] = "2027-01-01T03:00+00:00"
    auth.login(team["agent"])
    response = post_partner(client, team, birthday="2027-01-01")
    assert response.status_code == 422
    assert validation.ANNUAL_YEAR_MESSAGE in shown(response)
    assert post_partner(client, team, birthday="2026-12-31").status_code == 303


def test_met_on_may_be_the_teams_today_but_not_tomorrow(app, client, auth, team, db):
    app.config["PARTNERPLAN_NOW"] = "2027-01-01T03:00+00:00"  # 2026-12-31 in New York
    auth.login(team["agent"])
    tomorrow = post_partner(client, team, met_on="2027-01-01")
    assert validation.FUTURE_MESSAGE in shown(tomorrow)
    assert post_partner(client, team, met_on="2026-12-31").status_code == 303
