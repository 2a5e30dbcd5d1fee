"""A request id on every request, and each error logged as one JSON line.

The id is the caller's X-Request-Id when it is a plausible one (a proxy or
load balancer that sets it ties its log to ours), else a new one; it goes
back in the response's X-Request-Id, and the 500 page shows it so that a
user can quote it. Any 5xx is logged on the `partnerplan.errors` logger as
one line of JSON: the request id, method, path, status and user id, and for
an exception its type, message and traceback (newlines escaped, so a log
collector keeps it as one record). The query string is left out: it may
carry a token.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid

from flask import Flask, g, request

from .. import clock

HEADER = "X-Request-Id"
# Letters, digits and . _ - : room for a UUID or a load balancer's own format,
# and nothing that could forge a second log line or a header.
PLAUSIBLE = re.compile(r"[A-Za-z0-9._-]{8,128}")

logger = logging.getLogger("partnerplan.errors")


def request_id() -> str | None:
    return g.get("request_id")


def user_id() -> int | None:
    """The signed-in user's id as Flask-Login loaded it, without a query (the
    database may be what failed)."""
    import sqlalchemy as sa

    from ..models import User

    user = g.get("_login_user")
    if not isinstance(user, User):
        return None
    identity = sa.inspect(user).identity
    return identity[0] if identity else None


def log_error(status: int, exc_info=None) -> None:
    record = {
        "event": "error",
        "at": clock.utcnow().isoformat(timespec="milliseconds") + "Z",
        "request_id": request_id(),
        "method": request.method,
        "path": request.path,
        "status": status,
        "user_id": user_id(),
    }
    if exc_info and exc_info[1] is not None:
        record["error"] = f"{exc_info[0].__name__}: {exc_info[1]}"
        record["traceback"] = "".join(traceback.format_exception(*exc_info))
    logger.error(json.dumps(record))
    g.error_logged = True


def init_app(app: Flask) -> None:
    """Ids on every request; errors logged through `log_error`, Flask's own
    multi-line exception log replaced by it."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the line as it is, not again under another format
    # Alembic's logging setup (fileConfig) disables loggers made before it ran.
    logger.disabled = False

    @app.before_request
    def take_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if PLAUSIBLE.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def give_request_id(response):
        if rid := request_id():
            response.headers[HEADER] = rid
        if response.status_code >= 500 and not g.get("error_logged"):
            log_error(response.status_code)
        return response

    # Flask calls this with the exception of an unhandled error (a 500), before
    # the error page is made.
    app.log_exception = lambda exc_info: log_error(500, exc_info)
