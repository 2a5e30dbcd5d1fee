from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")

from . import health, views  # noqa: E402,F401
