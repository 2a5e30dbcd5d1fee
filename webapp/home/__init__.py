"""Today: the agent's home page."""

from flask import Blueprint, redirect, url_for
from flask_login import login_required

from ..templating import render

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return redirect(url_for("home.today"))


@bp.get("/today")
@login_required
def today():
    """Every open recommendation for the user's partners, most urgent first."""
    return render("home/today.html")


from ..templating import nav_item  # noqa: E402

nav_item("home.today", "Today", order=10)
