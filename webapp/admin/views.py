"""Admin: the team's users and settings. Admins only; for anyone else it does not exist."""

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user
from wtforms import SelectChoice

from .. import clock
from ..access import admin_required
from ..book.validation import normal_planning_hours
from ..extensions import db
from ..forms import EmptyForm
from ..jobs.periodic import MAX_ATTEMPTS, PERIODIC
from ..models import JobRun, Lead, Partner, User, record_audit
from ..templating import nav_item, render, wants_fragment
from . import bp
from .forms import PasswordForm, ReassignForm, RoleForm, TeamSettingsForm, UserForm

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
    row_of: User | None = None, error: str | None = None, status: int = 200, where: str = "role"
):
    """The user list; for htmx, only the row of `row_of` (with its error, if any)."""
    rows = user_rows({row_of.id: (where, error)} if row_of and error else None)
    context = {"rows": rows, "form": EmptyForm()}
    if row_of is not None and wants_fragment():
        context["row"] = next(row for row in rows if row["user"].id == row_of.id)
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


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Create a user of this team with an initial password."""
    form = UserForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        taken = db.session.scalar(
            sa.select(User.id).where(sa.func.lower(User.email) == email.lower())
        )
        if taken:
            form.email.errors.append("That email already has an account.")
        else:
            user = User(team_id=current_user.team_id, email=email, name=form.name.data.strip())
            user.role = form.role.data
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            summary = f"Created {email} ({user.role})"
            after = {"email": email, "role": user.role}
            record_audit(current_user.team_id, current_user, "user_created", summary, after=after)
            db.session.commit()
            flash(f"{user.name} can now log in as {email}.", "success")
            return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/new_user.html", form=form), status


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
        return users_page(user, "You cannot deactivate yourself.", 422, where="status")
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


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def set_password(user_id: int):
    """Set a user's password (imported users have none until an admin sets one)."""
    user = team_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        record_audit(user.team_id, current_user, "password_set", f"Password set for {user.email}",
                     after={"email": user.email})  # fmt: skip
        db.session.commit()
        flash(f"New password set for {user.name}.", "success")
        return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("admin/password.html", form=form, user=user), status


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
        local=lambda stamp: clock.local(stamp, team.timezone) if stamp else None,
        max_attempts=MAX_ATTEMPTS,
    )
