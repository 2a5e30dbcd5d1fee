"""The desk's pages: review queue, audit trail, team overview (managers and admins),
and the tier change anyone who may see a partner can make from its page."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user, login_required

from .. import clock
from ..access import get_partner
from ..extensions import db
from ..forms import EmptyForm
from ..models import Partner, Recommendation
from ..panels import RenderedPanel
from ..query_args import paginate
from ..templating import MANAGERS, nav_item, render, wants_fragment
from . import bp, decisions
from .access import manager_required
from .audit import csv_lines, events_query, filter_form
from .forms import BulkApproveForm, RejectForm
from .overview import overview_charts, team_overview
from .panel import TEMPLATE, tier_form, tier_panel
from .reviews import ReviewItem, get_tier_change, open_tier_changes, recent_history, review_item
from .wording import AUDIT_KINDS, TIER_RULES

nav_item("desk.reviews", "Reviews", roles=MANAGERS, order=30, primary=MANAGERS)
nav_item("desk.team", "Team", roles=MANAGERS, order=61)
nav_item("desk.audit", "Audit trail", roles=MANAGERS, order=62)

AUDIT_PER_PAGE = 50
AUDIT_FILTERS = ("partner", "user", "kind", "date_from", "date_to")


@bp.context_processor
def desk_words() -> dict:
    return {"tier_rules": TIER_RULES, "audit_kinds": AUDIT_KINDS}


@dataclass
class Notice:
    """What a decision did, shown above the queue (htmx) or flashed (plain requests)."""

    message: str
    ok: bool = True
    details: list[str] = field(default_factory=list)


def queue_context(*, item: ReviewItem | None = None, bulk_form=None, notice=None) -> dict:
    """One context for the whole queue page and each of its fragments."""
    items = [review_item(rec) for rec in open_tier_changes(current_user)]
    if item is not None:
        rec_id = item.recommendation.id
        items = [item if each.recommendation.id == rec_id else each for each in items]
    return {
        "items": items,
        "item": item,
        "bulk_form": bulk_form or BulkApproveForm(formdata=None),
        "notice": notice,
    }


@bp.get("/reviews")
@manager_required
def reviews():
    """Every open tier change of the team, oldest first, to approve or reject inline."""
    return render("desk/reviews.html", block="queue", **queue_context())


def decision_response(recommendation: Recommendation, outcome: decisions.Outcome):
    """After a decision: the decided row (htmx), or back to the queue.

    A decision that lost the race answers 409 with who decided, except to
    htmx, which swaps only 2xx and 422 responses: it gets the row with the message.
    """
    if outcome.ok and not wants_fragment():
        flash(outcome.message, "success")
        return redirect(url_for("desk.reviews"), 303)
    db.session.expire_all()
    item = review_item(recommendation)
    item.outcome, item.outcome_ok = outcome.message, outcome.ok
    context = queue_context(item=item, notice=Notice(outcome.message, outcome.ok))
    status = 200 if outcome.ok or wants_fragment() else 409
    return render("desk/reviews.html", block="item", **context), status


@bp.post("/reviews/<int:recommendation_id>/approve")
@manager_required
def approve(recommendation_id: int):
    """Approve a tier change: the partner's tier moves and the change is audited."""
    recommendation = get_tier_change(recommendation_id, current_user)
    if not EmptyForm(prefix=f"approve-{recommendation_id}").validate_on_submit():
        abort(400)
    return decision_response(recommendation, decisions.approve(recommendation, current_user))


@bp.post("/reviews/<int:recommendation_id>/reject")
@manager_required
def reject(recommendation_id: int):
    """Reject a tier change; the reason is required and shown beside the field if missing."""
    recommendation = get_tier_change(recommendation_id, current_user)
    form = RejectForm(prefix=f"reject-{recommendation_id}")
    if not form.validate_on_submit():
        context = queue_context(item=review_item(recommendation, form))
        return render("desk/reviews.html", block="item", **context), 422
    outcome = decisions.reject(recommendation, current_user, form.reason.data)
    return decision_response(recommendation, outcome)


@bp.post("/reviews/approve")
@manager_required
def approve_selected():
    """Approve every ticked tier change; each lands or is reported on its own."""
    form = BulkApproveForm()
    if not form.validate_on_submit():
        return render("desk/reviews.html", block="queue", **queue_context(bulk_form=form)), 422
    # Ids of another team, or of anything but a tier change, are simply not found.
    chosen = db.session.scalars(
        sa.select(Recommendation)
        .join(Recommendation.partner)
        .where(
            Recommendation.id.in_(form.recommendation_id.data),
            Recommendation.team_id == current_user.team_id,
            Partner.team_id == current_user.team_id,
            Recommendation.kind == "tier_change",
        )
        .order_by(Recommendation.created_at, Recommendation.id)
    ).all()
    outcomes = [decisions.approve(rec, current_user) for rec in chosen]
    approved = sum(outcome.ok for outcome in outcomes)
    notice = Notice(
        f"Approved {approved} of {len(form.recommendation_id.data)} tier changes.",
        ok=approved == len(form.recommendation_id.data),
        details=[outcome.message for outcome in outcomes if not outcome.ok],
    )
    if not wants_fragment():
        for message in [notice.message, *notice.details]:
            flash(message, "success" if notice.ok else "error")
        return redirect(url_for("desk.reviews"), 303)
    return render("desk/reviews.html", block="queue", **queue_context(notice=notice))


@bp.get("/partners/<int:partner_id>/history")
@manager_required
def partner_history(partner_id: int):
    """A partner's latest interactions and referrals (lazy-loaded into the queue)."""
    partner = get_partner(partner_id, current_user)
    entries = recent_history(partner)
    return render("desk/history.html", block="history", partner=partner, entries=entries)


@bp.route("/partners/<int:partner_id>/tier", methods=["GET", "POST"])
@login_required
def change_tier(partner_id: int):
    """Change a partner's tier with a reason, or propose a move into or out of Cease."""
    partner = get_partner(partner_id, current_user)
    form = tier_form(partner, current_user, bound=True)
    status, message = 200, None
    if form.validate_on_submit():
        outcome = decisions.change_tier(partner, current_user, form.tier.data, form.reason.data)
        if outcome.ok and not wants_fragment():
            flash(outcome.message, "success")
            return redirect(url_for("desk.change_tier", partner_id=partner_id), 303)
        if outcome.ok:
            form, message = tier_form(partner, current_user), outcome.message
        else:
            form.tier.errors.append(outcome.message)
            status = 422
    elif form.is_submitted():
        status = 422
    panel = RenderedPanel("tier", TEMPLATE, tier_panel(partner, current_user, form, message))
    return render("desk/tier.html", block="panel", partner=partner, panel=panel), status


def audit_context():
    """The filter form, bound and validated, and the filters to carry in links."""
    form = filter_form(current_user, request.args)
    valid = form.validate()
    filters = {key: request.args[key] for key in AUDIT_FILTERS if request.args.get(key)}
    timezone = current_user.team.timezone
    return form, valid, filters, timezone


@bp.get("/audit")
@manager_required
def audit():
    """Every audit event of the team, newest first, filtered and paged."""
    form, valid, filters, timezone = audit_context()
    page = None
    if valid:
        page = paginate(events_query(current_user, form), per_page=AUDIT_PER_PAGE)
    return render(
        "desk/audit.html",
        block="results",
        form=form,
        page=page,
        filters=filters,
    ), (200 if valid else 422)


@bp.get("/audit.csv")
@manager_required
def audit_csv():
    """The filtered audit events as CSV (UTF-8 with BOM, formulas neutralised)."""
    form, valid, filters, timezone = audit_context()
    if not valid:
        return audit()
    filename = f"audit-{clock.today(timezone).isoformat()}.csv"
    return Response(
        stream_with_context(csv_lines(events_query(current_user, form), timezone)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/team")
@manager_required
def team():
    """Partners per tier per agent, who is slipping, open work and referrals this quarter."""
    overview = team_overview(current_user.team_id, clock.today(current_user.team.timezone))
    return render("desk/team.html", overview=overview, charts=overview_charts(overview))
