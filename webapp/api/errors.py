"""How the API says no: always JSON, always the same shape.

    {"error": {"status": 422, "message": "...", "fields": {"at": ["Enter the date and time."]}}}

`webapp/errors.py` answers every refusal; for a request under /api/ it hands
the status and the message here instead of rendering a page. The messages
are the pages' own words.
"""

from flask import Response, jsonify, request

API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Under /api/: JSON answers, bearer tokens, and no cookies (webapp/api/bearer.py)."""
    return request.path.startswith(API_PREFIX)


def api_error(
    status: int,
    message: str,
    fields: dict[str, list[str]] | None = None,
    *,
    invalid_token: bool = False,
) -> Response:
    """The JSON answer for a refusal. A 401 says how to authenticate (RFC 6750),
    and that the token sent was refused when it was (`invalid_token`)."""
    response = jsonify({"error": {"status": status, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        challenge = 'Bearer realm="PartnerPlan"'
        if invalid_token:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def fields_of(error) -> dict[str, list[str]]:
    """The messages of a refused query or body, field by field. The parser
    (webargs) files them by location ({"query": {"limit": [...]}}); a field's
    name is unique across one request's locations, so they are merged."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    merged: dict[str, list[str]] = {}
    for location in messages.values():
        for name, found in (location or {}).items():
            merged.setdefault(str(name), []).extend(
                found if isinstance(found, list) else [str(found)]
            )
    return merged


class Refused(Exception):
    """What the request sent cannot be taken: 422 with `message`, and the
    messages of the `fields` concerned (the blueprint's handler answers it)."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message, self.fields = message, fields or {}
