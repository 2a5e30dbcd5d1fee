"""Logging interactions and referrals: inline on the partner page, in seconds.

htmx requests get the partner page's logbook block (fresh form + history)
and the panels that depend on history, out of band, in one response; without
JavaScript the same forms post and redirect back to the partner page.
"""

from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from rules.vocabulary import REFERRAL_STATUSES

from .. import clock
from ..errors import error_page
from ..extensions import commit_keeping_loaded, db
from ..forms import EmptyForm, with_ids
from ..models import Interaction, Partner, Referral
from ..partners.page import blank_interaction_form, partner_page, recent_history
from ..partners.panels import history_changed
from ..partners.queries import get_partner, visible_partners
from ..query_args import id_arg
from ..templating import render, wants_fragment
from . import bp
from .forms import InteractionForm, ReferralForm, ReferralStatusForm
from .history import RECENT, entry_of, key_of, newest_keys


def get_owned(model, object_id: int):
    """An interaction or referral of a partner this user may see; 404 otherwise."""
    visible = visible_partners(current_user, include_archived=True).with_only_columns(Partner.id)
    item = db.session.scalar(
        sa.select(model).where(model.id == object_id, model.partner_id.in_(visible))
    )
    if item is None:
        abort(404)
    return item


def now_for(partner: Partner):
    return clock.now(partner.team.timezone)


def logbook_response(partner: Partner, interaction_form=None, referral_form=None, status=200):
    """After an edit, a delete, or a log from elsewhere than the partner page's
    own form: the partner page (or, for htmx, its logbook block plus the panels
    that follow the history, out of band)."""
    if not wants_fragment():
        if status == 200:
            return redirect(url_for("partners.detail", partner_id=partner.id), 303)
        # No-JS post with errors: the whole page, the messages beside the fields.
        context = partner_page(
            partner, interaction_form=interaction_form, referral_form=referral_form
        )
        return render("partners/detail.html", **context), status
    context = partner_page(
        partner, interaction_form=interaction_form, referral_form=referral_form, oob=True
    )
    return render("partners/detail.html", "logbook_response", **context), status


def from_log_form(kind: str) -> bool:
    """Posted by htmx from the partner page's own log form (its target says so)."""
    return wants_fragment() and request.headers.get("HX-Target") == f"log-{kind}"


def logged_message(entry: Interaction | Referral) -> str:
    """'Coffee logged.', 'Referral logged.'"""
    if isinstance(entry, Referral):
        return "Referral logged."
    return f"{entry.kind.replace('_', ' ').capitalize()} logged."


def quick_form(form, partner: Partner):
    """A quick log form (from the list or Today): several may be open on one page."""
    return with_ids(form, f"quick-{partner.id}-")


def logged_response(partner: Partner, kind: str, form=None, entry=None):
    """After a log from the partner page's own form: for htmx, the form it came
    from with its messages; or, once the `entry` is logged, the form fresh if it
    showed messages, else only the field that defaults to now (the form resets
    itself in the browser) and what was logged in its status line; then the
    history and the panels that follow it, out of band. The rest of the page
    (the other form) is not sent again."""
    forms = {f"{kind}_form": form} if form is not None else {}
    status = 422 if form is not None else 200
    if not from_log_form(kind):  # another form, or no JavaScript
        return logbook_response(partner, status=status, **forms)
    redraw = entry is None or request.form.get("redraw") == "1"
    context = partner_page(
        partner,
        oob=True,
        panels=entry is not None,
        changed=(kind,),
        log_forms=(kind,),
        history=False,
        **forms,
    )
    if entry is not None:
        context |= history_after(partner, entry)
    context |= {"log_open": kind, "logged": logged_message(entry) if entry is not None else None}
    response = make_response(
        render("partners/detail.html", f"{kind}_response", redraw=redraw, **context), status
    )
    if not redraw:  # the form stays where it is; the rest goes out of band
        response.headers["HX-Reswap"] = "none"
    return response


def history_after(partner: Partner, entry: Interaction | Referral) -> dict:
    """The history once `entry` is logged. An entry that lands on top of the
    recent history the page shows is sent alone, with the entry it pushes off
    the end; otherwise (the first entry, an older one, the link to the rest
    appearing) the recent history is sent whole, and to a page showing the
    whole history, the whole history."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    if parse_qs(page.query).get("history") == ["all"]:
        return {"new_entry": None, **recent_history(partner, everything=True)}
    newest = newest_keys(partner, RECENT + 2)
    alone = 1 < len(newest) <= RECENT or len(newest) == RECENT + 2
    if alone and newest[0] == key_of(entry):
        # The entry pushed off: the last one shown, now one past RECENT.
        pushed_off = RECENT + 1 if len(newest) > RECENT else None
        return {"new_entry": entry_of(entry), "pushed_off": pushed_off}
    return {"new_entry": None, **recent_history(partner)}


def changed(partner: Partner, recommendation_id: int | None = None) -> None:
    """Tell the rest of the app (the rules) that this partner's history changed."""
    history_changed.send(partner, user=current_user, recommendation_id=recommendation_id)


@bp.get("/partners/<int:partner_id>/interactions/new")
@login_required
def new_interaction(partner_id: int):
    """The log form, prefilled from the query (kind, direction) — e.g. from a recommendation."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    defaults = {k: request.args[k] for k in ("kind", "direction", "outcome") if k in request.args}
    form = blank_interaction_form(partner, defaults)
    if not form.kind.validate(form) or not form.direction.validate(form):
        abort(404)
    recommendation_id = id_arg("recommendation_id")
    quick = request.args.get("quick") == "1"
    if quick:
        quick_form(form, partner)
    action = url_for(
        "logbook.create_interaction",
        partner_id=partner.id,
        recommendation_id=recommendation_id,
        quick=1 if quick else None,
    )
    return render(
        "logbook/interaction_form.html",
        "form",
        partner=partner,
        form=form,
        quick=quick,
        interaction=None,
        action=action,
    )


@bp.post("/partners/<int:partner_id>/interactions")
@login_required
def create_interaction(partner_id: int):
    """Log an interaction; the partner is re-evaluated at once."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    form = InteractionForm(now=now_for(partner))
    quick = request.args.get("quick") == "1" and wants_fragment()
    if not form.validate_on_submit():
        if quick:  # the quick form, from the list or Today, comes back in place
            quick_form(form, partner)
            return render(
                "logbook/interaction_form.html",
                "form",
                partner=partner,
                form=form,
                quick=True,
                interaction=None,
                action=request.full_path,
            ), 422
        return logged_response(partner, "interaction", form)
    interaction = Interaction(partner_id=partner.id, user_id=current_user.id)
    form.populate(interaction)
    db.session.add(interaction)
    commit_keeping_loaded()  # a new row: nothing loaded has changed
    changed(partner, id_arg("recommendation_id"))
    message = logged_message(interaction)
    if quick:
        response = make_response(
            render("logbook/_quick_done.html", partner=partner, message=message)
        )
        response.headers["HX-Trigger"] = "partner-changed"
        return response
    if not wants_fragment():
        flash(message, "success")
    return logged_response(partner, "interaction", entry=interaction)


@bp.route("/interactions/<int:interaction_id>/edit", methods=["GET", "POST"])
@login_required
def edit_interaction(interaction_id: int):
    """Correct a wrong entry."""
    interaction = get_owned(Interaction, interaction_id)
    partner = interaction.partner
    form = with_ids(
        InteractionForm(obj=interaction, now=now_for(partner)),
        f"edit-interaction-{interaction.id}-",
    )
    if form.validate_on_submit():
        form.populate(interaction)
        db.session.commit()
        changed(partner)
        return logbook_response(partner)
    status = 422 if form.errors else 200
    return render(
        "logbook/interaction_form.html",
        "form",
        partner=partner,
        form=form,
        quick=False,
        interaction=interaction,
        action=url_for("logbook.edit_interaction", interaction_id=interaction.id),
    ), status


def delete_entry(item: Interaction | Referral, what: str):
    """Delete a wrong entry once confirmed (hx-confirm, or the confirmation page without JS)."""
    partner = item.partner
    form = EmptyForm()
    if form.validate_on_submit():
        db.session.delete(item)
        db.session.commit()
        changed(partner)
        if not wants_fragment():
            flash(f"{what.capitalize()} deleted.", "success")
        return logbook_response(partner)
    return render("logbook/confirm_delete.html", partner=partner, item=item, form=form, what=what)


@bp.route("/interactions/<int:interaction_id>/delete", methods=["GET", "POST"])
@login_required
def delete_interaction(interaction_id: int):
    """Delete a wrong interaction, after confirmation."""
    return delete_entry(get_owned(Interaction, interaction_id), "interaction")


@bp.post("/partners/<int:partner_id>/referrals")
@login_required
def create_referral(partner_id: int):
    """Log a referral received from or sent to the partner."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    form = ReferralForm(today=now_for(partner).date())
    if not form.validate_on_submit():
        return logged_response(partner, "referral", form)
    referral = Referral(partner_id=partner.id, user_id=current_user.id)
    form.populate(referral)
    closed_today(referral, partner)
    db.session.add(referral)
    db.session.commit()
    changed(partner)
    if not wants_fragment():
        flash(logged_message(referral), "success")
    return logged_response(partner, "referral", entry=referral)


def closed_today(referral: Referral, partner: Partner) -> None:
    """A referral marked closed without a closing day closed today."""
    if referral.status == "closed" and referral.closed_on is None:
        referral.closed_on = now_for(partner).date()
    if referral.status != "closed":
        referral.closed_on = None


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@login_required
def edit_referral(referral_id: int):
    """Correct a referral."""
    referral = get_owned(Referral, referral_id)
    partner = referral.partner
    form = with_ids(
        ReferralForm(obj=referral, today=now_for(partner).date()), f"edit-referral-{referral.id}-"
    )
    if form.validate_on_submit():
        form.populate(referral)
        closed_today(referral, partner)
        db.session.commit()
        changed(partner)
        return logbook_response(partner)
    status = 422 if form.errors else 200
    return render(
        "logbook/referral_form.html",
        "form",
        partner=partner,
        form=form,
        referral=referral,
        action=url_for("logbook.edit_referral", referral_id=referral.id),
    ), status


@bp.post("/referrals/<int:referral_id>/status")
@login_required
def referral_status(referral_id: int):
    """Advance a referral's status inline (new → active → under contract → closed)."""
    referral = get_owned(Referral, referral_id)
    form = ReferralStatusForm()
    if not form.validate_on_submit():
        # The select offers only the vocabulary: anything else did not come from the page.
        statuses = ", ".join(label.lower() for label in REFERRAL_STATUSES.values())
        return error_page(
            400,
            "Not a referral status",
            f"A referral's status is one of: {statuses}. Nothing was changed.",
        )
    referral.status = form.status.data
    closed_today(referral, referral.partner)
    db.session.commit()
    changed(referral.partner)
    return logbook_response(referral.partner)


@bp.route("/referrals/<int:referral_id>/delete", methods=["GET", "POST"])
@login_required
def delete_referral(referral_id: int):
    """Delete a wrong referral, after confirmation."""
    return delete_entry(get_owned(Referral, referral_id), "referral")
