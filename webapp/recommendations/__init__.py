"""Recommendations: what the rules say to do next, per partner and on Today."""

from flask import Blueprint

bp = Blueprint("recommendations", __name__, url_prefix="/recommendations")

from . import links, panel, views  # noqa: E402,F401
