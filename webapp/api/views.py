"""The API's partner endpoints, and what every endpoint shares: its refusals,
the lookup before an ETag check, the answer of a create.

Each is the page's own path in JSON: the partners through `access`
(404 for what is not the user's to see), the search of the Partners page,
the create, edit and archive of the partner pages, the log form and create
path of the partner page, the query of Today. The other endpoints are in
referrals.py, actions.py (recommendations, tier changes) and planning.py.
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask.views import MethodView
from flask_login import current_user
from flask_smorest.exceptions import PreconditionFailed, PreconditionRequired
from werkzeug.datastructures import MultiDict

from .. import clock
from ..access import get_partner
from ..logbook.entries import log_interaction
from ..logbook.forms import NewInteractionForm
from ..models import Interaction, Partner
from ..partners.forms import NewPartnerForm, PartnerFilterForm, PartnerForm
from ..partners.views import (
    create_partner,
    filtered_partners,
    owner_choices,
    save_archived,
    save_edit,
)
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
    "The {what} was changed since this ETag was read: nothing was saved. "
    "GET it again for its current version and ETag."
)

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "format": "uuid"},
    "description": "A UUID of your choosing. Sent again with the same key, it is "
    "stored once: the repeat answers 200 with what the first request made.",
}


def body(component: str, required: bool = True) -> dict:
    """A request body documented by a component of the document (the pages' forms,
    registered in __init__.py)."""
    schema = {"$ref": f"#/components/schemas/{component}"}
    return {"required": required, "content": {"application/json": {"schema": schema}}}


# What any request may be answered besides its own outcomes (webapp/errors.py and
# webapp/api/bearer.py answer them, in the shape of `schemas.Error`).
EVERY_REQUEST = {
    400: "A NUL character somewhere in what was sent; nothing was read.",
    401: "No token, or one that does not work (revoked, expired, its user deactivated).",
    429: "Too many requests with this token: wait a minute and try again.",
}
REFUSALS = {
    **EVERY_REQUEST,
    403: "A read token (or, where said, what the pages do not let you do either).",
    404: "Not yours to see (another agent's, another team's), or there is no such thing.",
    409: "Decided by someone else first: the message says who, and nothing was changed.",
    412: "It changed since its ETag was read: nothing was saved.",
    413: "A body larger than 16 MB.",
    422: "Refused: the messages by field, in the pages' words.",
    428: "No If-Match: send the ETag it was read with.",
}


def refusals(*statuses: int):
    """Document the refusals an operation answers: `statuses`, and those of every request."""

    def document(view):
        for status in sorted({*statuses, *EVERY_REQUEST}, reverse=True):
            view = bp.alt_response(status, schema=schemas.Error, description=REFUSALS[status])(view)
        return view

    return document


def found_first(lookup: Callable[[int], object], name: str) -> Callable:
    """What is not yours to see answers 404, as everywhere, before the ETag check
    (`bp.etag`) can answer that the request lacks an If-Match (428). `lookup`
    finds the object by the id the route names `name`, or aborts with 404."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            lookup(kwargs[name])
            return view(*args, **kwargs)

        return guarded

    return decorator


yours_first = found_first(lambda partner_id: get_partner(partner_id, current_user), "partner_id")


def made(row, created: bool):
    """The answer of a create: 201, or 200 with what the same key made before."""
    return row, 201 if created else 200


def creates(schema, what: str):
    """Document a create's answers: 201 made, 200 made before with this key."""

    def document(view):
        view = bp.alt_response(
            200, schema=schema, description=f"{what} already, with this Idempotency-Key."
        )(view)
        return bp.response(201, schema, description=f"{what}.")(view)

    return document


def check_etag(row, schema, what: str) -> None:
    """412 when `row` changed since the If-Match the request sent."""
    try:
        bp.check_etag(row, schema)
    except PreconditionFailed:
        raise Refusal(412, CHANGED_SINCE.format(what=what)) from None


class Refusal(Exception):
    """A refusal with its own status and message (403, 409, 412)."""

    def __init__(self, status: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


@bp.errorhandler(Refusal)
def refusal(error: Refusal):
    return api_error(error.status, error.message, error.fields)


@bp.errorhandler(PreconditionRequired)
def precondition_required(error):
    return api_error(428, NO_IF_MATCH)


@bp.errorhandler(PreconditionFailed)
def precondition_failed(error):
    return api_error(412, CHANGED_SINCE.format(what="partner"))


@bp.errorhandler(Refused)
def refused(error: Refused):
    """A body or a query that cannot be taken: 422, the messages by field."""
    return api_error(422, error.message, error.fields)


@bp.route("/partners", endpoint="partners")
class Partners(MethodView):
    @refusals(422)
    @bp.arguments(schemas.PartnerQuery, location="query")
    @bp.response(200, schemas.PartnerPage)
    def get(self, query: dict):
        """Your partners

        The partners the Partners page lists for you, by name: an agent's own, a
        manager's the whole team's. `q` searches as the page's search box does;
        `tier`, `profession` and (for a manager) `owner_id` filter as its filters do.
        """
        formdata = MultiDict(
            {
                "q": query.get("q", ""),
                "tier": query.get("tier", ""),
                "profession": query.get("profession", ""),
                "owner": str(query.get("owner_id", "")),
            }
        )
        if query["archived"]:
            formdata["archived"] = "y"
        form = PartnerFilterForm(formdata=formdata)
        if not form.validate():
            raise Refused(SEE_FIELDS, form.errors)
        rows, next_cursor = page_of(
            filtered_partners(form).options(so.selectinload(Partner.tags)),
            BY_NAME,
            query.get("cursor"),
            query["limit"],
        )
        return {"items": rows, "next_cursor": next_cursor}

    @bp.doc(parameters=[IDEMPOTENCY_KEY], requestBody=body("NewPartner"))
    @creates(schemas.Partner, "Added")
    @refusals(403, 413, 422)
    @write_scope
    def post(self):
        """Add a partner

        Adds it as the New partner page does, checked by that page's form (the
        same messages, by field); a new contact starts in Cultivate. `owner_id`:
        an agent may only name themselves (the default), a manager any active
        agent of the team. Needs a write token.
        """
        form = form_of_json(NewPartnerForm)
        owner_choices(form)
        if form.owner_id.raw_data in (None, []):  # not sent: yours, as the page preselects
            form.owner_id.data = current_user.id
        return made(*create_partner(validated(form)))


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

    @bp.doc(requestBody=body("PartnerEdit"))
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


def archived(partner_id: int, archive: bool):
    partner = get_partner(partner_id, current_user)
    save_archived(partner, archive)
    return partner


@bp.post("/partners/<int:partner_id>/archive")
@refusals(403, 404)
@write_scope
@bp.response(200, schemas.Partner, description="Archived (or it already was).")
def archive_partner(partner_id: int):
    """Archive a partner

    As the partner page's Archive button: hidden from the lists and the rules,
    its history kept; audited. Archiving an archived partner changes nothing.
    Needs a write token.
    """
    return archived(partner_id, True)


@bp.post("/partners/<int:partner_id>/restore")
@refusals(403, 404)
@write_scope
@bp.response(200, schemas.Partner, description="Restored (or it was not archived).")
def restore_partner(partner_id: int):
    """Restore a partner

    As the partner page's Restore button: an archived partner comes back;
    audited. Needs a write token.
    """
    return archived(partner_id, False)


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

    @bp.doc(parameters=[IDEMPOTENCY_KEY], requestBody=body("NewInteraction"))
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
        form = validated(
            form_of_json(NewInteractionForm, now=clock.now(partner.team.timezone), partner=partner)
        )
        logged = log_interaction(partner, current_user, form)
        return made(logged.entry, logged.created)


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
