"""The API's endpoints: a token's user sees and logs what the pages let them.

Each is the page's own path in JSON: the partners through `access`
(404 for what is not the user's to see), the search of the Partners page,
the log form and create path of the partner page, the query of Today.
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask.views import MethodView
from flask_login import current_user
from flask_smorest.exceptions import PreconditionFailed, PreconditionRequired
from werkzeug.datastructures import MultiDict

from .. import clock
from ..access import get_partner
from ..logbook.entries import log_interaction
from ..logbook.forms import NewInteractionForm
from ..models import Interaction, Partner
from ..partners.forms import PartnerFilterForm, PartnerForm
from ..partners.views import filtered_partners, owner_choices, save_edit
from ..recommendations.queries import today_sections
from . import bp, schemas
from .bearer import write_scope
from .cursors import Keyset, page_of
from .errors import Refused, api_error
from .formdata import form_of_json, validated

BY_NAME = Keyset(Partner.name, Partner.id)
NEWEST_FIRST = Keyset(Interaction.at, Interaction.id, descending=True)
SEE_FIELDS = "The query was refused: see the fields."
NO_IF_MATCH = (
    "Send the partner's ETag as If-Match (GET the partner for it), so that a change "
    "made meanwhile is not overwritten."
)
CHANGED_SINCE = (
    "The partner was changed since this ETag was read: nothing was saved. "
    "GET it again for its current version and ETag."
)

# Bodies documented from the pages' forms (__init__.py).
NEW_INTERACTION = {"$ref": "#/components/schemas/NewInteraction"}
PARTNER_EDIT = {"$ref": "#/components/schemas/PartnerEdit"}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "format": "uuid"},
    "description": "A UUID of your choosing. Sent again with the same key, the log is "
    "stored once: the repeat answers 200 with the entry the first request made.",
}


# What any request may be answered besides its own outcomes (webapp/errors.py and
# webapp/api/bearer.py answer them, in the shape of `schemas.Error`).
EVERY_REQUEST = {
    400: "A NUL character somewhere in what was sent; nothing was read.",
    401: "No token, or one that does not work (revoked, expired, its user deactivated).",
    429: "Too many requests with this token: wait a minute and try again.",
}
REFUSALS = {
    **EVERY_REQUEST,
    403: "A read token.",
    404: "Not yours to see (another agent's, another team's), or no such partner.",
    412: "The partner changed since its ETag was read: nothing was saved.",
    413: "A body larger than 16 MB.",
    422: "Refused: the messages by field, in the pages' words.",
    428: "No If-Match: send the ETag the partner was read with.",
}


def refusals(*statuses: int):
    """Document the refusals an operation answers: `statuses`, and those of every request."""

    def document(view):
        for status in sorted({*statuses, *EVERY_REQUEST}, reverse=True):
            view = bp.alt_response(status, schema=schemas.Error, description=REFUSALS[status])(view)
        return view

    return document


def yours_first(view: Callable) -> Callable:
    """A partner that is not yours to see answers 404, as everywhere, before the
    ETag check (`bp.etag`) can answer that the request lacks an If-Match (428)."""

    @wraps(view)
    def guarded(*args, partner_id: int, **kwargs):
        get_partner(partner_id, current_user)
        return view(*args, partner_id=partner_id, **kwargs)

    return guarded


@bp.errorhandler(PreconditionRequired)
def precondition_required(error):
    return api_error(428, NO_IF_MATCH)


@bp.errorhandler(PreconditionFailed)
def precondition_failed(error):
    return api_error(412, CHANGED_SINCE)


@bp.errorhandler(Refused)
def refused(error: Refused):
    """A body or a query that cannot be taken: 422, the messages by field."""
    return api_error(422, error.message, error.fields)


@bp.get("/partners")
@refusals(422)
@bp.arguments(schemas.PartnerQuery, location="query")
@bp.response(200, schemas.PartnerPage)
def partners(query: dict):
    """Your partners

    The partners the Partners page lists for you, by name: an agent's own, a
    manager's the whole team's. `q` searches as the page's search box does.
    """
    formdata = MultiDict({"q": query.get("q", ""), "tier": query.get("tier", "")})
    if query["archived"]:
        formdata["archived"] = "y"
    form = PartnerFilterForm(formdata=formdata)
    if not form.validate():
        raise Refused(SEE_FIELDS, form.errors)
    rows, next_cursor = page_of(
        filtered_partners(form), BY_NAME, query.get("cursor"), query["limit"]
    )
    return {"items": rows, "next_cursor": next_cursor}


@bp.route("/partners/<int:partner_id>", endpoint="partner")
class OnePartner(MethodView):
    @refusals(404)
    @bp.etag
    @bp.response(200, schemas.Partner)
    def get(self, partner_id: int):
        """One partner

        404 when it is not yours to see (another agent's, another team's), as on
        its page. The `ETag` names this version of it: send it as `If-Match` to
        change it (PATCH), or as `If-None-Match` to be told 304 when it has not changed.
        """
        return get_partner(partner_id, current_user)

    @bp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": PARTNER_EDIT}},
        },
    )
    @refusals(403, 404, 413, 422)
    @write_scope
    @yours_first
    @bp.etag
    @bp.response(200, schemas.Partner, description="Saved; its new `ETag` is in the header.")
    def patch(self, partner_id: int):
        """Change a partner

        Changes what the partner's edit page changes, checked by that page's form
        (the same messages, by field); what is not sent is kept. Needs a write
        token, and the partner's `ETag` (from GET /partners/{partner_id}) as
        `If-Match`: without it the answer is 428, and 412 when the partner has
        changed since that ETag was read (GET it again, then decide). A manager's
        change of agent is audited, as on the page.
        """
        partner = get_partner(partner_id, current_user)
        bp.check_etag(partner, schemas.Partner)
        form = form_of_json(PartnerForm, edited=partner)
        owner_choices(form, partner)
        save_edit(partner, validated(form))
        return partner


# One rule for both methods: two rules on one path would answer 405, not 404,
# for an id no partner can have (werkzeug matches the other rule's path first).
@bp.route("/partners/<int:partner_id>/interactions", endpoint="interactions")
class Interactions(MethodView):
    @refusals(404, 422)
    @bp.arguments(schemas.PageQuery, location="query")
    @bp.response(200, schemas.InteractionPage)
    def get(self, query: dict, partner_id: int):
        """A partner's interactions

        The partner's history of interactions, newest first.
        """
        partner = get_partner(partner_id, current_user)
        history = sa.select(Interaction).where(Interaction.partner_id == partner.id)
        rows, next_cursor = page_of(history, NEWEST_FIRST, query.get("cursor"), query["limit"])
        return {"items": rows, "next_cursor": next_cursor}

    @bp.doc(
        parameters=[IDEMPOTENCY_KEY],
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": NEW_INTERACTION}},
        },
    )
    @bp.response(
        201, schemas.Interaction, description="Logged; the partner's recommendations follow."
    )
    @bp.alt_response(
        200, schema=schemas.Interaction, description="Logged already with this Idempotency-Key."
    )
    @refusals(403, 404, 413, 422)
    @write_scope
    def post(self, partner_id: int):
        """Log an interaction

        Logs it as the partner page's form does, checked by that very form (the
        same messages, by field), then evaluates the partner's rules at once: what
        they now recommend is in GET /recommendations. Needs a write token. An
        archived partner takes no new entries (404).
        """
        partner = get_partner(partner_id, current_user, include_archived=False)
        form = validated(form_of_json(NewInteractionForm, now=clock.now(partner.team.timezone)))
        logged = log_interaction(partner, current_user, form)
        return logged.entry, 201 if logged.created else 200


@bp.get("/recommendations")
@refusals()
@bp.response(200, schemas.Recommendations)
def recommendations():
    """Your open recommendations

    What Today lists for you, in Today's order: overdue, due today, upcoming,
    then tier changes. Partners not yet evaluated today are evaluated first,
    as for Today.
    """
    day = clock.today(current_user.team.timezone)
    items = [
        {
            "id": row.id,
            "partner": row.partner,
            "rule": row.rule,
            "kind": row.kind,
            "section": name,
            "reason": row.reason,
            "due": row.due,
            "tier_from": row.tier_from,
            "tier_to": row.tier_to,
        }
        for name, section in today_sections(current_user, day).items()
        for row in section.rows
    ]
    return {"items": items}
