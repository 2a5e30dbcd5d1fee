"""The pages behind the single-use links, and "Forgot your password?".

A link that cannot be used (unknown, used, expired, superseded, cancelled)
gets a page that says why and what to do, never an error: 404 for a token
that was never issued, 410 for one that is no longer valid.
"""

from flask import current_app, flash, redirect, url_for

from ..extensions import db, limiter
from ..templating import render
from . import bp, invitations, resets, sessions
from .forms import AcceptInvitationForm, ForgotPasswordForm, NewPasswordForm
from .passwords import password_problem

FORGOT_ANSWER = (
    "If {email} has an active PartnerPlan account, a link to choose a new password is on its "
    "way. It works once, for 2 hours. Nothing arrived? Check the spam folder, or ask your admin."
)


def refused(message: str, reason: str):
    status = 404 if reason == "unknown" else 410
    return render("auth/link_refused.html", message=message), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept an invitation: choose a password (and correct the name); then logged in."""
    found, reason = invitations.of_token(token)
    if reason:
        return refused(invitations.LINK_REFUSALS[reason], reason)
    form = AcceptInvitationForm(data={"name": found.name})
    if form.validate_on_submit():
        known = (found.email, form.name.data)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        elif (user := invitations.accept(found, form.name.data, form.password.data)) is None:
            # Used meanwhile ("accepted"), or the email got an account ("taken").
            reason = invitations.of_token(token)[1] or "taken"
            return refused(invitations.LINK_REFUSALS[reason], reason)
        else:
            sessions.end_session()  # whoever was logged in on this browser
            sessions.start_session(user, remember=False)
            db.session.commit()
            flash(f"Welcome to {user.team.name}, {user.name}.", "success")
            return redirect(url_for("home.today"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/invitation.html", form=form, invitation=found), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password from a reset link; then log in with it."""
    found, reason = resets.of_token(token)
    if reason:
        return refused(resets.LINK_REFUSALS[reason], reason)
    form = NewPasswordForm()
    if form.validate_on_submit():
        known = (found.user.email, found.user.name)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        elif not resets.complete(found, form.password.data):
            return refused(resets.LINK_REFUSALS["used"], "used")
        else:
            sessions.end_session()
            db.session.commit()
            flash("Your new password is set: log in with it.", "success")
            return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/reset.html", form=form, user=found.user), status


def forgot_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(forgot_limit, methods=["POST"])
def forgot():
    """Ask for a password link by email: the same answer whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data)
        flash(FORGOT_ANSWER.format(email=form.email.data), "info")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/forgot.html", form=form), status
