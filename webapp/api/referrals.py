"""The API's referrals: a partner's, logged and corrected as on the partner page.

Logged through the page's referral form and create path
(`logbook.entries.log_referral`), corrected through its edit form and save
path (`logbook.entries.save_referral`, which tells the webhooks of a change
of status); found as the page finds them (`logbook.views.get_owned`).
"""

import sqlalchemy as sa
from flask.views import MethodView
from flask_login import current_user

from .. import clock
from ..access import get_partner
from ..logbook.entries import log_referral, save_referral
from ..logbook.forms import NewReferralForm, ReferralForm
from ..logbook.views import get_owned
from ..models import Referral
from . import bp, schemas
from .bearer import write_scope
from .cursors import Keyset, page_of
from .formdata import form_of_json, validated
from .views import IDEMPOTENCY_KEY, body, check_etag, creates, found_first, made, refusals

NEWEST_FIRST = Keyset(Referral.created_at, Referral.id, descending=True)


def owned(referral_id: int) -> Referral:
    return get_owned(Referral, referral_id)


@bp.route("/partners/<int:partner_id>/referrals", endpoint="referrals")
class Referrals(MethodView):
    @refusals(404, 422)
    @bp.arguments(schemas.PageQuery, location="query")
    @bp.response(200, schemas.ReferralPage)
    def get(self, query: dict, partner_id: int):
        """A partner's referrals

        The referrals received from and sent to the partner, newest logged first.
        """
        partner = get_partner(partner_id, current_user)
        logged = sa.select(Referral).where(Referral.partner_id == partner.id)
        rows, next_cursor = page_of(logged, NEWEST_FIRST, query.get("cursor"), query["limit"])
        return {"items": rows, "next_cursor": next_cursor}

    @bp.doc(parameters=[IDEMPOTENCY_KEY], requestBody=body("NewReferral"))
    @creates(schemas.Referral, "Logged; the partner's recommendations follow")
    @refusals(403, 404, 413, 422)
    @write_scope
    def post(self, partner_id: int):
        """Log a referral

        Logs it as the partner page's referral form does, checked by that very form
        (the same messages, by field), then evaluates the partner's rules at once.
        A referral received is told to the team's webhooks (`referral.received`).
        An archived partner takes no new entries (404). Needs a write token.
        """
        partner = get_partner(partner_id, current_user, include_archived=False)
        form = form_of_json(NewReferralForm, today=clock.today(partner.team.timezone))
        return made(*log_referral(partner, current_user, validated(form))[:2])


@bp.route("/referrals/<int:referral_id>", endpoint="referral")
class OneReferral(MethodView):
    @refusals(404)
    @bp.etag
    @bp.response(200, schemas.Referral)
    def get(self, referral_id: int):
        """One referral

        404 when its partner is not yours to see. The `ETag` names this version:
        send it as `If-Match` to change the referral (PATCH).
        """
        return owned(referral_id)

    @bp.doc(requestBody=body("ReferralEdit"))
    @refusals(403, 404, 413, 422)
    @write_scope
    @found_first(owned, "referral_id")
    @bp.etag
    @bp.response(200, schemas.Referral, description="Saved; its new `ETag` is in the header.")
    def patch(self, referral_id: int):
        """Change a referral

        Changes what the referral's edit form changes (its status among them),
        checked by that form; what is not sent is kept. A closed referral without
        a `closed_on` closed today (the team's); one not closed has none. A change
        of status is told to the team's webhooks (`referral.status_changed`).
        Needs a write token and the referral's `ETag` as `If-Match` (428 without,
        412 when it changed since).
        """
        referral = owned(referral_id)
        check_etag(referral, schemas.Referral, "referral")
        today = clock.today(referral.partner.team.timezone)
        form = validated(form_of_json(ReferralForm, edited=referral, today=today))
        save_referral(referral, current_user, form)
        return referral
