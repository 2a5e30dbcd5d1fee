"""The pages behind the single-use links, and "Forgot your password?".

A link that cannot be used (unknown, used, expired, superseded, cancelled)
gets a page that says why and what to do, never an error: 404 for a token
that was never issued, 410 for one that is no longer valid.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, session, url_for
from flask.typing import ResponseReturnValue

from ..extensions import db, limiter
from ..templating import render
from . import bp, invitations, resets, sessions
from .forms import AcceptInvitationForm, ForgotPasswordForm, NewPasswordForm
from .passwords import password_problem
from .views import password_passed

FORGOT_ANSWER = (
    "If {email} has an active PartnerPlan account, a link to choose a new password is on its "
    "way. It works once, for 2 hours. Nothing arrived? Check the spam folder, or ask your admin."
)


@dataclass(frozen=True)
class LinkKind:
    """A kind of single-use link: where this browser's session keeps its token, how a
    token is looked up (its row, and why it is refused), what each refusal says, and
    the endpoint of the form the link opens."""

    key: str
    of_token: Callable[[str], tuple[Any, str | None]]
    refusals: dict[str, str]
    form: str


INVITATION = LinkKind("invitation_token", invitations.of_token, invitations.LINK_REFUSALS,
                      "auth.invitation_form")  # fmt: skip
RESET = LinkKind("reset_token", resets.of_token, resets.LINK_REFUSALS, "auth.reset_form")


def refused(kind: LinkKind, reason: str) -> ResponseReturnValue:
    status = 404 if reason == "unknown" else 410
    return render("auth/link_refused.html", message=kind.refusals[reason]), status


def opened(kind: LinkKind, token: str) -> ResponseReturnValue:
    """A link that cannot be used says why. One that can has its token kept in this
    browser's session (signed by the server) and the browser sent on to the form, at
    a URL without it: access and proxy logs keep every path, and a token in one would
    be a password link for whoever reads them."""
    _, reason = kind.of_token(token)
    if reason:
        return refused(kind, reason)
    session[kind.key] = token
    return redirect(url_for(kind.form), code=303)


def kept(kind: LinkKind) -> tuple[Any, ResponseReturnValue | None]:
    """The row of the link this browser opened, and None; or None and the page to
    answer with instead (the link was never opened here, or cannot be used now)."""
    token = session.get(kind.key)
    if not isinstance(token, str):
        flash("Open the link from your email again: this page needs it.", "info")
        return None, redirect(url_for("home.index"))
    found, reason = kind.of_token(token)
    if reason:
        session.pop(kind.key, None)
        return None, refused(kind, reason)
    return found, None


@bp.get("/invitation/<token>")
def invitation(token: str):
    """The invitation link; its form is served at /auth/invitation."""
    return opened(INVITATION, token)


@bp.route("/invitation", methods=["GET", "POST"])
def invitation_form():
    """Accept an invitation: choose a password (and correct the name); then logged in."""
    found, answer = kept(INVITATION)
    if answer:
        return answer
    form = AcceptInvitationForm(data={"name": found.name})
    if form.validate_on_submit():
        known = (found.email, form.name.data)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        elif (user := invitations.accept(found, form.name.data, form.password.data)) is None:
            # Used meanwhile ("accepted"), or the email got an account ("taken").
            _, reason = invitations.of_token(session.pop(INVITATION.key))
            return refused(INVITATION, reason or "taken")
        else:
            session.pop(INVITATION.key, None)
            sessions.end_session()  # whoever was logged in on this browser
            sessions.start_session(user, remember=False)
            db.session.commit()
            flash(f"Welcome to {user.team.name}, {user.name}.", "success")
            return redirect(url_for("home.today"), code=303)
    status = 422 if form.is_submitted() else 200
    return render("auth/invitation.html", form=form, invitation=found), status


@bp.get("/reset/<token>")
def reset(token: str):
    """The password link; its form is served at /auth/reset."""
    return opened(RESET, token)


@bp.route("/reset", methods=["GET", "POST"])
def reset_form():
    """Choose a new password from a reset link; then signed in with it (after the
    code, when two-factor sign-in is on).

    Signed in here, not sent to the login page: the new password clears the
    account's failed sign-ins, and whoever keeps failing on the account cannot
    lock its owner out again before they sign in."""
    found, answer = kept(RESET)
    if answer:
        return answer
    form = NewPasswordForm()
    if form.validate_on_submit():
        known = (found.user.email, found.user.name)
        if problem := password_problem(form.password.data, known=known):
            form.password.errors.append(problem)
        else:
            session.pop(RESET.key, None)  # used up, by this request or one before it
            if not resets.complete(found, form.password.data):
                return refused(RESET, "used")
            sessions.end_session()  # whoever was logged in on this browser
            db.session.commit()
            flash("Your new password is set.", "success")
            return password_passed(found.user, remember=False, how="a new password from a link")
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
