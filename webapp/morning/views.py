"""The morning email's pages: the user's preferences, and the unsubscribe link."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import csrf, db
from ..models import User
from . import bp
from .forms import PreferencesForm
from .links import user_of_token
from .message import schedule


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def preferences():
    """The signed-in user's morning email: on or off, which days, from which hour
    (the team's time). Saved, it goes back to the page (303); refused, the
    errors stand beside their fields (422) and nothing is stored."""
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        current_user.morning_email = form.morning_email.data
        current_user.morning_days = sorted(set(form.morning_days.data))
        current_user.morning_hour = form.morning_hour.data
        db.session.commit()
        flash(saved_message(current_user), "success")
        return redirect(url_for("morning.preferences"), 303)
    status = 422 if form.errors else 200
    return render_template(
        "morning/preferences.html", form=form, timezone=current_user.team.timezone
    ), status


def saved_message(user: User) -> str:
    if not user.morning_email:
        return "Morning email turned off."
    return f"Morning email saved: you get it {schedule(user)}."


def user_of_token_or_404(token: str) -> User:
    """A token we did not sign (or whose user is gone) is a plain 404 page."""
    user = user_of_token(token)
    if user is None:
        abort(404)
    return user


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """The email's unsubscribe link: a page with one button. A GET changes
    nothing, because mail scanners open links before people do."""
    user = user_of_token_or_404(token)
    return render_template("morning/unsubscribe.html", user=user, token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    """Turn the morning email off: the page's button, or a mail client's
    one-click POST (RFC 8058). That POST has neither session nor CSRF token, so
    this one view is exempt: the signed token in the URL is the proof."""
    user = user_of_token_or_404(token)
    user.morning_email = False
    db.session.commit()
    return render_template("morning/unsubscribe.html", user=user, token=token, done=True)
