"""The pages' forms, filled from JSON: one set of rules and messages for both.

An API create runs the very form the page runs (`NewInteractionForm`...), on
the request's JSON object instead of its form fields, so that what the page
refuses the API refuses, in the same words, field by field (422). The
`Idempotency-Key` header is the form's hidden key (webapp/idempotency.py).
The request body is documented from the same form (`form_schema`).
"""

from __future__ import annotations

from typing import TypeVar

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..forms import IdempotencyKeyField, KeyRefused
from .errors import Refused
from .schemas import WALL_TIME_PATTERN

Form = TypeVar("Form", bound=FlaskForm)

NOT_AN_OBJECT = "Send a JSON object (Content-Type: application/json)."
NOT_SAVED = "Nothing was saved: see the fields."
ONE_VALUE = "Send a single value: a string, a number or true/false."
NOT_A_KEY = "Send a UUID as the Idempotency-Key, or no key."
# What a form takes but the API does not: the CSRF token (the API has none) and
# the key (the header's).
NOT_FIELDS = ("csrf_token", "idempotency_key")


def form_of_json(form_class: type[Form], **kwargs) -> Form:
    """The form filled from the request's JSON object; not yet validated.

    JSON's values become what a browser would send: text as it is, numbers as
    their digits, true as a ticked box and false as an unticked one; null is
    a field not sent (the form's default, as on the page). A name the form
    does not have is ignored, as the page ignores a field it did not ask for."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(NOT_AN_OBJECT)
    data, wrong = MultiDict(), {}
    taken = {name for name, _ in fields_of(form_class)}
    for name, value in body.items():
        if name not in taken or value is None:
            continue
        if isinstance(value, bool):
            value = "y" if value else ""
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            wrong[name] = [ONE_VALUE]
            continue
        data.add(name, value)
    if wrong:
        raise Refused(NOT_SAVED, wrong)
    if (key := request.headers.get("Idempotency-Key")) is not None:
        data["idempotency_key"] = key
    return form_class(formdata=data, meta={"csrf": False}, **kwargs)


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


def form_schema(form_class: type[FlaskForm], description: str) -> dict:
    """A JSON Schema of what the form takes, read from its fields: their
    labels, choices, defaults, lengths and ranges, and which are required. The
    checks the form makes in code (e.g. "not in the future") are its own, and
    said in the operation's description."""
    properties, required = {}, []
    for name, field in fields_of(form_class):
        properties[name] = property_of(field)
        validators = field.kwargs.get("validators") or ()
        if any(isinstance(v, InputRequired | DataRequired) for v in validators):
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
    if issubclass(kind, BooleanField):
        prop["type"] = "boolean"
    elif issubclass(kind, IntegerField):
        prop["type"] = "integer"
    elif issubclass(kind, DateTimeLocalField):
        prop.update(type="string", pattern=WALL_TIME_PATTERN)
        prop["description"] = "The team's local wall time, YYYY-MM-DDTHH:MM."
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
