"""Error pages. A 500 rolls the session back so nothing half-done is kept.

A browser that asked for a page gets a whole error page. An htmx request gets
only the message: the `responseHandling` rule in base.html swaps every 4xx and
5xx answer but 422 into the page's alert region (#page-alert), so the message
is shown and announced wherever the request came from. A 422 is a form sent
back with its errors beside the fields, swapped where the form asked.

Under /api/ every refusal is JSON instead, with the same message
(webapp/api/errors.py).

A database that cannot answer for a moment (SQLite locked by another writer
longer than SQLITE_BUSY_TIMEOUT, a PostgreSQL server restarting) is a 503
with Retry-After, never a 500: nothing was saved, and the same form sent
again (its idempotency key too) is taken once the database answers.
docs/RELIABILITY.md has the faults this was tried against.
"""

from flask import Blueprint, g, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .templating import wants_fragment

bp = Blueprint("errors", __name__)


def error_page(status: int, title: str, message: str):
    """The whole page, or for htmx the message that goes into the alert region;
    under /api/, the message as JSON (webapp/api/errors.py)."""
    from .api.errors import api_error, is_api_request

    if is_api_request():
        return api_error(status, message)
    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


@bp.app_errorhandler(400)
def bad_request(error):
    return error_page(400, "Bad request", "The request could not be understood.")


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return error_page(
        400,
        "Form expired",
        "This form has expired or was not sent from PartnerPlan. Reload the page and try again.",
    )


@bp.app_errorhandler(403)
def forbidden(error):
    return error_page(403, "Not allowed", "You do not have permission to do that.")


@bp.app_errorhandler(404)
def not_found(error):
    return error_page(404, "Not found", "There is nothing here, or it is not yours to see.")


@bp.app_errorhandler(405)
def method_not_allowed(error):
    """Says which methods the address takes (`Allow`, as RFC 9110 asks of a 405)."""
    response = make_response(error_page(405, "Not allowed", "That action is not available here."))
    if error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.app_errorhandler(413)
def too_large(error):
    return error_page(413, "File too large", "That file is larger than 16 MB.")


@bp.app_errorhandler(422)
def unprocessable(error):
    """Parameters refused before the view ran (the API's query strings), with
    the messages field by field. Pages send a refused form back themselves."""
    from .api.errors import api_error, fields_of, is_api_request

    if is_api_request():
        return api_error(422, "The request was refused: see the fields.", fields_of(error))
    return error_page(422, "Not accepted", "What was sent could not be taken. Nothing was saved.")


@bp.app_errorhandler(429)
def too_many(error):
    return error_page(429, "Too many attempts", "Too many attempts. Wait a minute and try again.")


@bp.app_errorhandler(500)
def internal_error(error):
    db.session.rollback()
    return error_page(500, "Something went wrong", "Nothing was changed. Please try again.")


BUSY = "The database is busy with another change. Wait a moment and try again; nothing was saved."
GONE = "The database is not answering; try again in a moment. Nothing was saved."


def database_busy(error: DBAPIError) -> bool:
    """SQLite's "database is locked": another write held the lock too long."""
    return getattr(error.orig, "sqlite_errorname", "") in (
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
    ) or "database is locked" in str(error.orig)


def database_unavailable(error: DBAPIError) -> bool:
    """The database could not be reached or dropped the connection (not a bug
    in a statement): an OperationalError, or any error SQLAlchemy saw as a
    disconnect (the pool is then refreshed)."""
    return isinstance(error, OperationalError) or error.connection_invalidated


@bp.app_errorhandler(DBAPIError)
def database_error(error: DBAPIError):
    """503 with Retry-After when the database is busy or away; any other
    database error is a bug, raised on to be answered as one (500)."""
    from .extensions import login_manager
    from .operations.requests import log_error

    if not database_unavailable(error):
        raise error
    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone: the pool replaces it
        pass
    busy = database_busy(error)
    # The driver's words only: the statement and its parameters (what a user
    # typed) stay out of the log, and a fault is not a bug to trace.
    log_error(503, (type(error.orig), error.orig, None))
    # The page must not ask the database again (the menu counts, the user):
    # it is drawn for nobody signed in.
    g._login_user = login_manager.anonymous_user()
    title = "Busy, try again" if busy else "Database unavailable"
    response = make_response(error_page(503, title, BUSY if busy else GONE))
    response.headers["Retry-After"] = "2" if busy else "5"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(HTTPException)
def other_error(error: HTTPException):
    """Any other refusal (409, 410…) in the same words and the same place."""
    if error.code is None or error.code < 400:
        return error
    return error_page(error.code, error.name, error.description or "")
