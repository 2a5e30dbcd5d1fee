"""The team's own rules on the Rules page: write, preview, backtest, save, switch, delete."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from rules import team

from .. import clock
from ..access import manager_required
from ..extensions import db
from ..models import BacktestRun, TeamRule
from ..templating import render
from . import bp, team_rules
from .team_forms import TeamRuleForm, definition_of, form_data, show_errors


def _editor(form: TeamRuleForm, row: TeamRule | None, status: int = 200, **results):
    return render(
        "rule_settings/team_rule.html",
        block="editor",
        form=form,
        row=row,
        facts=team.FACTS,
        has_errors=status == 422,
        backtest_days=team_rules.BACKTEST_DAYS,
        backtest_within=team_rules.REFERRAL_WITHIN,
        **results,
    ), status


def _back_to_rules():
    """To the Rules page's list of team rules: a redirect, or for htmx (the
    editor swaps itself) HX-Redirect, so that the whole page and its address change."""
    url = url_for("rule_settings.index", _anchor="team-rules")
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": url}
    return redirect(url, code=303)


def _own(rule_id: int) -> TeamRule:
    row = team_rules.get(current_user.team_id, rule_id)
    if row is None:
        abort(404)
    return row


def _submitted(row: TeamRule | None):
    """Check the form; preview and backtest it, or store it as a new version."""
    form = TeamRuleForm()
    definition, errors = definition_of(form)
    if not errors and team_rules.slug_taken(
        current_user.team_id, definition["slug"], row.id if row else None
    ):
        errors["slug"] = "Another of the team's rules has this id; choose another."
    if not form.validate() or errors:
        show_errors(form, errors)
        return _editor(form, row, status=422)
    if request.form.get("do") == "preview":
        today = clock.today(current_user.team.timezone)
        return _editor(
            form,
            row,
            preview=team_rules.preview(current_user.team_id, definition, today),
            backtest=team_rules.start_backtest(
                current_user.team_id, current_user, definition, today
            ),
        )
    created = row is None
    row = row or TeamRule(team_id=current_user.team_id)
    team_rules.apply(row, definition)
    db.session.add(row)
    db.session.flush()
    verb = "added" if created else "changed"
    saved = team_rules.save_version(
        current_user.team_id, current_user, f"team rule {row.slug} {verb}"
    )
    flash(f"Rule “{row.name}” saved; rule settings version {saved.version}.", "success")
    return _back_to_rules()


@bp.get("/team/backtests/<int:run_id>")
@manager_required
def backtest_run(run_id: int):
    """A backtest run by a job: its numbers, or that it is still running."""
    run = db.session.scalar(
        sa.select(BacktestRun).where(
            BacktestRun.id == run_id, BacktestRun.team_id == current_user.team_id
        )
    )
    if run is None:
        abort(404)
    return render(
        "rule_settings/backtest.html",
        block="result",
        backtest=run,
        backtest_days=team_rules.BACKTEST_DAYS,
        backtest_within=team_rules.REFERRAL_WITHIN,
    )


@bp.get("/team/new")
@manager_required
def new_team_rule():
    """An empty editor for a rule of the team's own."""
    return _editor(TeamRuleForm(formdata=None), None)


@bp.post("/team/new")
@manager_required
def create_team_rule():
    """Preview and backtest the rule, or save it (a new version, and a refresh)."""
    return _submitted(None)


# One rule for both methods: with two, a number too large to be an id would
# match the GET's path for a POST and answer 405 rather than 404.
@bp.route("/team/<int:rule_id>", methods=["GET", "POST"])
@manager_required
def edit_team_rule(rule_id: int):
    """The editor, filled with one of the team's rules; sent, the changed rule is
    previewed and backtested, or saved."""
    row = _own(rule_id)
    if request.method == "POST":
        return _submitted(row)
    return _editor(TeamRuleForm(formdata=None, data=form_data(row.definition())), row)


@bp.post("/team/<int:rule_id>/switch")
@manager_required
def switch_team_rule(rule_id: int):
    """Switch the rule on or off: off, its open recommendations close at the refresh."""
    row = _own(rule_id)
    row.enabled = not row.enabled
    state = "on" if row.enabled else "off"
    team_rules.save_version(current_user.team_id, current_user, f"team rule {row.slug} {state}")
    flash(f"Rule “{row.name}” is {state}.", "success")
    return redirect(url_for("rule_settings.index", _anchor="team-rules"), code=303)


@bp.post("/team/<int:rule_id>/delete")
@manager_required
def delete_team_rule(rule_id: int):
    """Delete the rule: its open recommendations close at the refresh."""
    row = _own(rule_id)
    name, slug = row.name, row.slug
    db.session.delete(row)
    db.session.flush()
    team_rules.save_version(current_user.team_id, current_user, f"team rule {slug} deleted")
    flash(f"Rule “{name}” deleted.", "success")
    return redirect(url_for("rule_settings.index", _anchor="team-rules"), code=303)
