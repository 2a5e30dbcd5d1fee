"""The morning email: each user's Today by email, their choice of days and hour,
and the one-click unsubscribe.

The job runner calls `due_recipients(team, local_now)` for whom it is time,
then `compose(user, day)` for each, and sends what comes back (None: nothing
to send). Scheduling and sending are the runner's; the rest is here.
"""

from flask import Blueprint

bp = Blueprint("morning", __name__)

from . import views  # noqa: E402,F401
from .message import compose, due_recipients, gather, headline  # noqa: E402,F401
