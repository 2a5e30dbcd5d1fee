"""Planning views: settings and feed, the partner panel, sessions, leads.

Every form is a plain POST that redirects when JavaScript is off; htmx
requests get the changed block of the same template back (422 when the
input was refused, with the message beside the field).
"""

import secrets
from datetime import date

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from rules.vocabulary import LEAD_STATUSES, PLANNING_QUESTIONS

from .. import clock
from ..access import get_partner
from ..extensions import db
from ..forms import EmptyForm
from ..models import Lead, PlanningWindow, User
from ..partners.queries import team_agents
from ..query_args import as_id
from ..recommendations.reevaluation import reevaluate
from ..templating import nav_item, render, wants_fragment
from ..timefmt import format_date, format_datetime
from ..validation import SLOT_MESSAGE
from . import agenda as agenda_data
from . import booking, bp, invitations
from .forms import (
    ANSWER_MAX,
    HORIZON,
    LOST_LEADS_QUESTIONS,
    AnswersForm,
    BookForm,
    CommitmentForm,
    LeadForm,
    LeadStatusForm,
    MoveForm,
    PlanningSettingsForm,
    StatusForm,
)
from .panel import partner_page_url, render_panel

nav_item("planning.leads", "Leads", order=40)

SLOT_HELD = "Another session now holds this time: move it first."
nav_item("planning.agenda", "Planning", order=45)

# --- the agenda ------------------------------------------------------------------------


def agenda_filter(agents: list[User]) -> tuple[int | None, str]:
    """Whose calendar a manager's agenda shows, from `?agent=`: (an agent's id, or None
    for everyone's; the value chosen). Their own unless they chose; an agent, always theirs."""
    chosen = request.args.get("agent", "")
    if chosen == "all" and agents:
        return None, "all"
    agent_id = as_id(chosen)
    if agent_id in {agent.id for agent in agents}:
        return agent_id, str(agent_id)
    return current_user.id, ""


@bp.get("/")
@login_required
def agenda():
    """The sessions of this week and next, day by day, each with the partner's phone
    and a way into its questions; a manager may look at an agent's or everyone's."""
    agents = [a for a in team_agents(current_user) if a.id != current_user.id]
    agents = agents if current_user.is_manager else []
    agent_id, chosen = agenda_filter(agents)
    whose = db.session.get(User, agent_id) if agent_id is not None else None
    zone = booking.agent_timezone(whose) if whose else current_user.team.timezone
    today = clock.today(zone)
    return render(
        "planning/agenda.html",
        block="agenda",
        weeks=agenda_data.agenda_weeks(current_user, today, agent_id),
        today=today,
        timezone=zone,
        agents=agents,
        chosen=chosen,
        whose=whose,
    )


# --- settings and the private calendar feed ----------------------------------------


def settings_form_from(user: User) -> PlanningSettingsForm:
    rows = db.session.scalars(
        sa.select(PlanningWindow)
        .where(PlanningWindow.user_id == user.id)
        .order_by(PlanningWindow.weekday, PlanningWindow.starts)
    ).all()
    windows = [
        {
            "weekday": str(r.weekday),
            "starts": booking.slot_math.parse_time(r.starts),
            "ends": booking.slot_math.parse_time(r.ends),
        }
        for r in rows
    ]
    return PlanningSettingsForm(
        formdata=None,
        data={
            "windows": [*windows, {}],
            "session_minutes": user.session_minutes,
            "timezone": user.timezone or "",
        },
    )


def save_settings(user: User, form: PlanningSettingsForm) -> None:
    """Replace the agent's windows with the rows that name a day."""
    db.session.execute(sa.delete(PlanningWindow).where(PlanningWindow.user_id == user.id))
    for row in form.windows.data:
        if row["weekday"]:
            db.session.add(
                PlanningWindow(
                    user_id=user.id,
                    weekday=int(row["weekday"]),
                    starts=f"{row['starts']:%H:%M}",
                    ends=f"{row['ends']:%H:%M}",
                )
            )
    user.session_minutes = form.session_minutes.data
    user.timezone = form.timezone.data
    db.session.commit()


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The agent's weekly windows, session length, time zone and calendar feed."""
    form = PlanningSettingsForm() if request.method == "POST" else settings_form_from(current_user)
    status, notice = 200, None
    if form.validate_on_submit():
        save_settings(current_user, form)
        if not wants_fragment():
            flash("Planning settings saved.", "success")
            return redirect(url_for("planning.settings"))
        form, notice = settings_form_from(current_user), "Planning settings saved."
    elif request.method == "POST":
        status = 422
    context = settings_context(form, notice)
    return render("planning/settings.html", block="settings_form", **context), status


def settings_context(form: PlanningSettingsForm, notice: str | None) -> dict:
    return {
        "form": form,
        "notice": notice,
        "windows": booking.agent_windows(current_user),
        "own_windows": any(row.weekday.data for row in form.windows),
        "team_hours": current_user.team.planning_hours,
        "team_timezone": current_user.team.timezone,
        "feed_url": url_for("planning.feed", token=current_user.calendar_token, _external=True),
        "token_form": EmptyForm(),
    }


@bp.post("/settings/calendar-token")
@login_required
def regenerate_token():
    """A new secret feed address; the old one stops working at once."""
    if EmptyForm().validate_on_submit():
        current_user.calendar_token = secrets.token_urlsafe(32)
        db.session.commit()
        flash(
            "New calendar feed address made: subscribe to it again; the old one no longer works.",
            "success",
        )
    return redirect(url_for("planning.settings") + "#feed")


@bp.get("/feed/<token>.ics")
def feed(token: str):
    """The agent's private feed of booked sessions (no login; the token is the key)."""
    agent = db.session.scalar(
        sa.select(User).where(User.calendar_token == token, User.active.is_(True))
    )
    if agent is None or not secrets.compare_digest(agent.calendar_token, token):
        abort(404)
    calendar = invitations.feed_calendar(agent, booking.agent_feed_sessions(agent))
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- the partner panel: commitment and booking ---------------------------------------


def panel_response(partner, status: int = 200, **options):
    panel = render_panel(partner, current_user, **options)
    return render("planning/partner.html", block="panel", panel=panel, partner=partner), status


@bp.get("/partners/<int:partner_id>")
@login_required
def partner(partner_id: int):
    """Planning with one partner: the partner-page panel as a page of its own."""
    return panel_response(get_partner(partner_id, current_user))


@bp.post("/partners/<int:partner_id>/commitment")
@login_required
def commit(partner_id: int):
    """'Partner committed': made today, first referral promised by a date."""
    partner = get_partner(partner_id, current_user)
    today = clock.today(booking.agent_timezone(partner.owner))
    form = CommitmentForm(today=today, prefix="commit")
    if not form.validate_on_submit():
        return panel_response(partner, 422, commit_form=form)
    booking.record_commitment(partner, current_user, today, form.first_referral_by.data)
    reevaluate(partner, current_user)
    notice = f"Commitment recorded: first referral by {format_date(form.first_referral_by.data)}."
    if not wants_fragment():
        flash(notice, "success")
        return redirect(partner_page_url(partner))
    return panel_response(partner, notice=notice)


def week_arg() -> date | None:
    """`?week=YYYY-MM-DD`: the booking week asked for (the panel keeps to the four it offers)."""
    try:
        return date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return None


@bp.get("/partners/<int:partner_id>/slots")
@login_required
def slots(partner_id: int):
    """The free slots of the agent's windows in a booking week: a week from today
    unless another of the four is asked for."""
    return panel_response(get_partner(partner_id, current_user), show_slots=True, week=week_arg())


@bp.post("/partners/<int:partner_id>/series")
@login_required
def book(partner_id: int):
    """Book 12 weekly sessions from the chosen slot, then send or offer the invitation.

    A series that meets a team day off is not booked at once: the panel says which
    sessions fall on which days off and asks whether to leave them out or keep them.
    """
    partner = get_partner(partner_id, current_user)
    agent = partner.owner
    form = BookForm(weeks=booking.booking_weeks(agent), starts=booking.window_starts(agent))
    if not form.validate_on_submit():
        error = next(iter(form.starts_at.errors or form.holidays.errors), SLOT_MESSAGE)
        return panel_response(partner, 422, show_slots=True, book_error=error)
    first = form.first
    week = booking.slot_math.booking_week_of(first.date(), booking.agent_today(agent))
    clashes = booking.holiday_clashes(partner.team_id, first)
    if clashes and not form.holidays.data:
        return panel_response(partner, show_slots=True, week=week, book_form=form, clashes=clashes)
    leave_out = frozenset(
        clash.starts_at.date() for clash in clashes if form.holidays.data == "leave_out"
    )
    try:
        sessions, created = booking.book_series(
            partner, first, current_user, form.idempotency_key.data, leave_out
        )
    except booking.SlotTaken:
        return panel_response(
            partner,
            422,
            show_slots=True,
            week=week,
            book_error=(
                f"{format_datetime(first, style='day')} was just booked (or collides in one "
                "of the 12 weeks): pick another slot."
            ),
        )
    if created:
        reevaluate(partner, current_user)
        delivery = invitations.send_invitation(sessions)
    else:
        delivery = invitations.Delivery(
            True, "They were already booked: nothing was booked or sent twice."
        )
    if not wants_fragment():
        left_out = f" {len(leave_out)} on team days off left out." if leave_out else ""
        flash(
            f"12 weekly sessions booked from {format_datetime(first, style='long')}.{left_out} "
            f"{delivery.message}",
            "success",
        )
        return redirect(partner_page_url(partner))
    return panel_response(partner, booked=sessions, delivery=delivery)


@bp.get("/partners/<int:partner_id>/sessions")
@login_required
def partner_sessions(partner_id: int):
    """Every planning session with the partner, by series."""
    partner = get_partner(partner_id, current_user)
    panel = render_panel(partner, current_user)
    return render("planning/sessions.html", partner=partner, panel=panel)


@bp.get("/sessions/<int:planning_session_id>/series.ics")
@login_required
def series_ics(planning_session_id: int):
    """The series' invitation as a file: one weekly event, 12 occurrences."""
    session = booking.get_session(planning_session_id, current_user)
    calendar = invitations.series_calendar(booking.series_sessions(session))
    return Response(
        calendar.to_ical(),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{invitations.series_filename(session)}"'
        },
    )


@bp.post("/sessions/<int:planning_session_id>/invitation")
@login_required
def email_invitation(planning_session_id: int):
    """Send the series' invitation again (after an email address was added)."""
    session = booking.get_session(planning_session_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    delivery = invitations.send_invitation(booking.series_sessions(session))
    if not wants_fragment():
        flash(delivery.message, "success" if delivery.sent else "info")
        return redirect(partner_page_url(session.partner))
    return panel_response(session.partner, delivery=delivery)


# --- one session: answers, status, move, leads ----------------------------------------


def session_context(session, **extra) -> dict:
    series = booking.series_sessions(session)
    place = series.index(session)
    context = {
        "previous": series[place - 1] if place > 0 else None,
        "following": series[place + 1] if place + 1 < len(series) else None,
        "number": (place + 1, len(series)),
        "session": session,
        "partner": session.partner,
        "questions": PLANNING_QUESTIONS,
        "lost_leads": LOST_LEADS_QUESTIONS,
        "answers_form": AnswersForm(formdata=None, data=session.answers or {}),
        "status_form": StatusForm(formdata=None, status=session.status),
        "move_form": MoveForm(formdata=None, starts_at=session.starts_at),
        "lead_form": LeadForm(formdata=None),
        "leads": [
            lead
            for lead in booking.partner_leads(session.partner)
            if lead.planning_session_id == session.id
        ],
        "timezone": booking.agent_timezone(booking.session_agent(session)),
        "series_url": url_for("planning.partner_sessions", partner_id=session.partner_id),
        "notice": None,
        "saved_at": None,
    }
    context.update(extra)
    return context


@bp.get("/sessions/<int:planning_session_id>")
@login_required
def session(planning_session_id: int):
    """One session: the five questions, its status, moving it, the leads it gave."""
    return render(
        "planning/session.html",
        **session_context(booking.get_session(planning_session_id, current_user)),
    )


@bp.post("/sessions/<int:planning_session_id>/answers")
@login_required
def save_answers(planning_session_id: int):
    """Keep the answers posted (autosave sends one, the Save button all); others stay."""
    session = booking.get_session(planning_session_id, current_user, for_update=True)
    form = AnswersForm()
    posted = [key for key in PLANNING_QUESTIONS if key in request.form]
    if not form.validate_on_submit():
        db.session.rollback()
        return render(
            "planning/session.html",
            block="save_state",
            **session_context(
                session,
                answers_form=form,
                notice=f"Not saved: at most {ANSWER_MAX} characters per answer.",
            ),
        ), 422
    booking.save_answers(session, form, posted)
    if not wants_fragment():
        flash("Answers saved.", "success")
        return redirect(url_for("planning.session", planning_session_id=session.id))
    return render(
        "planning/session.html",
        block="save_state",
        **session_context(
            session, saved_at=clock.now(booking.agent_timezone(booking.session_agent(session)))
        ),
    )


@bp.post("/sessions/<int:planning_session_id>/status")
@login_required
def set_status(planning_session_id: int):
    """Held, skipped, cancelled (or booked again); a held session is a live contact."""
    session = booking.get_session(planning_session_id, current_user)
    form = StatusForm()
    if not form.validate_on_submit():
        return session_head(session, 422, status_form=form)
    try:
        booking.set_status(session, form.status.data)
    except booking.SlotTaken:
        form.status.errors.append(SLOT_HELD)
        return session_head(session, 422, status_form=form)
    reevaluate(session.partner, current_user)
    return session_head(session, notice=f"Marked {session.status}.")


@bp.post("/sessions/<int:planning_session_id>/move")
@login_required
def move(planning_session_id: int):
    """Move this one occurrence to another date and time (never onto a booked one)."""
    session = booking.get_session(planning_session_id, current_user)
    form = MoveForm()
    if not form.validate_on_submit():
        return session_head(session, 422, move_form=form)
    today = clock.today(booking.agent_timezone(booking.session_agent(session)))
    if form.starts_at.data.date() < today:
        form.starts_at.errors.append("That is in the past: pick a time from today on.")
        return session_head(session, 422, move_form=form)
    if form.starts_at.data.date() > today + HORIZON:
        form.starts_at.errors.append(
            "That is more than a year away: pick a time within the next year."
        )
        return session_head(session, 422, move_form=form)
    try:
        booking.move_session(session, form.starts_at.data)
    except booking.SlotTaken:
        form.starts_at.errors.append("That time collides with another planning session.")
        return session_head(session, 422, move_form=form)
    moved_to = format_datetime(session.starts_at, style="long")
    return session_head(session, notice=f"Moved to {moved_to}.")


def session_head(session, status: int = 200, notice: str | None = None, **forms):
    """The session's heading block (when, status, move) after a change."""
    if status == 200 and not wants_fragment():
        flash(notice, "success")
        return redirect(url_for("planning.session", planning_session_id=session.id))
    context = session_context(session, notice=notice, **forms)
    return render("planning/session.html", block="session_head", **context), status


@bp.post("/sessions/<int:planning_session_id>/leads")
@login_required
def add_lead(planning_session_id: int):
    """'Add as lead': a name the partner gave under a lost-leads question."""
    session = booking.get_session(planning_session_id, current_user)
    form = LeadForm()
    if not form.validate_on_submit():
        return render(
            "planning/session.html",
            block="session_leads",
            **session_context(session, lead_form=form),
        ), 422
    lead, created = booking.add_lead(session, form)
    notice = f"{lead.name} {'added' if created else 'was already added'} as a lead."
    if not wants_fragment():
        flash(notice, "success")
        return redirect(url_for("planning.session", planning_session_id=session.id) + "#leads")
    return render(
        "planning/session.html",
        block="session_leads",
        **session_context(session, notice=notice),
    )


# --- leads ------------------------------------------------------------------------------


@bp.get("/leads")
@login_required
def leads():
    """Leads from the lost-leads questions, for the agent's partners (a manager's team)."""
    status = request.args.get("status", "")
    query = booking.visible_leads(current_user).order_by(Lead.created_at.desc(), Lead.id.desc())
    if status in LEAD_STATUSES:
        query = query.where(Lead.status == status)
    rows = db.session.scalars(query.limit(500)).all()
    return render(
        "planning/leads.html",
        leads=rows,
        status=status,
        statuses=LEAD_STATUSES,
        questions=PLANNING_QUESTIONS,
        lead=None,
        saved=False,
    )


@bp.post("/leads/<int:lead_id>/status")
@login_required
def lead_status(lead_id: int):
    """Change a lead's status inline (or with the small button when JavaScript is off)."""
    lead = booking.get_lead(lead_id, current_user)
    form = LeadStatusForm()
    if not form.validate_on_submit():
        abort(400)
    lead.status = form.status.data
    db.session.commit()
    if not wants_fragment():
        flash(f"{lead.name}: {LEAD_STATUSES[lead.status]}.", "success")
        back = request.form.get("back")
        return redirect(
            partner_page_url(lead.partner) if back == "partner" else url_for("planning.leads")
        )
    return render(
        "planning/leads.html",
        block="lead_status",
        leads=[lead],
        lead=lead,
        status="",
        statuses=LEAD_STATUSES,
        questions=PLANNING_QUESTIONS,
        saved=True,
    )
