import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_login import current_user

from rules.catalogue import RULES
from rules.settings import THRESHOLDS, resolve

from .. import clock
from ..access import manager_required
from ..extensions import db
from ..models import RuleSettings
from ..recommendations.lifecycle import current_settings
from ..recommendations.team_settings import extras_of
from ..templating import MANAGERS, nav_item, render
from . import bp, service
from .forms import RevertForm, RuleSettingsForm, form_values

nav_item("rule_settings.index", "Rules", MANAGERS, order=70)

# Versions are database integers: a larger number names no version, and must
# not reach the query (SQLite cannot even bind it).
LAST_POSSIBLE_VERSION = 2**31 - 1


def _page(form: RuleSettingsForm, preview=None, revert_form=None, status: int = 200):
    """The whole Rules page (or its editor for htmx), from one context."""
    version, current = current_settings(current_user.team_id)
    thresholds_by_rule = {
        rule.id: [name for name, t in THRESHOLDS.items() if t.rule == rule.id] for rule in RULES
    }
    return render(
        "rule_settings/index.html",
        block="page",
        form=form,
        rules=RULES,
        thresholds_by_rule=thresholds_by_rule,
        thresholds=THRESHOLDS,
        version=version,
        current=current,
        preview=preview,
        revert_form=revert_form,
        versions=service.versions(current_user.team_id),
    ), status


@bp.get("/")
@manager_required
def index():
    """Every rule with its thresholds, editable, and the versions saved so far."""
    _, current = current_settings(current_user.team_id)
    return _page(RuleSettingsForm(formdata=None, data=current))


@bp.post("/preview")
@manager_required
def preview():
    """What the proposed values would change on the team's partners today; nothing is saved."""
    form = RuleSettingsForm()
    if not form.validate():
        return _page(form, status=422)
    today = clock.today(current_user.team.timezone)
    return _page(form, preview=service.preview(current_user.team_id, form_values(form), today))


@bp.post("/")
@manager_required
def save():
    """Save the thresholds as a new version (audited) and re-evaluate the team."""
    form = RuleSettingsForm()
    if not form.validate():
        return _page(form, status=422)
    row = service.save(current_user.team_id, current_user, form_values(form))
    flash(f"Rule settings saved as version {row.version}.", "success")
    return redirect(url_for("rule_settings.index"), code=303)


@bp.post("/revert")
@manager_required
def revert():
    """Put an earlier version's values back in force, as a new version."""
    form = RevertForm()
    row = None
    if form.validate() and 0 < form.version.data <= LAST_POSSIBLE_VERSION:
        row = db.session.scalar(
            sa.select(RuleSettings).where(
                RuleSettings.team_id == current_user.team_id,
                RuleSettings.version == form.version.data,
            )
        )
    if not form.errors and row is None and form.version.data != 0:
        form.version.errors = [f"There is no version {form.version.data} to go back to."]
    if form.version.errors:
        _, current = current_settings(current_user.team_id)
        return _page(RuleSettingsForm(formdata=None, data=current), revert_form=form, status=422)
    version = form.version.data
    values = resolve(row.values if row else None)
    saved = service.save(
        current_user.team_id,
        current_user,
        values,
        note=f" (back to version {version})",
        extras=extras_of(row.values if row else None),  # its cadences and weights too
    )
    flash(f"Version {version} is back in force as version {saved.version}.", "success")
    return redirect(url_for("rule_settings.index"), code=303)
