"""What the API answers and takes in its query strings (marshmallow): the
OpenAPI document is generated from these. Bodies that create are the pages'
forms (webapp/api/formdata.py), documented from those forms."""

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from rules.catalogue import RULES_BY_ID
from rules.vocabulary import (
    DIRECTIONS,
    INTERACTION_KINDS,
    OUTCOMES,
    PROFESSIONS,
    SENTIMENTS,
    TIERS,
)

from ..recommendations.queries import SECTIONS
from .cursors import NOT_A_CURSOR

MAX_LIMIT = 100


def one_of(vocabulary) -> dict:
    """A value from a vocabulary, documented (what is stored is checked on the way in)."""
    return {"enum": list(vocabulary)}


class UtcStamp(fields.DateTime):
    """A bookkeeping stamp (stored as naive UTC), written with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=UTC).isoformat()


# The team's wall time: no offset, so not an RFC 3339 "date-time" (which needs one).
WALL_TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$"


class WallTime(fields.NaiveDateTime):
    """A moment in the team's local wall time, YYYY-MM-DDTHH:MM:SS (documented
    as a string of that pattern: `init_app` registers it without a format)."""

    def __init__(self, **kwargs):
        metadata = {"pattern": WALL_TIME_PATTERN, "description": "The team's local wall time."}
        super().__init__(metadata=metadata, **kwargs)


class Page(ma.Schema):
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )


class PageQuery(ma.Schema):
    cursor = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_-]+$", error=NOT_A_CURSOR),
        metadata={"description": "The `next_cursor` of the page before (none: the first page)."},
    )
    limit = fields.Integer(
        load_default=25,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"How many on a page (1 to {MAX_LIMIT})."},
    )


class PartnerQuery(PageQuery):
    q = fields.String(
        metadata={"description": "Search name, company, email and phone, as the Partners page."}
    )
    tier = fields.String(metadata=one_of(TIERS))
    archived = fields.Boolean(
        load_default=False,
        metadata={"description": "true: the archived partners instead of the current ones."},
    )


class Partner(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    company = fields.String(allow_none=True)
    profession = fields.String(metadata=one_of(PROFESSIONS))
    tier = fields.String(metadata=one_of(TIERS))
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    owner_id = fields.Integer(metadata={"description": "The agent whose partner it is."})
    met_on = fields.Date(allow_none=True)
    do_not_contact = fields.Boolean()
    archived_at = UtcStamp(allow_none=True, metadata={"description": "null: not archived."})
    created_at = UtcStamp()
    updated_at = UtcStamp()


class PartnerPage(Page):
    items = fields.List(fields.Nested(Partner))


class Interaction(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "Who logged it."})
    at = WallTime()
    kind = fields.String(metadata=one_of(INTERACTION_KINDS))
    direction = fields.String(metadata=one_of(DIRECTIONS))
    outcome = fields.String(allow_none=True, metadata=one_of(OUTCOMES))
    sentiment = fields.String(allow_none=True, metadata=one_of(SENTIMENTS))
    disrespectful = fields.Boolean()
    minutes = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)
    created_at = UtcStamp()


class InteractionPage(Page):
    items = fields.List(fields.Nested(Interaction))


class PartnerName(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class Recommendation(ma.Schema):
    id = fields.Integer()
    partner = fields.Nested(PartnerName)
    rule = fields.String(
        metadata={
            "enum": [*RULES_BY_ID, "proposed"],
            "description": "The catalogue's rule; proposed: a tier change an agent asked for.",
        }
    )
    kind = fields.String(metadata={"enum": ["action", "tier_change"]})
    section = fields.String(metadata={**one_of(SECTIONS), "description": "Where Today shows it."})
    reason = fields.String()
    due = fields.Date(allow_none=True)
    tier_from = fields.String(allow_none=True, metadata=one_of(TIERS))
    tier_to = fields.String(allow_none=True, metadata=one_of(TIERS))


class Recommendations(ma.Schema):
    items = fields.List(fields.Nested(Recommendation))


class ErrorDetail(ma.Schema):
    status = fields.Integer()
    message = fields.String()
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages by field (the pages' words); {} when none."},
    )


class Error(ma.Schema):
    error = fields.Nested(ErrorDetail)
