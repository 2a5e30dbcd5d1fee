"""The signed-in user's own account: sessions, password, two-factor sign-in, API tokens."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import api_tokens, card, views  # noqa: E402,F401
