from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")

from . import views  # noqa: E402,F401
