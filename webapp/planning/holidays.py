"""Team days off: the list a team's managers keep (Christmas Eve, the office party).

Booking a series warns when one of its sessions falls on one, and the agenda
marks it (`booking.team_holidays`). A day holds one name; the list shows the
days to come first, the past ones folded away.
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import manager_required
from ..extensions import db
from ..models import Holiday, record_audit
from ..templating import render, wants_fragment
from ..timefmt import format_date
from . import bp
from .forms import HolidayForm, RemoveHolidayForm


def team_list() -> tuple[list[Holiday], list[Holiday]]:
    """The team's days off: (today and after, soonest first; before, latest first)."""
    today = clock.today(current_user.team.timezone)
    rows = db.session.scalars(
        sa.select(Holiday).where(Holiday.team_id == current_user.team_id).order_by(Holiday.day)
    ).all()
    return [h for h in rows if h.day >= today], [h for h in rows if h.day < today][::-1]


def holidays_page(form: HolidayForm, status: int = 200, notice: str | None = None):
    coming, past = team_list()
    context = {
        "form": form,
        "remove_form": RemoveHolidayForm(formdata=None),
        "coming": coming,
        "past": past,
        "notice": notice,
    }
    return render("planning/holidays.html", block="holidays", **context), status


def said(day, name: str) -> str:
    return f"{name} on {format_date(day, style='long')}"


def already_off(form: HolidayForm) -> str | None:
    """The message for a day the team already marks off, or None."""
    name = db.session.scalar(
        sa.select(Holiday.name).where(
            Holiday.team_id == current_user.team_id, Holiday.day == form.day.data
        )
    )
    if name is None:
        return None
    return f"{format_date(form.day.data, style='long')} is already a team day off: {name}."


def done(notice: str):
    """Without JavaScript, back to the list saying what was done; with htmx, the list."""
    if not wants_fragment():
        flash(notice, "success")
        return redirect(url_for("planning.holidays"))
    return holidays_page(HolidayForm(formdata=None), notice=notice)


@bp.route("/holidays", methods=["GET", "POST"])
@manager_required
def holidays():
    """The team's days off: add one (a date and a name); coming ones first."""
    if request.method == "GET":
        return holidays_page(HolidayForm(formdata=None))
    form = HolidayForm()
    if not form.validate_on_submit():
        return holidays_page(form, 422)
    if message := already_off(form):
        form.day.errors.append(message)
        return holidays_page(form, 422)
    holiday = Holiday(team_id=current_user.team_id, day=form.day.data, name=form.name.data)
    db.session.add(holiday)
    record_audit(
        current_user.team_id,
        current_user,
        "holiday",
        f"Team day off added: {said(holiday.day, holiday.name)}",
        after={"day": holiday.day.isoformat(), "name": holiday.name},
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same day added at the same moment by another manager
        db.session.rollback()
        form.day.errors.append(already_off(form) or "That day was just added: reload the page.")
        return holidays_page(form, 422)
    return done(f"Added {said(holiday.day, holiday.name)}.")


@bp.post("/holidays/remove")
@manager_required
def remove_holiday():
    """Take one day off the team's list."""
    form = RemoveHolidayForm()
    if not form.validate_on_submit():  # the page's button always names its day
        abort(400)
    holiday = db.session.scalar(
        sa.select(Holiday).where(
            Holiday.team_id == current_user.team_id, Holiday.day == form.day.data
        )
    )
    if holiday is None:
        return done("That day was not on the list (removed already?).")
    db.session.delete(holiday)
    record_audit(
        current_user.team_id,
        current_user,
        "holiday",
        f"Team day off removed: {said(holiday.day, holiday.name)}",
        before={"day": holiday.day.isoformat(), "name": holiday.name},
    )
    db.session.commit()
    return done(f"Removed {said(holiday.day, holiday.name)}.")
