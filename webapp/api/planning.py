"""The API's planning sessions and leads: what the agenda and the session page
show and change, through their code (`planning.booking`).

A session is found as its page finds it (`booking.get_session`: its partner
one you see); its status changes as the page's buttons change it (a session
brought back from cancelled may meet a taken slot), its answers as the
answers form keeps them. Leads come from a session's lost-leads questions,
as 'Add as lead' adds them: they are added under the session, and listed
under the partner.
"""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import request
from flask.views import MethodView
from flask_login import current_user

from rules.vocabulary import PLANNING_QUESTIONS

from ..access import get_partner
from ..models import Lead, PlanningSession
from ..planning import booking
from ..planning.forms import AnswersForm, LeadForm, StatusForm
from ..planning.views import SLOT_HELD
from ..recommendations.reevaluation import reevaluate
from . import bp, schemas
from .bearer import write_scope
from .cursors import Keyset, page_of
from .errors import Refused
from .formdata import NOT_SAVED, form_of_json, validated
from .views import IDEMPOTENCY_KEY, body, check_etag, creates, found_first, made, refusals

BY_START = Keyset(PlanningSession.starts_at, PlanningSession.id)
OLDEST_FIRST = Keyset(Lead.created_at, Lead.id)


def found(planning_session_id: int) -> PlanningSession:
    return booking.get_session(planning_session_id, current_user)


@bp.get("/planning-sessions")
@refusals(422)
@bp.arguments(schemas.PlanningSessionQuery, location="query")
@bp.response(200, schemas.PlanningSessionPage)
def planning_sessions(query: dict):
    """Your planning sessions

    The planning sessions with the partners you see (an agent's own, a
    manager's the team's), by start: `since` and `until` keep to the days
    between, both included (the agent's wall time, as the agenda shows).
    """
    sessions = booking.visible_sessions(current_user)
    if since := query.get("since"):
        sessions = sessions.where(PlanningSession.starts_at >= datetime.combine(since, time()))
    if until := query.get("until"):
        day_after = datetime.combine(until + timedelta(days=1), time())
        sessions = sessions.where(PlanningSession.starts_at < day_after)
    rows, next_cursor = page_of(sessions, BY_START, query.get("cursor"), query["limit"])
    return {"items": rows, "next_cursor": next_cursor}


@bp.route("/planning-sessions/<int:planning_session_id>", endpoint="planning_session")
class OneSession(MethodView):
    @refusals(404)
    @bp.etag
    @bp.response(200, schemas.PlanningSession)
    def get(self, planning_session_id: int):
        """One planning session

        404 when its partner is not yours to see. The `ETag` names this version:
        send it as `If-Match` to change the session (PATCH).
        """
        return found(planning_session_id)

    @bp.doc(requestBody=body("PlanningSessionEdit"))
    @refusals(403, 404, 413, 422)
    @write_scope
    @found_first(found, "planning_session_id")
    @bp.etag
    @bp.response(
        200, schemas.PlanningSession, description="Saved; its new `ETag` is in the header."
    )
    def patch(self, planning_session_id: int):
        """Change a planning session

        Its status (held, skipped, cancelled, or booked again), as the session
        page's buttons, and any of the five answers, as its answers form: each
        checked by that form, nothing saved while any is refused. A held session
        counts as a live contact with the partner. Needs a write token and the
        session's `ETag` as `If-Match` (428 without, 412 when it changed since).
        """
        session = found(planning_session_id)
        check_etag(session, schemas.PlanningSession, "planning session")
        answers = validated(form_of_json(AnswersForm))  # not an object: refused here
        sent = request.get_json()
        posted = [key for key in PLANNING_QUESTIONS if sent.get(key) is not None]
        status = None
        if sent.get("status") is not None:
            status = validated(form_of_json(StatusForm)).status.data
        # The status first: it is the change that may still be refused (a taken slot).
        if status is not None and status != session.status:
            try:
                booking.set_status(session, status)
            except booking.SlotTaken:
                raise Refused(NOT_SAVED, {"status": [SLOT_HELD]}) from None
            reevaluate(session.partner, current_user)
        if posted:
            booking.save_answers(session, answers, posted)
        return session


@bp.post("/planning-sessions/<int:planning_session_id>/leads")
@bp.doc(parameters=[IDEMPOTENCY_KEY], requestBody=body("NewLead"))
@creates(schemas.Lead, "Added")
@refusals(403, 404, 413, 422)
@write_scope
def add_lead(planning_session_id: int):
    """Add a lead

    A name the partner gave under one of the session's lost-leads questions,
    added as the session page's 'Add as lead' adds it, checked by that form.
    The lead is the partner's agent's, to contact. Needs a write token.
    """
    session = found(planning_session_id)
    return made(*booking.add_lead(session, validated(form_of_json(LeadForm))))


@bp.get("/partners/<int:partner_id>/leads")
@refusals(404, 422)
@bp.arguments(schemas.PageQuery, location="query")
@bp.response(200, schemas.LeadPage)
def partner_leads(query: dict, partner_id: int):
    """A partner's leads

    The leads the partner gave in planning sessions, oldest first, as the
    partner page lists them.
    """
    partner = get_partner(partner_id, current_user)
    leads = sa.select(Lead).where(Lead.partner_id == partner.id)
    rows, next_cursor = page_of(leads, OLDEST_FIRST, query.get("cursor"), query["limit"])
    return {"items": rows, "next_cursor": next_cursor}
