"""GET /healthz: whether this instance can serve, for load balancers and monitors.

200 `{"database": "ok", "jobs": "ok"}` when a `SELECT 1` answers and the job
queue's storage does (Redis answers a PING; the SQLite queue file opens and
reads); 503 with "failed" beside the part that did not. In immediate mode
(JOBS_IMMEDIATE) tasks run in the web process: nothing else to reach.

No login, no session (no cookie is set), never rate limited: a monitor asks
every few seconds. What failed is logged, not shown: the answer is public.
"""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from ..extensions import db, limiter
from ..jobs.queue import huey

bp = Blueprint("health", __name__)


def database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()  # nothing held open between two probes
        return True
    except Exception:  # any failure is "not healthy", whatever the driver raised
        db.session.rollback()
        current_app.logger.warning("health: the database does not answer", exc_info=True)
        return False


def jobs_answer() -> bool:
    if huey.immediate:
        return True
    try:
        storage = huey.storage
        if hasattr(storage, "conn") and hasattr(storage.conn, "ping"):
            storage.conn.ping()  # Redis
        else:
            storage.queue_size()  # the SQLite queue file, read
        return True
    except Exception:
        current_app.logger.warning("health: the job queue does not answer", exc_info=True)
        return False


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """200 when the database and the job queue answer, else 503 naming what failed."""
    parts = {
        "database": "ok" if database_answers() else "failed",
        "jobs": "ok" if jobs_answer() else "failed",
    }
    status = 200 if all(value == "ok" for value in parts.values()) else 503
    response = jsonify(parts)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
