from flask import Blueprint

bp = Blueprint("book", __name__, url_prefix="/book")

from . import views  # noqa: E402,F401
