"""The referral pipeline: every referral the user may see, by status.

Columns new → active → under contract → closed / lost on a wide screen, the
same sections one under the other on a phone (CSS; one template). Each card
advances its referral through a real POST form (CSRF; it works without
JavaScript); htmx swaps the board, since the card changes column and two
columns' totals change with it. The change goes through the one save path of
a referral (`logbook.entries.save_referral`), which tells the webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from rules.vocabulary import REFERRAL_STATUSES

from ..extensions import db
from ..forms import SelectChoice
from ..logbook.entries import save_referral
from ..logbook.forms import ReferralStatusForm
from ..logbook.views import get_owned, status_refused
from ..models import Partner, Referral, User
from ..partners.queries import team_agents
from ..spreadsheet import csv_response
from ..templating import render, wants_fragment
from . import bp, exports, queries
from .forms import PipelineFilterForm

FILTERS = ("agent", "partner", "direction", "status", "start", "end")


@dataclass
class Column:
    status: str
    label: str
    referrals: list[Referral] = field(default_factory=list)
    expected: Decimal = Decimal("0.00")

    @property
    def count(self) -> int:
        return len(self.referrals)


def expected_amount(referral: Referral, per_side: Decimal) -> Decimal | None:
    """What a card counts for in its column's total: a closed referral its
    commission (the team's per side standing in), a lost one nothing, an open
    one its expected commission (none when none was entered)."""
    if referral.status == "closed":
        return referral.commission if referral.commission is not None else per_side
    if referral.status == "lost":
        return None
    return referral.expected_commission


def filter_form(values: MultiDict, user: User) -> PipelineFilterForm:
    """The filters, their choices the user's own: the agents (a manager's
    team), the partners the user sees."""
    form = PipelineFilterForm(
        MultiDict((k, v) for k, v in values.items(multi=True) if k in FILTERS)
    )
    agents = team_agents(user) if user.is_manager else []
    form.agent.choices = [SelectChoice("", "Everyone")] + [
        SelectChoice(str(agent.id), agent.name) for agent in agents
    ]
    partners = db.session.execute(
        queries.partners_seen(user, include_archived=True)
        .with_only_columns(Partner.id, Partner.name)
        .order_by(Partner.name, Partner.id)
    )
    form.partner.choices = [SelectChoice("", "All partners")] + [
        SelectChoice(str(pid), name) for pid, name in partners
    ]
    return form


def chosen(form: PipelineFilterForm, user: User) -> tuple[User | None, sa.Select]:
    """The referrals the valid filters keep, and the agent chosen (a manager's)."""
    agent = None
    if user.is_manager and form.agent.data:
        agent = next(a for a in team_agents(user) if str(a.id) == form.agent.data)
    scope = queries.partner_scope(user, agent)
    query = (
        sa.select(Referral)
        .where(Referral.partner_id.in_(scope))
        .options(so.joinedload(Referral.partner).joinedload(Partner.owner))
    )
    if form.partner.data:
        query = query.where(Referral.partner_id == int(form.partner.data))
    if form.direction.data:
        query = query.where(Referral.direction == form.direction.data)
    if form.status.data:
        query = query.where(Referral.status == form.status.data)
    if form.start.data:
        query = query.where(Referral.referred_on >= form.start.data)
    if form.end.data:
        query = query.where(Referral.referred_on <= form.end.data)
    # Soonest expected close first; those without one after, newest referred first.
    order = (Referral.expected_close_on.is_(None), Referral.expected_close_on)
    return agent, query.order_by(*order, Referral.referred_on.desc(), Referral.id.desc())


def board(values: MultiDict, user: User) -> dict:
    """The page's whole context, for the page and for the board alone."""
    form = filter_form(values, user)
    per_side = user.team.commission_per_side
    columns = [Column(status, label) for status, label in REFERRAL_STATUSES.items()]
    by_status = {column.status: column for column in columns}
    valid = form.validate()
    if valid:
        _, query = chosen(form, user)
        for referral in db.session.scalars(query).unique():
            column = by_status.get(referral.status)
            if column is None:
                continue
            column.referrals.append(referral)
            column.expected += expected_amount(referral, per_side) or 0
    if form.status.data and valid:
        columns = [by_status[form.status.data]]
    filters = {name: form[name].raw_data[0] for name in FILTERS if form[name].raw_data}
    filters = {name: value for name, value in filters.items() if value}
    return {
        "form": form,
        "valid": valid,
        "columns": columns,
        "filters": filters,
        "per_side": per_side,
        "statuses": REFERRAL_STATUSES,
        "status_form": ReferralStatusForm(formdata=None),
    }


@bp.get("/pipeline")
@login_required
def pipeline():
    """Every referral the user may see, received and sent, by status, with the
    expected close day and commission, and each column's count and total."""
    context = board(request.args, current_user)
    html = render("referrals/pipeline.html", "board", **context)
    return html, 200 if context["valid"] else 422, {"Vary": "HX-Request"}


@bp.post("/pipeline/<int:referral_id>/status")
@login_required
def pipeline_status(referral_id: int):
    """Move a referral to another status from its card; the board comes back as
    it was filtered (htmx: the board alone; without JavaScript: by redirect)."""
    referral = get_owned(Referral, referral_id)
    form = ReferralStatusForm()
    if not form.validate_on_submit():
        return status_refused()
    save_referral(referral, current_user, status=form.status.data)
    # The card's form carries the board's filters as filter-<name>: its own
    # `status` is the new status, not the status filter.
    filters = MultiDict(
        (name, request.form.get(f"filter-{name}"))
        for name in FILTERS
        if request.form.get(f"filter-{name}")
    )
    if not wants_fragment():
        return redirect(url_for("referrals.pipeline", **filters.to_dict()), code=303)
    context = board(filters, current_user)
    return render("referrals/pipeline.html", "board", **context), {"Vary": "HX-Request"}


@bp.get("/pipeline.csv")
@login_required
def pipeline_csv():
    """The pipeline's referrals, as filtered, as CSV for Excel."""
    form = filter_form(request.args, current_user)
    if not form.validate():
        return pipeline()
    _, query = chosen(form, current_user)
    text = exports.pipeline_csv(current_user, db.session.scalars(query).unique())
    return csv_response(text, "partnerplan-pipeline.csv")
