"""The pages' forms, filled from JSON: one set of rules and messages for both.

An API create runs the very form the page runs (`NewInteractionForm`...), on
the request's JSON object instead of its form fields, so that what the page
refuses the API refuses, in the same words, field by field (422). The
`Idempotency-Key` header is the form's hidden key (webapp/idempotency.py).
The request body is documented from the same form (`form_schema`).

An API edit (PATCH) fills the page's edit form as the page would send it for
the record as it stands, with the JSON's fields in place of those: what is
not sent is kept.
"""

from __future__ import annotations

from typing import TypeVar

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..forms import IdempotencyKeyField, KeyRefused
from ..partners.forms import TagsField
from ..validation import TAG_MAX, tag_problem
from .errors import Refused
from .schemas import WALL_TIME_PATTERN

Form = TypeVar("Form", bound=FlaskForm)

NOT_AN_OBJECT = "Send a JSON object (Content-Type: application/json)."
NOT_SAVED = "Nothing was saved: see the fields."
ONE_VALUE = "Send a single value: a string, a number or true/false."
LIST_OF_VALUES = "Send a list of strings."
NOT_A_KEY = "Send a UUID as the Idempotency-Key, or no key."
# What a form takes but the API does not: the CSRF token (the API has none), the
# key (the header's), and where a page goes back to after the form (`next`).
NOT_FIELDS = ("csrf_token", "idempotency_key", "next")


def form_of_json(form_class: type[Form], *, edited: object | None = None, **kwargs) -> Form:
    """The form filled from the request's JSON object; not yet validated.

    JSON's values become what a browser would send: text as it is, numbers as
    their digits, true as a ticked box and false as an unticked one; null is
    a field not sent (the form's default, as on the page); a field of many
    choices takes a list of them. A name the form does not have is ignored, as
    the page ignores a field it did not ask for.

    With `edited` (the record being edited), the fields not in the JSON are
    the record's own, as the page's edit form would send them unchanged."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(NOT_AN_OBJECT)
    data = MultiDict() if edited is None else as_sent(form_class, edited)
    wrong = {}
    fields = dict(fields_of(form_class))
    for name, value in body.items():
        if name not in fields or value is None:
            continue
        if issubclass(fields[name].field_class, TagsField):  # a list here, text on the page
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                problems = [problem for item in value if (problem := tag_problem(item))]
                if problems:
                    wrong[name] = problems[:1]
                else:
                    data.setlist(name, [", ".join(value)])
            else:
                wrong[name] = [LIST_OF_VALUES]
            continue
        if issubclass(fields[name].field_class, SelectMultipleField):
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                data.setlist(name, value)
            else:
                wrong[name] = [LIST_OF_VALUES]
            continue
        if isinstance(value, bool):
            value = "y" if value else ""
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            wrong[name] = [ONE_VALUE]
            continue
        data.setlist(name, [value])
    if wrong:
        raise Refused(NOT_SAVED, wrong)
    if edited is None:
        blank_selects(fields, body, data)
    if (key := request.headers.get("Idempotency-Key")) is not None:
        data["idempotency_key"] = key
    if edited is not None:
        kwargs["obj"] = edited
    return form_class(formdata=data, meta={"csrf": False}, **kwargs)


def blank_selects(fields: dict[str, UnboundField], body: dict, data: MultiDict) -> None:
    """A select not sent whose first option is the blank one ("—") and that has no
    default: the blank, which is what a browser sends for it untouched (a select
    always sends its option), so that not choosing is not refused as no choice."""
    for name, field in fields.items():
        if body.get(name) is not None or name in data:
            continue
        kind, kwargs = field.field_class, field.kwargs
        if not issubclass(kind, SelectField) or issubclass(kind, SelectMultipleField):
            continue
        options = kwargs.get("choices") or ()
        if kwargs.get("default") is None and options and options[0].value == "":
            data[name] = ""


def as_sent(form_class: type[FlaskForm], record: object) -> MultiDict:
    """What a browser sends for the form showing `record` unchanged: text as
    shown, a ticked box as "y" (an unticked one is not sent), each ticked choice."""
    form = form_class(formdata=None, obj=record, meta={"csrf": False})
    data = MultiDict()
    for name, _ in fields_of(form_class):
        field = form[name]
        if isinstance(field, BooleanField):
            if field.data:
                data[name] = "y"
        elif isinstance(field, SelectMultipleField):
            data.setlist(name, [str(value) for value in field.data or ()])
        elif isinstance(field, SelectField):
            data[name] = "" if field.data is None else str(field.data)
        else:
            data[name] = field._value()
    return data


def validated(form: FlaskForm) -> FlaskForm:
    """The form, valid; otherwise Refused with its messages."""
    try:
        valid = form.validate()
    except KeyRefused:
        raise Refused(NOT_A_KEY, {"Idempotency-Key": [NOT_A_KEY]}) from None
    if not valid:
        fields = {name or "_form": list(messages) for name, messages in form.errors.items()}
        raise Refused(NOT_SAVED, fields)
    return form


def form_schema(form_class: type[FlaskForm], description: str, *, partial: bool = False) -> dict:
    """A JSON Schema of what the form takes, read from its fields: their
    labels, choices, defaults, lengths and ranges, and which are required. The
    checks the form makes in code (e.g. "not in the future") are its own, and
    said in the operation's description. `partial`: none is required (an edit
    sends only what it changes)."""
    properties, required = {}, []
    for name, field in fields_of(form_class):
        properties[name] = property_of(field)
        if partial:  # not sent: kept, not the form's default
            properties[name].pop("default", None)
        validators = field.kwargs.get("validators") or ()
        if not partial and any(isinstance(v, InputRequired | DataRequired) for v in validators):
            required.append(name)
    schema = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def fields_of(form_class: type[FlaskForm]) -> list[tuple[str, UnboundField]]:
    """The fields the API fills, in the form's order: all but `NOT_FIELDS`."""
    return sorted(
        (
            (name, field)
            for name in dir(form_class)
            if isinstance(field := getattr(form_class, name, None), UnboundField)
            and name not in NOT_FIELDS
            and not issubclass(field.field_class, IdempotencyKeyField)
        ),
        key=lambda item: item[1].creation_counter,
    )


def property_of(field: UnboundField) -> dict:
    """One field as a JSON Schema property."""
    kind, kwargs = field.field_class, field.kwargs
    label = field.args[0] if field.args else kwargs.get("label", "")
    prop: dict = {"title": str(label)}
    if issubclass(kind, TagsField):
        prop.update(type="array", items={"type": "string", "maxLength": TAG_MAX})
        return prop
    if issubclass(kind, SelectMultipleField):
        prop["type"] = "array"
        prop["items"] = {"type": "string", "enum": [c.value for c in kwargs.get("choices", ())]}
        return prop
    if issubclass(kind, BooleanField):
        prop["type"] = "boolean"
    elif issubclass(kind, IntegerField) or kwargs.get("coerce") is int:
        prop["type"] = "integer"
    elif issubclass(kind, DateTimeLocalField):
        prop.update(type="string", pattern=WALL_TIME_PATTERN)
        prop["description"] = "The team's local wall time, YYYY-MM-DDTHH:MM."
    elif issubclass(kind, DateField):
        prop.update(type="string", format="date")
    else:
        prop["type"] = "string"
    if issubclass(kind, SelectField) and "choices" in kwargs:
        prop["enum"] = [choice.value for choice in kwargs["choices"]]
    default = kwargs.get("default")
    if default is not None and not callable(default):
        prop["default"] = default
    for validator in kwargs.get("validators") or ():
        if isinstance(validator, Length) and validator.max not in (None, -1):
            prop["maxLength"] = validator.max
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                prop["minimum"] = validator.min
            if validator.max is not None:
                prop["maximum"] = validator.max
    return prop
