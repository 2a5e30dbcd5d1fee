"""Partnership planning (seed 003): commitments, weekly series, sessions and leads."""

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/planning")

from . import holidays, panel, views  # noqa: E402,F401
