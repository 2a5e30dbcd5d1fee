"""Form pieces shared by every blueprint."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets


class EmptyForm(FlaskForm):
    """Button-only POSTs (archive, delete, approve) still carry a CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(vocabulary: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    """(value, label) pairs for a select, with an optional blank first option."""
    pairs = list(vocabulary.items())
    return [("", blank), *pairs] if blank is not None else pairs
