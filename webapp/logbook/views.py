"""Logging interactions and referrals: inline on the partner page, in seconds.

The path of a log (docs/ARCHITECTURE.md): validate the form, add the entry,
re-evaluate the partner's rules, answer. Through htmx the answer is the form,
fresh, with the history and the panels that follow it out of band
(`logged_response`); without JavaScript, a redirect to the partner page.
A log sent again with its key (a double tap, Back and resubmit) stores
nothing and answers the same way, with the entry already logged.
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from rules.vocabulary import REFERRAL_STATUSES

from .. import clock
from ..access import get_partner, visible_partners
from ..errors import error_page
from ..extensions import db
from ..forms import EmptyForm, with_ids
from ..models import Interaction, Partner, Referral
from ..panels import panels_for
from ..query_args import id_arg
from ..recommendations.reevaluation import reevaluate
from ..templating import render, wants_fragment
from . import bp
from .block import (
    blank_interaction_form,
    blank_referral_form,
    history,
    history_after_log,
    history_arg,
    key_of,
    log_forms,
)
from .entries import (
    log_interaction,
    log_referral,
    save_interaction,
    save_referral,
    unlog_interaction,
)
from .forms import (
    InteractionForm,
    NewInteractionForm,
    NewReferralForm,
    ReferralForm,
    ReferralStatusForm,
)


def get_owned(model, object_id: int):
    """An interaction or referral of a partner this user may see; 404 otherwise."""
    visible = visible_partners(current_user, include_archived=True).with_only_columns(Partner.id)
    item = db.session.scalar(
        sa.select(model).where(model.id == object_id, model.partner_id.in_(visible))
    )
    if item is None:
        abort(404)
    return item


def logged_message(entry: Interaction | Referral, reevaluated: bool, created: bool = True) -> str:
    """'Coffee logged.', 'Referral logged.', and a word when the rules could not run;
    'Coffee already logged.' when the log was sent again and stored nothing."""
    what = "Referral" if isinstance(entry, Referral) else entry.kind.replace("_", " ").capitalize()
    if not created:
        return f"{what} already logged."
    if not reevaluated:
        return f"{what} logged. The recommendations will catch up shortly."
    return f"{what} logged."


def logged_response(
    partner: Partner, kind: str, entry: Interaction | Referral, message: str, created: bool
):
    """After a log of `kind` ("interaction" or "referral") from the partner page:
    for htmx, that form fresh with the `message` in its status line, and out of
    band the history after the entry (whole when it was sent again and not
    `created`: the page may show it already) and the panels that follow that
    kind; without JavaScript, the partner page, by redirect."""
    if not wants_fragment():
        flash(message, "success")
        return partner_page_redirect(partner)
    fresh = (
        blank_interaction_form(partner) if kind == "interaction" else blank_referral_form(partner)
    )
    context = log_forms(partner, **{f"{kind}_form": fresh}, logged=message)
    context |= history_after_log(partner, entry) if created else history(partner)
    panels = panels_for(partner, current_user, changed=kind)
    return render("logbook/_logged.html", kind=kind, panels=panels, **context)


def refused_response(partner: Partner, kind: str, form, page: str, **context):
    """A log form with its messages, nothing stored: for htmx, the form as it was
    posted; without JavaScript, the form on a page of its own (`page`)."""
    if wants_fragment():
        forms = log_forms(partner, **{f"{kind}_form": form})
        return render("logbook/_log_form.html", kind=kind, **forms), 422
    return render(page, partner=partner, form=form, **context), 422


def history_response(partner: Partner, kind: str, saved: Interaction | Referral | None = None):
    """After an entry of `kind` was edited, deleted or advanced in the history:
    for htmx, the history whole (the inline edit just `saved` closes) and the
    panels that follow that kind, out of band; without JavaScript, the partner page."""
    if not wants_fragment():
        return partner_page_redirect(partner)
    panels = panels_for(partner, current_user, changed=kind)
    return render("logbook/_history_changed.html", panels=panels, **history(partner, saved))


def partner_page_redirect(partner: Partner):
    return redirect(url_for("partners.detail", partner_id=partner.id, history=history_arg()), 303)


def edit_form(entry: Interaction | Referral, template: str, form, action: str, **context):
    """An entry's edit form: in the entry's edit slot through htmx, else a page of
    its own. With messages (422) it goes back into that slot, not the history."""
    response = render(template, "form", partner=entry.partner, form=form, action=action, **context)
    if not form.errors:
        return response
    return response, 422, {"HX-Retarget": f"#edit-{key_of(entry)}", "HX-Reswap": "innerHTML"}


def quick_form(form, partner: Partner):
    """A quick log form (from the list or Today): several may be open on one page."""
    return with_ids(form, f"quick-{partner.id}-")


@bp.get("/partners/<int:partner_id>/interactions/new")
@login_required
def new_interaction(partner_id: int):
    """The log form, prefilled from the query (kind, direction) — e.g. from a recommendation."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    defaults = {k: request.args[k] for k in ("kind", "direction", "outcome") if k in request.args}
    form = blank_interaction_form(partner, defaults)
    if not form.kind.validate(form) or not form.direction.validate(form):
        abort(404)
    quick = request.args.get("quick") == "1"
    if quick:
        quick_form(form, partner)
    action = url_for(
        "logbook.create_interaction",
        partner_id=partner.id,
        recommendation_id=id_arg("recommendation_id"),
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
    """Log an interaction, then re-evaluate the partner's recommendations at once
    (the one the log answered, `recommendation_id`, is done)."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    form = NewInteractionForm(now=clock.now(partner.team.timezone), partner=partner)
    quick = request.args.get("quick") == "1" and wants_fragment()
    if quick:  # from the list or Today: the quick form comes back in place
        quick_form(form, partner)
    if not form.validate_on_submit():
        if quick:
            context = dict(partner=partner, form=form, quick=True, interaction=None)
            page = render(
                "logbook/interaction_form.html", "form", action=request.full_path, **context
            )
            return page, 422
        action = url_for("logbook.create_interaction", partner_id=partner.id)
        page = "logbook/interaction_form.html"
        return refused_response(
            partner, "interaction", form, page, quick=False, interaction=None, action=action
        )
    interaction, created, reevaluated = log_interaction(
        partner, current_user, form, id_arg("recommendation_id")
    )
    message = logged_message(interaction, reevaluated, created)
    if quick:
        done = render("logbook/_quick_done.html", partner=partner, message=message)
        return done, {"HX-Trigger": "partner-changed"}
    return logged_response(partner, "interaction", interaction, message, created)


@bp.route("/interactions/<int:interaction_id>/edit", methods=["GET", "POST"])
@login_required
def edit_interaction(interaction_id: int):
    """Correct a wrong entry."""
    interaction = get_owned(Interaction, interaction_id)
    partner = interaction.partner
    form = with_ids(
        InteractionForm(
            obj=interaction,
            now=clock.now(partner.team.timezone),
            partner=partner,
            editing=interaction,
        ),
        f"edit-interaction-{interaction.id}-",
    )
    if form.validate_on_submit():
        save_interaction(interaction, current_user, form)
        return history_response(partner, "interaction", saved=interaction)
    action = url_for(
        "logbook.edit_interaction", interaction_id=interaction.id, history=history_arg()
    )
    page = "logbook/interaction_form.html"
    return edit_form(interaction, page, form, action, quick=False, interaction=interaction)


def delete_entry(item: Interaction | Referral, kind: str):
    """Delete a wrong entry once confirmed (hx-confirm, or the confirmation page without JS)."""
    partner = item.partner
    form = EmptyForm()
    if not form.validate_on_submit():
        return render(
            "logbook/confirm_delete.html", partner=partner, item=item, form=form, what=kind
        )
    if isinstance(item, Interaction):
        unlog_interaction(item, current_user)
    else:
        db.session.delete(item)
        db.session.commit()
        reevaluate(partner, current_user)
    if not wants_fragment():
        flash(f"{kind.capitalize()} deleted.", "success")
    return history_response(partner, kind)


@bp.route("/interactions/<int:interaction_id>/delete", methods=["GET", "POST"])
@login_required
def delete_interaction(interaction_id: int):
    """Delete a wrong interaction, after confirmation."""
    return delete_entry(get_owned(Interaction, interaction_id), "interaction")


@bp.post("/partners/<int:partner_id>/referrals")
@login_required
def create_referral(partner_id: int):
    """Log a referral received from or sent to the partner, then re-evaluate the partner."""
    partner = get_partner(partner_id, current_user, include_archived=False)
    form = NewReferralForm(today=clock.today(partner.team.timezone))
    if not form.validate_on_submit():
        action = url_for("logbook.create_referral", partner_id=partner.id)
        page = "logbook/referral_form.html"
        return refused_response(partner, "referral", form, page, referral=None, action=action)
    referral, created, reevaluated = log_referral(partner, current_user, form)
    message = logged_message(referral, reevaluated, created)
    return logged_response(partner, "referral", referral, message, created)


@bp.route("/referrals/<int:referral_id>/edit", methods=["GET", "POST"])
@login_required
def edit_referral(referral_id: int):
    """Correct a referral."""
    referral = get_owned(Referral, referral_id)
    partner = referral.partner
    form = with_ids(
        ReferralForm(obj=referral, today=clock.today(partner.team.timezone)),
        f"edit-referral-{referral.id}-",
    )
    if form.validate_on_submit():
        save_referral(referral, current_user, form)
        return history_response(partner, "referral", saved=referral)
    action = url_for("logbook.edit_referral", referral_id=referral.id, history=history_arg())
    return edit_form(referral, "logbook/referral_form.html", form, action, referral=referral)


@bp.post("/referrals/<int:referral_id>/status")
@login_required
def referral_status(referral_id: int):
    """Advance a referral's status inline (new → active → under contract → closed)."""
    referral = get_owned(Referral, referral_id)
    form = ReferralStatusForm()
    if not form.validate_on_submit():
        return status_refused()
    save_referral(referral, current_user, status=form.status.data)
    return history_response(referral.partner, "referral")


def status_refused():
    """The status select offers only the vocabulary: anything else did not come from
    a page of ours (the partner page's history, the pipeline's cards)."""
    statuses = ", ".join(label.lower() for label in REFERRAL_STATUSES.values())
    return error_page(
        400,
        "Not a referral status",
        f"A referral's status is one of: {statuses}. Nothing was changed.",
    )


@bp.route("/referrals/<int:referral_id>/delete", methods=["GET", "POST"])
@login_required
def delete_referral(referral_id: int):
    """Delete a wrong referral, after confirmation."""
    return delete_entry(get_owned(Referral, referral_id), "referral")
