from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import User
from . import bp
from .forms import LoginForm


def safe_next(target: str | None) -> str | None:
    """Only a local path may follow a login: no open redirect through `next`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in with email and password; deactivated users are refused."""
    if current_user.is_authenticated:
        return redirect(url_for("home.today"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("That email and password do not match an account.")
        elif not user.active:
            form.email.errors.append("This account has been deactivated. Ask your admin.")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("home.today"))
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST, so that no link or image can log anyone out)."""
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
