"""Installable and usable offline: the web manifest, the service worker served
from the root, and the page it shows when the server cannot be reached."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from . import views  # noqa: E402,F401
