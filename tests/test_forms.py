"""The form pieces shared by every blueprint."""

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms import SelectField as LibrarySelectField
from wtforms.fields.choices import SelectChoice

from webapp.forms import SelectField

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
