"""Cadences and health weights on the Rules page: edit, preview, save."""

from flask import flash, redirect, url_for
from flask_login import current_user

from rules.cadence import ANY_PROFESSION, CADENCE_TIERS
from rules.health import WEIGHTS
from rules.vocabulary import PROFESSIONS

from .. import clock
from ..access import manager_required
from ..recommendations.team_settings import team_cadences, team_weights
from ..templating import render
from . import bp, cadences
from .cadence_forms import (
    CELLS,
    CadenceSettingsForm,
    field_name,
    form_data,
    form_table,
    form_weights,
)


def _page(form: CadenceSettingsForm, preview=None, status: int = 200):
    """The whole cadences page (or its form for htmx), from one context."""
    return render(
        "rule_settings/cadences.html",
        block="page",
        form=form,
        cells=CELLS,
        tiers=CADENCE_TIERS,
        professions={ANY_PROFESSION: "Any profession", **PROFESSIONS},
        field_name=field_name,
        weights=WEIGHTS,
        preview=preview,
    ), status


@bp.get("/cadences")
@manager_required
def cadences_index():
    """The team's keep-in-touch cadences by tier and profession, and its health weights."""
    team_id = current_user.team_id
    data = form_data(team_cadences(team_id), team_weights(team_id))
    return _page(CadenceSettingsForm(formdata=None, data=data))


@bp.post("/cadences/preview")
@manager_required
def cadences_preview():
    """What the proposed cadences and weights would change today; nothing is saved."""
    form = CadenceSettingsForm()
    if not form.validate():
        return _page(form, status=422)
    today = clock.today(current_user.team.timezone)
    found = cadences.preview(current_user.team_id, form_table(form), form_weights(form), today)
    return _page(form, preview=found)


@bp.post("/cadences")
@manager_required
def cadences_save():
    """Save the cadences and weights as a new version of the rule settings (audited)."""
    form = CadenceSettingsForm()
    if not form.validate():
        return _page(form, status=422)
    row = cadences.save(current_user.team_id, current_user, form_table(form), form_weights(form))
    flash(f"Cadences and health weights saved as version {row.version}.", "success")
    return redirect(url_for("rule_settings.cadences_index"), code=303)
