from flask import Blueprint

bp = Blueprint("logbook", __name__, url_prefix="/logbook")

from . import views  # noqa: E402,F401
