"""The Rules page: managers tune the rule thresholds, preview, save, revert."""

from flask import Blueprint

bp = Blueprint("rule_settings", __name__, url_prefix="/rules")

from . import cadence_views, views  # noqa: E402,F401
