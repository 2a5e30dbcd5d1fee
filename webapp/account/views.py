"""The security page: where one is signed in, the password, two-factor sign-in."""

from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from .. import clock
from ..auth import throttle, two_factor
from ..auth.credentials import verify_password
from ..auth.passwords import password_problem
from ..auth.sessions import active_sessions, current_session
from ..extensions import db
from ..forms import EmptyForm
from ..models import User, record_audit
from ..push.views import devices_context
from ..query_args import as_id
from ..templating import render
from . import bp
from .forms import ChangePasswordForm, ConfirmCodeForm, EndSessionForm, TurnOffForm


def me() -> User:
    return current_user._get_current_object()


def backed_off(user: User, field) -> bool:
    """Whether the account refuses password checks for now (too many wrong
    ones, here or at sign-in): the same count as the login, so that a borrowed
    session cannot guess the password without limit."""
    if wait := throttle.wait_for(user):
        unit = "minute" if wait == 1 else "minutes"
        field.errors.append(
            f"Too many wrong passwords on this account: wait {wait} {unit} and try again."
        )
        return True
    return False


def wrong_password(user: User, where: str) -> None:
    """Count a wrong password on the account (as a failed sign-in is) and audit it."""
    throttle.record_failure(user)
    after = {"address": request.remote_addr, "failures": user.failed_logins}
    summary = f"{user.email}: wrong password ({where})"
    record_audit(user.team_id, user, "password_check_failed", summary, after=after)
    db.session.commit()


def security_page(password_form=None, off_form=None, status: int = 200):
    """The page, with a form that came back refused (422) when there is one."""
    user = me()
    return render(
        "account/security.html",
        sessions=active_sessions(user),
        this_session=current_session(),
        timezone=user.team.timezone,
        password_form=password_form or ChangePasswordForm(formdata=None),
        off_form=off_form or TurnOffForm(formdata=None),
        form=EmptyForm(),
        user=user,
        codes_left=len(user.recovery_codes or []),
        **devices_context(user),
    ), status


@bp.get("/security")
@login_required
def security():
    """Where the user is signed in (each with sign out), the password, two-factor."""
    return security_page()


@bp.post("/password")
@login_required
def change_password():
    """A new password, the current one given; the user's other sessions end."""
    user = me()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if backed_off(user, form.current):
            return security_page(password_form=form, status=429)
        if not verify_password(user, form.current.data):
            wrong_password(user, "changing it")
            form.current.errors.append("That is not your current password.")
        elif problem := password_problem(form.new.data, known=(user.email, user.name)):
            form.new.errors.append(problem)
        else:
            this = current_session()
            user.set_password(form.new.data, keep_session=this.id if this else None)
            record_audit(user.team_id, user, "password_change",
                         f"{user.email} changed their password; other sessions ended")  # fmt: skip
            db.session.commit()
            flash("Password changed. You are signed out everywhere else.", "success")
            return redirect(url_for("account.security"), code=303)
    return security_page(password_form=form, status=422)


@bp.post("/sessions/end")
@login_required
def end_session():
    """Sign out one of the user's sessions (another device, or this one)."""
    user = me()
    form = EndSessionForm()
    session_id = as_id(form.session_id.data) if form.validate_on_submit() else None
    if session_id is None:
        abort(400)
    row = next((row for row in active_sessions(user) if row.id == session_id), None)
    if row is None:
        abort(404)
    row.revoked_at = clock.utcnow()
    record_audit(user.team_id, user, "session_ended",
                 f"{user.email} signed out {row.user_agent} ({row.ip})",
                 before={"device": row.user_agent, "address": row.ip})  # fmt: skip
    db.session.commit()
    this = current_session()
    if this is not None and row.id == this.id:
        return redirect(url_for("auth.login"), code=303)
    flash(f"{row.user_agent} ({row.ip}) is signed out.", "success")
    return redirect(url_for("account.security"), code=303)


@bp.post("/sessions/end-all")
@login_required
def end_all_sessions():
    """Sign out everywhere, this browser included."""
    user = me()
    if not EmptyForm().validate_on_submit():
        abort(400)
    ended = user.end_sessions()
    record_audit(user.team_id, user, "sessions_ended",
                 f"{user.email} signed out everywhere ({ended} session(s))")  # fmt: skip
    db.session.commit()
    flash("You are signed out everywhere.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Turn two-factor sign-in on: scan the code (or type the secret), then
    confirm with a code from the app; only then is it on."""
    user = me()
    if user.two_factor:
        return redirect(url_for("account.security"))
    if user.totp_pending is None:
        user.totp_pending = two_factor.new_secret()
        db.session.commit()
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        if two_factor.check_totp(user, form.code.data, secret=user.totp_pending):
            user.totp_secret, user.totp_pending = user.totp_pending, None
            codes = two_factor.new_recovery_codes(user)
            record_audit(user.team_id, user, "two_factor_on",
                         f"{user.email} turned two-factor sign-in on")  # fmt: skip
            db.session.commit()
            # Shown once, on the next page, then gone from the cookie.
            session["recovery_codes"] = codes
            return redirect(url_for("account.recovery_codes"), code=303)
        form.code.errors.append("That code is not right. Type the code the app shows now.")
    uri = two_factor.uri(user, user.totp_pending)
    status = 422 if form.is_submitted() else 200
    return render(
        "account/two_factor.html",
        form=form,
        secret=user.totp_pending,
        qr=two_factor.qr_svg(uri),
        required=two_factor.required(user),
    ), status


@bp.get("/two-factor/recovery-codes")
@login_required
def recovery_codes():
    """The recovery codes, once: reloading the page does not show them again."""
    codes = session.pop("recovery_codes", None)
    if not codes:
        return redirect(url_for("account.security"))
    return render("account/recovery_codes.html", codes=codes)


@bp.post("/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    """Ten new recovery codes; the old ones stop working."""
    user = me()
    if not EmptyForm().validate_on_submit() or not user.two_factor:
        return redirect(url_for("account.security"), code=303)
    session["recovery_codes"] = two_factor.new_recovery_codes(user)
    record_audit(user.team_id, user, "two_factor_codes",
                 f"{user.email} made new recovery codes")  # fmt: skip
    db.session.commit()
    return redirect(url_for("account.recovery_codes"), code=303)


@bp.post("/two-factor/off")
@login_required
def two_factor_off():
    """Turn two-factor sign-in off (the password confirms it is the user)."""
    user = me()
    form = TurnOffForm()
    if not form.validate_on_submit():
        return security_page(off_form=form, status=422)
    if user.is_manager and user.team.require_two_factor:
        form.password.errors.append("Your team requires two-factor sign-in for your role.")
        return security_page(off_form=form, status=422)
    if backed_off(user, form.password):
        return security_page(off_form=form, status=429)
    if not verify_password(user, form.password.data):
        wrong_password(user, "turning two-factor off")
        form.password.errors.append("That is not your password.")
        return security_page(off_form=form, status=422)
    throttle.record_success(user)
    if user.two_factor:
        two_factor.turn_off(user)
        record_audit(user.team_id, user, "two_factor_off",
                     f"{user.email} turned two-factor sign-in off")  # fmt: skip
        db.session.commit()
        flash("Two-factor sign-in is off.", "info")
    return redirect(url_for("account.security"), code=303)
