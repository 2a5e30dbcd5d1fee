from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..links import local_path
from ..models import User, record_audit
from . import bp, throttle, two_factor
from .credentials import user_of_email, verify_password
from .forms import CodeForm, LoginForm
from .sessions import end_session, start_session

# One answer for every refused sign-in: an unknown email, a wrong password and
# a deactivated account look the same from outside.
NO_MATCH = (
    "That email and password do not match an account. "
    "If your account was deactivated, ask your admin."
)
# Between the password and the second step: this long to type the code.
SECOND_STEP = timedelta(minutes=5)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def wait_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Too many failed sign-ins on this account: wait {minutes} {unit} and try again, "
        'or choose a new password at once with "Forgot your password?" on the login page.'
    )


def failed(user: User | None, email: str, why: str) -> None:
    """Count a failure on the account and audit it; without an account, count
    it on the email all the same (so that the lockout looks alike for both)."""
    if user is None:
        throttle.record_unknown_failure(email)
        db.session.commit()
        return
    throttle.record_failure(user)
    after = {"address": request.remote_addr, "failures": user.failed_logins}
    record_audit(user.team_id, user, "sign_in_failed", f"{user.email}: {why}", after=after)
    db.session.commit()


def signed_in(user: User, remember: bool, how: str):
    """The last step of every sign-in: a new session, audited; then onwards."""
    throttle.record_success(user)
    row = start_session(user, remember=remember)
    record_audit(user.team_id, user, "sign_in", f"{user.email} signed in ({how})",
                 after={"device": row.user_agent, "address": row.ip})  # fmt: skip
    db.session.commit()
    if two_factor.required(user):
        flash("Your team requires two-factor sign-in: set it up to continue.", "info")
        return redirect(url_for("account.two_factor_setup"), code=303)
    target = local_path(request.args.get("next")) or url_for("home.today")
    return redirect(target)


def password_passed(user: User, remember: bool, how: str):
    """The password is right (typed, or just chosen from a link): the second step
    when two-factor sign-in is on, else signed in. `how`: the password's part, for
    the audit trail."""
    if not user.two_factor:
        return signed_in(user, remember, how)
    session["second_step"] = {
        "user": user.id,
        "remember": remember,
        "how": how,
        "until": (clock.utcnow() + SECOND_STEP).isoformat(),
    }
    next_page = local_path(request.args.get("next"))
    return redirect(url_for("auth.second_step", next=next_page), code=303)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in with email and password (and a code, when two-factor is on)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.today"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = user_of_email(email)
        counted = user if user is not None else throttle.of_unknown_email(email)
        if wait := throttle.wait_for(counted):
            # Refused before the password is read: the answer says nothing of it,
            # nor of whether the email has an account (unknown ones are counted too).
            form.password.errors.append(wait_message(wait))
            return render_template("auth/login.html", form=form), 429
        # A hash is checked whether or not the account exists (no timing tell).
        right = verify_password(user, form.password.data)
        if not right or not user.active:
            failed(user, email, "wrong password" if not right else "deactivated account")
            form.password.errors.append(NO_MATCH)
        else:
            return password_passed(user, bool(form.remember.data), "password")
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


def pending_user() -> tuple[User | None, dict]:
    """Who passed the password step in this browser a moment ago, and how
    (`remember`, `how`: see `password_passed`)."""
    pending = session.get("second_step")
    if not isinstance(pending, dict):
        return None, {}
    if clock.utcnow().isoformat() > str(pending.get("until", "")):
        session.pop("second_step", None)
        return None, {}
    user = (
        db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    )
    if user is None or not user.active or not user.two_factor:
        return None, {}
    return user, pending


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def second_step():
    """The second step of a sign-in: the code of the user's authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("home.today"))
    user, pending = pending_user()
    if user is None:
        flash("Sign in again: the time to enter the code ran out.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if wait := throttle.wait_for(user):
            form.code.errors.append(wait_message(wait))
            return render_template("auth/second_step.html", form=form), 429
        how = two_factor.check_code(user, form.code.data)
        if how:
            session.pop("second_step", None)
            first = pending.get("how") or "password"
            return signed_in(user, bool(pending.get("remember")), f"{first} and {how}")
        failed(user, user.email, "wrong two-factor code")
        form.code.errors.append("That code is not right. Codes change every 30 seconds.")
        return render_template("auth/second_step.html", form=form), 422
    return render_template("auth/second_step.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so that no link or image can log anyone out): this
    browser's session ends on the server too, so a copy of its cookie is dead."""
    form = EmptyForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        record_audit(user.team_id, user, "sign_out", f"{user.email} signed out")
        end_session()
        db.session.commit()
        flash("You are logged out.", "info")
        response = redirect(url_for("auth.login"))
        # The browser's HTTP cache goes with the session. Not "storage": it
        # would take the logs other users left waiting on the device too; this
        # user's, and the pages kept for them, go by static/offline.js
        # (docs/ARCHITECTURE.md, "Offline and installable").
        response.headers["Clear-Site-Data"] = '"cache"'
        return response
    return redirect(url_for("auth.login"))
