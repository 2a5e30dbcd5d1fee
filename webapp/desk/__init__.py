"""The manager's desk: tier reviews, the audit trail, the team at a glance."""

from flask import Blueprint

bp = Blueprint("desk", __name__, url_prefix="/desk")

from . import panel, views  # noqa: E402,F401
