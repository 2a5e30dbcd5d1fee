"""Admin: the team's users and settings. Admins only; for anyone else it does not exist."""

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..access import admin_required
from ..auth import invitations, links, resets
from ..auth.links import Sent
from ..book.validation import normal_planning_hours
from ..extensions import db
from ..forms import EmptyForm
from ..jobs.periodic import MAX_ATTEMPTS, PERIODIC
from ..models import Invitation, JobRun, Lead, Partner, User, record_audit
from ..templating import nav_item, render, wants_fragment
from . import bp
from .forms import InviteForm, ReassignForm, RoleForm, TeamSettingsForm

nav_item("admin.users", "Admin", frozenset({"admin"}), order=90)


def team_user(user_id: int) -> User:
    """A user of the admin's own team; 404 for anyone else's."""
    user = db.session.scalar(
        sa.select(User).where(User.id == user_id, User.team_id == current_user.team_id)
    )
    if user is None:
        abort(404)
    return user


def user_rows(errors: dict[int, tuple[str, str]] | None = None) -> list[dict]:
    """One row per user of the team: the user, its role form, its partner count."""
    counts = dict(
        db.session.execute(
            sa.select(Partner.owner_id, sa.func.count())
            .where(Partner.team_id == current_user.team_id)
            .group_by(Partner.owner_id)
        ).all()
    )
    users = db.session.scalars(
        sa.select(User).where(User.team_id == current_user.team_id).order_by(User.name)
    )
    return [
        {
            "user": user,
            "role_form": RoleForm(prefix=f"u{user.id}", role=user.role, formdata=None),
            "partners": counts.get(user.id, 0),
            # (where, message): beside the role select, or beside the status button.
            "error": (errors or {}).get(user.id, (None, None)),
        }
        for user in users
    ]


def users_page(
    changed: User | None = None,
    error: str | None = None,
    status: int = 200,
    error_beside: str = "role",
):
    """The user list; for htmx, only the row of the user just `changed`, with its
    `error` (if any) beside the role select or the status button (`error_beside`)."""
    rows = user_rows({changed.id: (error_beside, error)} if changed and error else None)
    context = {
        "rows": rows,
        "form": EmptyForm(),
        "invitations": invitations.pending(current_user.team_id),
        "expired": links.expired,
    }
    if changed is not None and wants_fragment():
        context["row"] = next(row for row in rows if row["user"].id == changed.id)
        return render("admin/users.html", block="user_row", **context), status
    if error:
        flash(error, "error")
    return render("admin/users.html", **context), status


def done(user: User, message: str):
    """After a change to one user: the fresh row for htmx, the list otherwise."""
    if wants_fragment():
        return users_page(user)
    flash(message, "success")
    return redirect(url_for("admin.users"), code=303)


@bp.get("/")
@admin_required
def users():
    """Everyone in the team, with their role, status and number of partners."""
    return users_page()


@bp.route("/invitations/new", methods=["GET", "POST"])
@admin_required
def invite():
    """Invite someone to the team by email: they choose their own password from the link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            sent = invitations.invite(
                current_user.team, form.email.data, form.name.data, form.role.data, current_user
            )
        except invitations.InvitationRefused as refused:
            form.email.errors.append(str(refused))
        else:
            flash(passed_on(sent, form.name.data, "invitation"), "success")
            return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/invite.html", form=form), status


def passed_on(sent: Sent, name: str, what: str) -> str:
    """What the admin is told about a new link: emailed, or theirs to pass on."""
    if sent.emailed:
        return f"The {what} is on its way to {name} by email."
    return (
        f"No mail server is configured, so nothing was emailed: give {name} this link "
        f"yourself (it works once): {sent.link}"
    )


def team_invitation(invitation_id: int) -> Invitation:
    """A pending invitation of the admin's own team; 404 for anyone else's."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.team_id == current_user.team_id,
            Invitation.status == "pending",
        )
    )
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/invitations/<int:invitation_id>/resend")
@admin_required
def resend_invitation(invitation_id: int):
    """Send a new link for a pending invitation (the earlier link stops working)."""
    invitation = team_invitation(invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sent = invitations.resend(invitation, current_user)
    flash(passed_on(sent, invitation.name, "new invitation"), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/invitations/<int:invitation_id>/cancel")
@admin_required
def cancel_invitation(invitation_id: int):
    """Cancel a pending invitation: its link stops working."""
    invitation = team_invitation(invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitations.cancel(invitation, current_user)
    flash(f"The invitation of {invitation.email} is cancelled.", "success")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Change a user's role (not one's own: an admin must not lock the team out)."""
    user = team_user(user_id)
    form = RoleForm(prefix=f"u{user.id}")
    if not form.validate_on_submit():
        return users_page(user, "Choose agent, manager or admin.", 422)
    if user.id == current_user.id:
        return users_page(user, "You cannot change your own role; ask another admin.", 422)
    before, user.role = user.role, form.role.data
    if before != user.role:
        record_audit(user.team_id, current_user, "role_change",
                     f"{user.email}: {before} -> {user.role}",
                     before={"email": user.email, "role": before},
                     after={"email": user.email, "role": user.role})  # fmt: skip
        db.session.commit()
    return done(user, f"{user.name} is now {user.role}.")


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    """Deactivate a user: they can no longer log in; their partners stay theirs."""
    return set_active(team_user(user_id), False)


@bp.post("/users/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int):
    """Let a deactivated user log in again."""
    return set_active(team_user(user_id), True)


def set_active(user: User, active: bool):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        return users_page(user, "You cannot deactivate yourself.", 422, error_beside="status")
    if user.active != active:
        kind = "reactivate" if active else "deactivate"
        record_audit(user.team_id, current_user, kind, f"{user.email}: {kind}d",
                     before={"email": user.email, "active": user.active},
                     after={"email": user.email, "active": active})  # fmt: skip
        user.active = active
        if not active:  # signed out everywhere, at once
            user.end_sessions()
        db.session.commit()
    return done(user, f"{user.name} is {'active' if active else 'deactivated'}.")


@bp.route("/users/<int:user_id>/reassign", methods=["GET", "POST"])
@admin_required
def reassign(user_id: int):
    """Give all of a user's partners (and their leads) to another active user of the team."""
    user = team_user(user_id)
    form = ReassignForm()
    targets = db.session.scalars(
        sa.select(User)
        .where(User.team_id == user.team_id, User.active.is_(True), User.id != user.id)
        .order_by(User.name)
    )
    form.to_user.choices = [
        SelectChoice(target.id, f"{target.name} ({target.role})") for target in targets
    ]
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Partner).where(Partner.owner_id == user.id)
    )
    if form.validate_on_submit():
        target = team_user(form.to_user.data)
        moved = move_partners(user, target)
        flash(f"{moved} partner(s) of {user.name} now belong to {target.name}.", "success")
        return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/reassign.html", form=form, user=user, count=count), status


def move_partners(user: User, target: User) -> int:
    partner_ids = list(db.session.scalars(sa.select(Partner.id).where(Partner.owner_id == user.id)))
    if partner_ids:
        db.session.execute(
            sa.update(Partner).where(Partner.id.in_(partner_ids)).values(owner_id=target.id)
        )
        db.session.execute(
            sa.update(Lead)
            .where(Lead.partner_id.in_(partner_ids), Lead.owner_id == user.id)
            .values(owner_id=target.id)
        )
    record_audit(user.team_id, current_user, "reassign",
                 f"{len(partner_ids)} partner(s) from {user.email} to {target.email}",
                 before={"owner": user.email, "partners": partner_ids},
                 after={"owner": target.email, "partners": partner_ids})  # fmt: skip
    db.session.commit()
    return len(partner_ids)


@bp.post("/users/<int:user_id>/password-link")
@admin_required
def send_password_link(user_id: int):
    """Send a user a link to choose their password: an invitation when they have none
    yet (imported), a password reset otherwise. The admin never sees a password."""
    user = team_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not user.active:
        return users_page(user, "Reactivate this user first.", 422, error_beside="status")
    if user.password_hash:
        sent, what = resets.send_reset(user, current_user), "password reset link"
    else:
        sent, what = invitations.invite_user(user, current_user), "invitation"
    flash(passed_on(sent, user.name, what), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Team settings: commission per side, time zone, planning-session hours."""
    team = current_user.team
    form = TeamSettingsForm(obj=team)
    if form.validate_on_submit():
        before = team_settings(team)
        team.commission_per_side = form.commission_per_side.data
        team.timezone = form.timezone.data
        team.currency = form.currency.data
        team.value_limit = form.value_limit.data
        team.planning_hours = normal_planning_hours(form.planning_hours.data)
        after = team_settings(team)
        if before != after:
            record_audit(team.id, current_user, "settings", "Team settings changed",
                         before=before, after=after)  # fmt: skip
        if team.require_two_factor != form.require_two_factor.data:
            team.require_two_factor = form.require_two_factor.data
            required = "required" if team.require_two_factor else "no longer required"
            record_audit(team.id, current_user, "two_factor_policy",
                         f"Two-factor sign-in {required} of managers and admins",
                         before={"require_two_factor": not team.require_two_factor},
                         after={"require_two_factor": team.require_two_factor})  # fmt: skip
        db.session.commit()
        flash("Team settings saved.", "success")
        return redirect(url_for("admin.settings"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/settings.html", form=form, team=team), status


def team_settings(team) -> dict:
    commission = Decimal(team.commission_per_side).quantize(Decimal("0.01"))
    return {
        "commission_per_side": str(commission),
        "timezone": team.timezone,
        "currency": team.currency,
        "value_limit": None
        if team.value_limit is None
        else str(Decimal(team.value_limit).quantize(Decimal("0.01"))),
        "planning_hours": team.planning_hours,
    }


RECENT_RUNS = 50


@bp.get("/jobs")
@admin_required
def jobs():
    """The team's background jobs: what runs when, recent runs, and failures, in team time."""
    team = current_user.team
    runs = sa.select(JobRun).where(JobRun.team_id == team.id)
    newest = (JobRun.started_at.desc(), JobRun.id.desc())
    return render(
        "admin/jobs.html",
        team=team,
        schedule=sorted(PERIODIC.values(), key=lambda job: (job.at, job.name)),
        failures=list(
            db.session.scalars(runs.where(JobRun.status == "failed").order_by(*newest).limit(10))
        ),
        runs=list(db.session.scalars(runs.order_by(*newest).limit(RECENT_RUNS))),
        max_attempts=MAX_ATTEMPTS,
    )
