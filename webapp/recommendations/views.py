"""Act on a recommendation: snooze, dismiss, a one-tap outcome, and Undo;
inline (htmx) or as plain forms."""

from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..errors import error_page
from ..links import local_path
from ..panels import panel_named
from ..query_args import as_id
from ..templating import render
from ..timefmt import format_date
from . import bp, lifecycle, outcomes
from .forms import DismissForm, OutcomeForm, SnoozeForm, UndoForm
from .links import partner_url, rule_title
from .queries import open_count
from .reevaluation import reevaluate


def _recommendation_or_404(recommendation_id: int):
    row = lifecycle.get_recommendation(recommendation_id, current_user)
    if row is None:
        abort(404)
    if row.kind != "action":
        abort(403)  # tier changes are decided by a manager in the review queue
    return row


def _back(form, row) -> str:
    """Where a plain form post returns: the page it came from, when local."""
    return local_path(form.next.data) or partner_url(row.partner_id)


def _from_today(target: str) -> bool:
    return urlsplit(target).path == url_for("home.today")


def _today_args(target: str) -> dict:
    """Today as it was shown (all of it, one agent's) from the `next` it gave."""
    query = parse_qs(urlsplit(target).query)
    return {
        "show_all": bool(query.get("all")),
        "agent_id": as_id((query.get("agent") or [""])[0]),
    }


def _answer(row, form, status: int = 200, said: str | None = None, undo: str | None = None):
    """From Today: Today again, saying what happened (`said`) with its Undo —
    the list whole through htmx, so that every count follows. Elsewhere, htmx:
    the item goes away and the Today count follows; otherwise back where we were."""
    target = _back(form, row)
    if _from_today(target):
        from ..home.views import tell, today_page

        if said:
            tell(said, undo)
        if request.htmx:
            return today_page(**_today_args(target), changed=True), status
        return redirect(target, code=303)
    if said and not request.htmx:
        flash(said, "success")
    if request.htmx:
        return render(
            "recommendations/_done.html",
            row=row,
            said=said,
            undo=undo,
            next=target,
            today_count=open_count(current_user),
        ), status
    return redirect(target, code=303)


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
    was = outcomes.before(row)
    until = lifecycle.snooze_until(form.until.data, today)
    lifecycle.snooze(row, current_user, until)
    said = f"Snoozed until {format_date(until, style='day')}: {_what(row)}."
    return _answer(row, form, said=said, undo=outcomes.undo_token(row, current_user, was, None))


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
    was = outcomes.before(row)
    lifecycle.dismiss(row, current_user, form.reason.data)
    said = f"Dismissed: {_what(row)}."
    return _answer(row, form, said=said, undo=outcomes.undo_token(row, current_user, was, None))


def _what(row) -> str:
    return f"{rule_title(row.rule, row.team_id)} · {row.partner.name}"


@bp.post("/<int:recommendation_id>/outcome")
@login_required
def outcome(recommendation_id: int):
    """A one-tap outcome from the card: logged at once. One that does what the
    recommendation asks marks it done; any other is an attempt, and it stays open."""
    row = _recommendation_or_404(recommendation_id)
    form = OutcomeForm()
    if not form.validate() or form.outcome.data not in outcomes.OUTCOMES:
        abort(400)
    if row.status not in lifecycle.LIVE:  # already acted on (a second click): nothing to do
        return _answer(row, form)
    was = outcomes.before(row)
    choice = form.outcome.data
    interaction = outcomes.log_outcome(row, current_user, choice)
    done = outcomes.satisfies(row.rule, choice)
    partner = row.partner
    reevaluate(partner, current_user, row.id if done else None)
    row = lifecycle.get_recommendation(recommendation_id, current_user)
    said = outcomes.OUTCOMES[choice].said
    if done:
        said = f"{said} — done: {_what(row)}."
    else:
        still = "still open" if row.status in lifecycle.LIVE else "no longer needed"
        said = f"{said} logged: {_what(row)} ({still})."
    token = outcomes.undo_token(row, current_user, was, interaction.id)
    return _answer(row, form, said=said, undo=token)


@bp.post("/undo")
@login_required
def undo():
    """Put back what a snooze, dismiss or one-tap outcome changed, moments ago:
    answered with Today again, or from the partner page with its panel."""
    form = UndoForm()
    if not form.validate():
        abort(400)
    target = local_path(form.next.data)
    if target is None or _from_today(target):
        return _undo_on_today(form.token.data, target or url_for("home.today"))
    try:
        row = outcomes.undo(form.token.data, current_user)
    except outcomes.UndoRefused as refused:
        if request.htmx:  # said in the page's alert region
            return error_page(409, "Not undone", str(refused))
        flash(str(refused), "error")
        return redirect(target, code=303)
    reevaluate(row.partner, current_user)
    said = f"Undone: {_what(row)} is back."
    if request.htmx:
        panel = panel_named("recommendations", row.partner, current_user, notice=said)
        return render("recommendations/_undone.html", panel=panel)
    flash(said, "success")
    return redirect(target, code=303)


def _undo_on_today(token: str, target: str):
    from ..home.views import tell, today_page

    try:
        row = outcomes.undo(token, current_user)
    except outcomes.UndoRefused as refused:
        tell(str(refused))
    else:
        reevaluate(row.partner, current_user)
        tell(f"Undone: {_what(row)} is back.")
    if not _from_today(target):
        target = url_for("home.today")
    if request.htmx:
        return today_page(**_today_args(target), changed=True)
    return redirect(target, code=303)
