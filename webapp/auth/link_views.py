"""The pages behind the single-use links, and "Forgot your password?".

A link that cannot be used (unknown, used, expired, superseded, cancelled)
gets a page that says why and what to do, never an error: 404 for a token
that was never issued, 410 for one that is no longer valid.
"""

from flask import current_app, flash, redirect, session, url_for

from ..extensions import db, limiter
from ..templating import render
from . import bp, invitations, resets, sessions
from .forms import AcceptInvitationForm, ForgotPasswordForm, NewPasswordForm
from .passwords import password_problem

# Where the session keeps the token of the link being used.
INVITATION_KEY, RESET_KEY = "invitation_token", "reset_token"

FORGOT_ANSWER = (
    "If {email} has an active PartnerPlan account, a link to choose a new password is on its "
    "way. It works once, for 2 hours. Nothing arrived? Check the spam folder, or ask your admin."
)


def refused(message: str, reason: str):
    status = 404 if reason == "unknown" else 410
    return render("auth/link_refused.html", message=message), status


def keep_and_move_on(key: str, token: str, endpoint: str):
    """The link's token goes into this browser's session (signed by the server)
    and the browser on to a URL without it: access and proxy logs keep every
    path, and a token in one would be a password link for whoever reads them."""
    session[key] = token
    return redirect(url_for(endpoint), code=303)


def kept_token(key: str) -> str | None:
    token = session.get(key)
    return token if isinstance(token, str) else None


def open_the_link_again():
    flash("Open the link from your email again: this page needs it.", "info")
    return redirect(url_for("home.index"))


@bp.get("/invitation/<token>")
def invitation(token: str):
    """The invitation link: a link that cannot be used says why; one that can is
    kept in the session, and the form is served at /auth/invitation."""
    _, reason = invitations.of_token(token)
    if reason:
        return refused(invitations.LINK_REFUSALS[reason], reason)
    return keep_and_move_on(INVITATION_KEY, token, "auth.invitation_form")


@bp.route("/invitation", methods=["GET", "POST"])
def invitation_form():
    """Accept an invitation: choose a password (and correct the name); then logged in."""
    token = kept_token(INVITATION_KEY)
    if token is None:
        return open_the_link_again()
    found, reason = invitations.of_token(token)
    if reason:
        session.pop(INVITATION_KEY, None)
        return refused(invitations.LINK_REFUSALS[reason], reason)
    form = AcceptInvitationForm(data={"name": found.name})
    if form.validate_on_submit():
        known = (found.email, form.name.data)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        elif (user := invitations.accept(found, form.name.data, form.password.data)) is None:
            # Used meanwhile ("accepted"), or the email got an account ("taken").
            session.pop(INVITATION_KEY, None)
            reason = invitations.of_token(token)[1] or "taken"
            return refused(invitations.LINK_REFUSALS[reason], reason)
        else:
            session.pop(INVITATION_KEY, None)
            sessions.end_session()  # whoever was logged in on this browser
            sessions.start_session(user, remember=False)
            db.session.commit()
            flash(f"Welcome to {user.team.name}, {user.name}.", "success")
            return redirect(url_for("home.today"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/invitation.html", form=form, invitation=found), status


@bp.get("/reset/<token>")
def reset(token: str):
    """The password link: a link that cannot be used says why; one that can is
    kept in the session, and the form is served at /auth/reset."""
    _, reason = resets.of_token(token)
    if reason:
        return refused(resets.LINK_REFUSALS[reason], reason)
    return keep_and_move_on(RESET_KEY, token, "auth.reset_form")


@bp.route("/reset", methods=["GET", "POST"])
def reset_form():
    """Choose a new password from a reset link; then log in with it."""
    token = kept_token(RESET_KEY)
    if token is None:
        return open_the_link_again()
    found, reason = resets.of_token(token)
    if reason:
        session.pop(RESET_KEY, None)
        return refused(resets.LINK_REFUSALS[reason], reason)
    form = NewPasswordForm()
    if form.validate_on_submit():
        known = (found.user.email, found.user.name)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        elif not resets.complete(found, form.password.data):
            session.pop(RESET_KEY, None)
            return refused(resets.LINK_REFUSALS["used"], "used")
        else:
            session.pop(RESET_KEY, None)
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
