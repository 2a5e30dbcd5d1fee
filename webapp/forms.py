"""Form pieces shared by every blueprint."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """Button-only POSTs (archive, delete, approve) still carry a CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(vocabulary: dict, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select from a {value: label} mapping, with an optional blank first."""
    options = [SelectChoice(value, label) for value, label in vocabulary.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options
