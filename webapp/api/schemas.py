"""What the API answers and takes in its query strings (marshmallow): the
OpenAPI document is generated from these. Bodies that create are the pages'
forms (webapp/api/formdata.py), documented from those forms."""

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from rules import team
from rules.catalogue import RULES_BY_ID
from rules.vocabulary import (
    CLIENT_TYPES,
    DIRECTIONS,
    FEE_DIRECTIONS,
    INTERACTION_KINDS,
    LEAD_STATUSES,
    OUTCOMES,
    PLANNING_QUESTIONS,
    PLANNING_STATUSES,
    PROFESSIONS,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
    SENTIMENTS,
    SOURCES,
    TIERS,
)

from ..recommendations.queries import SECTIONS
from .cursors import NOT_A_CURSOR

MAX_LIMIT = 100
ANNUAL_DATE = "YYYY-MM-DD, or MM-DD when the year is unknown."


def one_of(vocabulary, *, or_null: bool = False) -> dict:
    """A value from a vocabulary, documented (what is stored is checked on the way
    in); `or_null` for a field that may be null, which the enum must then list."""
    return {"enum": [*vocabulary, *([None] if or_null else [])]}


def rule_pattern(proposed: bool = False) -> str:
    """A rule id: the catalogue's, a team's own (`team:<slug>`), or `proposed`."""
    names = [*RULES_BY_ID, *(["proposed"] if proposed else [])]
    return f"^(?:{'|'.join(names)}|{team.PREFIX}[a-z0-9-]+)$"


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
    profession = fields.String(metadata=one_of(PROFESSIONS))
    owner_id = fields.Integer(
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "A manager's filter: one agent's partners (an agent's own only)."},
    )
    archived = fields.Boolean(
        load_default=False,
        metadata={"description": "true: the archived partners instead of the current ones."},
    )


class TagName(ma.Schema):
    name = fields.String()


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
    source = fields.String(allow_none=True, metadata=one_of(SOURCES, or_null=True))
    client_types = fields.List(fields.String(metadata=one_of(CLIENT_TYPES)))
    birthday = fields.String(allow_none=True, metadata={"description": ANNUAL_DATE})
    anniversary = fields.String(allow_none=True, metadata={"description": ANNUAL_DATE})
    spouse = fields.String(allow_none=True)
    children = fields.String(allow_none=True)
    pets = fields.String(allow_none=True)
    resident = fields.String(allow_none=True)
    home = fields.String(allow_none=True)
    favorite_restaurant = fields.String(allow_none=True)
    hobbies = fields.String(allow_none=True)
    in_common = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    tags = fields.List(
        fields.Pluck(TagName, "name"), metadata={"description": "The team's labels it wears."}
    )
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
    outcome = fields.String(allow_none=True, metadata=one_of(OUTCOMES, or_null=True))
    sentiment = fields.String(allow_none=True, metadata=one_of(SENTIMENTS, or_null=True))
    disrespectful = fields.Boolean()
    minutes = fields.Integer(allow_none=True)
    amount_spent = fields.Decimal(
        places=2,
        as_string=True,
        allow_none=True,
        metadata={"description": "What it cost, in the team's currency (ISO 4217 `currency`)."},
    )
    notes = fields.String(allow_none=True)
    created_at = UtcStamp()


class Referral(ma.Schema):
    """A referral as the webhooks tell of it (`referral.received`)."""

    id = fields.Integer()
    partner_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "Who logged it."})
    direction = fields.String(metadata=one_of(REFERRAL_DIRECTIONS))
    referred_on = fields.Date()
    client = fields.String()
    status = fields.String(metadata=one_of(REFERRAL_STATUSES))
    closed_on = fields.Date(allow_none=True)
    commission = fields.Decimal(as_string=True, allow_none=True)
    expected_close_on = fields.Date(allow_none=True)
    expected_commission = fields.Decimal(places=2, as_string=True, allow_none=True)
    fee_direction = fields.String(allow_none=True, metadata=one_of(FEE_DIRECTIONS, or_null=True))
    fee_percent = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "% of the commission."}
    )
    fee_amount = fields.Decimal(places=2, as_string=True, allow_none=True)
    notes = fields.String(allow_none=True)
    created_at = UtcStamp()


class ReferralPage(Page):
    items = fields.List(fields.Nested(Referral))


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
            "pattern": rule_pattern(proposed=True),
            "description": "The catalogue's rule, or a team's own (`team:<slug>`); proposed: "
            "a tier change an agent asked for.",
        }
    )
    kind = fields.String(metadata={"enum": ["action", "tier_change"]})
    section = fields.String(metadata={**one_of(SECTIONS), "description": "Where Today shows it."})
    reason = fields.String()
    due = fields.Date(allow_none=True)
    tier_from = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))
    tier_to = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))


class Recommendations(ma.Schema):
    items = fields.List(fields.Nested(Recommendation))


class OpenedRecommendation(ma.Schema):
    """A recommendation as the webhooks tell of it when it opens (`recommendation.opened`)."""

    id = fields.Integer()
    partner = fields.Nested(PartnerName)
    rule = fields.String(
        metadata={
            "pattern": rule_pattern(),
            "description": "The catalogue's rule, or a team's own (`team:<slug>`).",
        }
    )
    kind = fields.String(metadata={"enum": ["action", "tier_change"]})
    reason = fields.String()
    due = fields.Date(allow_none=True)
    tier_from = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))
    tier_to = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))
    created_at = UtcStamp()


class TierProposal(ma.Schema):
    """A tier change waiting for a manager, or decided by one."""

    id = fields.Integer()
    partner = fields.Nested(PartnerName)
    rule = fields.String(
        metadata={
            "pattern": rule_pattern(proposed=True),
            "description": "proposed: an agent asked for it; otherwise the rule that raised it "
            "(a team's own: `team:<slug>`).",
        }
    )
    tier_from = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))
    tier_to = fields.String(allow_none=True, metadata=one_of(TIERS, or_null=True))
    reason = fields.String()
    status = fields.String(
        metadata={
            "enum": ["open", "approved", "rejected", "closed", "done", "dismissed", "snoozed"]
        }  # fmt: skip
    )
    proposed_by_id = fields.Integer(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    created_at = UtcStamp()


class TierProposals(ma.Schema):
    items = fields.List(fields.Nested(TierProposal))


class TierChange(ma.Schema):
    """What a tier change asked for did: `proposed` (waiting for a manager, see
    `proposal`) or `changed` (the partner moved at once, as the page moves it)."""

    outcome = fields.String(metadata={"enum": ["proposed", "changed"]})
    message = fields.String()
    partner = fields.Nested(Partner)
    proposal = fields.Nested(TierProposal, allow_none=True)


class Decision(ma.Schema):
    message = fields.String()
    proposal = fields.Nested(TierProposal)


class ActedOn(ma.Schema):
    """A recommendation after done, snooze or dismiss."""

    id = fields.Integer()
    partner = fields.Nested(PartnerName)
    rule = fields.String(metadata={"pattern": rule_pattern(proposed=True)})
    status = fields.String(metadata={"enum": ["open", "snoozed", "done", "dismissed", "closed"]})
    snoozed_until = fields.Date(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class DoneRecommendation(ma.Schema):
    interaction = fields.Nested(Interaction)
    recommendation = fields.Nested(ActedOn)


class PlanningSession(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    user_id = fields.Integer(allow_none=True, metadata={"description": "Whose calendar."})
    series = fields.String(allow_none=True)
    starts_at = WallTime()
    minutes = fields.Integer()
    status = fields.String(metadata=one_of(PLANNING_STATUSES))
    answers = fields.Dict(
        keys=fields.String(metadata=one_of(PLANNING_QUESTIONS)),
        values=fields.String(),
        metadata={"description": "The five questions' answers, by question."},
    )
    created_at = UtcStamp()


class PlanningSessionPage(Page):
    items = fields.List(fields.Nested(PlanningSession))


class PlanningSessionQuery(PageQuery):
    since = fields.Date(metadata={"description": "Sessions starting on this day or later."})
    until = fields.Date(metadata={"description": "Sessions starting on this day or earlier."})

    @ma.validates_schema
    def until_not_before_since(self, data, **kwargs):
        """A window that ends before it begins is a mistake, not an empty list."""
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ma.ValidationError("Choose a day on or after `since`.", "until")


class BookedSeries(ma.Schema):
    """A series as the webhooks tell of it when it is booked (`planning_session.booked`)."""

    series = fields.String()
    partner_id = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    sessions = fields.List(fields.Nested(PlanningSession))


class Lead(ma.Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    planning_session_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    name = fields.String()
    contact = fields.String(allow_none=True)
    question = fields.String(allow_none=True, metadata=one_of(["met_recently", "showing_soon"],
                                                               or_null=True))  # fmt: skip
    status = fields.String(metadata=one_of(LEAD_STATUSES))
    notes = fields.String(allow_none=True)
    created_at = UtcStamp()


class LeadPage(Page):
    items = fields.List(fields.Nested(Lead))


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
