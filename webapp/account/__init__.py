"""The signed-in user's own account: sessions, password, two-factor sign-in."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import card, views  # noqa: E402,F401
