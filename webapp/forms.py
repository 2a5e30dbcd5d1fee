"""Form pieces shared by every blueprint."""

import uuid

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from wtforms import DecimalField, HiddenField, SelectMultipleField, widgets
from wtforms import SelectField as _SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import html_params

from .timefmt import zone_groups
from .validation import timezone_problem


def stripped(value):
    """Field filter: text without the spaces around it (anything else as it is)."""
    return value.strip() if isinstance(value, str) else value


class EmptyForm(FlaskForm):
    """Button-only POSTs (archive, delete, approve) still carry a CSRF token."""


class KeyRefused(HTTPException):
    """A create form whose key is not one PartnerPlan makes: refused whole, as a
    form without its CSRF token is. The page never sends one (its key is a UUID
    it was given), so there is no field to put a message beside."""

    code = 400
    name = "Form not recognised"
    description = (
        "This form was not sent as PartnerPlan made it. Nothing was saved: "
        "reload the page and try again."
    )


class IdempotencyKeyField(HiddenField):
    """The key of one create: a fresh random UUID each time a blank form is
    made, sent back with the form, stored with what it created
    (webapp/idempotency.py). Posted without one (a page cached from before
    keys, a client that has none), its data is None: the form is taken, just
    not protected from being sent twice — refusing it would lose what was typed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", lambda: str(uuid.uuid4()))
        # A hidden input needs no id, and the partner page holds two log forms.
        kwargs.setdefault("render_kw", {"id": False})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        value = valuelist[0].strip() if valuelist else ""
        self.data = None
        if value:
            self.data = str(uuid.UUID(value))  # one spelling per key; ValueError: refused

    def pre_validate(self, form):
        if self.process_errors:
            raise KeyRefused


class CreateForm(FlaskForm):
    """A form that creates one thing (an interaction, a referral, a partner, a
    lead, a planning series), at most once however often it is sent."""

    idempotency_key = IdempotencyKeyField()


class Select(widgets.Select):
    """The library's select, writing a plain option directly: through
    `html_params` (Markup.format per attribute), its options were the slowest
    part of rendering a log form. The markup is the same."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class SelectField(_SelectField):
    widget = Select()


class TimeZoneSelect:
    """A select of time zones by region and city (`timefmt.zone_groups`): an
    optgroup per region, the chosen zone selected once (it is also in 'Common')."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        chosen = field.data or ""
        if field.blank is not None:
            selected = " selected" if not chosen else ""
            html.append(f'<option value=""{selected}>{escape(field.blank)}</option>')
        # A refused value is not offered back as a choice.
        for group, options in zone_groups(None if timezone_problem(field.data) else field.data):
            html.append(f"<optgroup {html_params(label=group)}>")
            for zone, label in options:
                selected = " selected" if zone == chosen else ""
                chosen = "" if selected else chosen
                html.append(f'<option value="{escape(zone)}"{selected}>{escape(label)}</option>')
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))


class TimeZoneField(_SelectField):
    """A time zone, chosen by region and city; the value is the IANA name
    ('America/New_York'), checked by `validation.time_zone` (put it in the
    validators), so that a bad one gets that message beside the field.
    `blank`: the label of an empty choice, when the zone may be left out."""

    widget = TimeZoneSelect()

    def __init__(self, label=None, validators=None, blank: str | None = None, **kwargs):
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)
        self.blank = blank

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0].strip() or None


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def with_ids(form, prefix: str):
    """The form, its fields' ids (and their labels' `for`) prefixed; the names stay.

    For a form shown on a page beside another of the same class (an entry's
    inline edit under the partner page's log form, quick forms on Today): ids
    stay unique, each label names its own field, and an out-of-band swap of the
    log form's field cannot land in the edit."""
    for field in form:
        field.id = f"{prefix}{field.id}"
        field.label.field_id = field.id
    return form


def choices(vocabulary: dict, blank: str | None = None) -> list[SelectChoice]:
    """Options for a select from a {value: label} mapping, with an optional blank first."""
    options = [SelectChoice(value, label) for value, label in vocabulary.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinity as it refuses any other non-number.

    Decimal reads 'NaN', 'sNaN' and 'Infinity'; a signalling NaN then breaks
    NumberRange (and the field's own rendering) with a server error.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
