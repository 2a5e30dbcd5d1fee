"""Snooze and dismiss a recommendation, inline (htmx) or as plain forms."""

from urllib.parse import urlsplit

from flask import abort, redirect, request
from flask_login import current_user, login_required

from .. import clock
from ..templating import render
from . import bp, lifecycle
from .forms import DismissForm, SnoozeForm
from .links import partner_url
from .queries import open_count


def _recommendation_or_404(recommendation_id: int):
    row = lifecycle.get_recommendation(recommendation_id, current_user)
    if row is None:
        abort(404)
    if row.kind != "action":
        abort(403)  # tier changes are decided by a manager in the review queue
    return row


def _back(form, row) -> str:
    """Where a plain form post returns: the page it came from, when local."""
    target = form.next.data or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return partner_url(row.partner_id)


def _answer(row, form, status: int = 200):
    """htmx: the item goes away and the Today count follows; otherwise back where we were."""
    if request.htmx:
        return render(
            "recommendations/_done.html",
            row=row,
            form=form,
            today_count=open_count(current_user),
        ), status
    return redirect(_back(form, row), code=303)


def _invalid(row, form):
    """The item again, with the message beside the field (nothing was stored)."""
    return render(
        "recommendations/invalid.html",
        block="item",
        row=row,
        form=form,
        today=clock.today(row.partner.team.timezone),
        next=_back(form, row),
    ), 422


@bp.post("/<int:recommendation_id>/snooze")
@login_required
def snooze(recommendation_id: int):
    """Put a recommendation away until tomorrow or next week."""
    row = _recommendation_or_404(recommendation_id)
    form = SnoozeForm()
    if row.status not in lifecycle.LIVE:  # already acted on (a second click): nothing to do
        return _answer(row, form)
    if not form.validate():
        return _invalid(row, form)
    today = clock.today(row.partner.team.timezone)
    lifecycle.snooze(row, current_user, lifecycle.snooze_until(form.until.data, today))
    return _answer(row, form)


@bp.post("/<int:recommendation_id>/dismiss")
@login_required
def dismiss(recommendation_id: int):
    """Dismiss a recommendation (with an optional reason); it stays quiet until its facts change."""
    row = _recommendation_or_404(recommendation_id)
    form = DismissForm()
    if row.status not in lifecycle.LIVE:  # already acted on (a second click): nothing to do
        return _answer(row, form)
    if not form.validate():
        return _invalid(row, form)
    lifecycle.dismiss(row, current_user, form.reason.data)
    return _answer(row, form)
