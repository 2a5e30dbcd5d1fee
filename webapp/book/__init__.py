"""The partner book file (partnerplan-book/1): import, export, and its page.

Beyond the fields shown in BOOK_FORMAT.md, the export writes these optional
fields so that nothing stored is lost on the way out and back in (a file
without them imports with the defaults in brackets):
- team: `timezone` [America/New_York], `planning_hours` ["fri 13:00-16:00"]
- users: `active` [true]
- partners: `archived_at` [null], `leads` [] (name, contact, question,
  status, notes, and `planning_session`: the `starts_at` of the session
  of this partner it came from)
- interactions: `minutes`; referrals: `by`, `notes`; planning sessions:
  `series`, `by`
Unknown fields are refused, so that a misspelt field is not silently lost.
"""

from flask import Blueprint

bp = Blueprint("book", __name__, url_prefix="/book")

from . import views  # noqa: E402,F401
