"""Extension singletons, bound to the app in `create_app` with `init_app`."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

from .clock import Stamp

# Stable constraint names so that migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCStamp(sa.TypeDecorator):
    """A bookkeeping stamp column: stored as a naive UTC DATETIME, read back as a
    `clock.Stamp`, so that whatever shows it knows to convert it to a zone first.
    Every `Mapped[datetime]` is one unless its column says otherwise (a wall
    time people entered: `models.WallTime`)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """A plain naive UTC datetime, whatever the driver makes of a subclass."""
        if isinstance(value, datetime):
            stamp = Stamp.of(value)  # an aware one turned to UTC
            return datetime.combine(stamp.date(), stamp.time())
        return value

    def process_result_value(self, value, dialect):
        return Stamp.of(value) if value is not None else None


class Base(DeclarativeBase):
    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCStamp},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL for concurrent readers, and read through
    memory mapping with a larger page cache (a team's history is read often
    and whole by the rules). How long a write waits on another's lock is the
    driver's `timeout` (`sqlite_busy_timeout`)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA mmap_size=268435456")  # 256 MiB
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB
        cursor.close()


def sqlite_busy_timeout(app) -> None:
    """On SQLite, a write waits SQLITE_BUSY_TIMEOUT seconds for another's write
    lock (the driver's `timeout`, SQLite's busy timeout) before it gives up with
    "database is locked", which the user meets as a 503 "busy, try again"
    (webapp/errors.py). Before the engine is made: its options are read then."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", float(app.config.get("SQLITE_BUSY_TIMEOUT", 10)))
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def analyze(*tables: str) -> None:
    """Refresh the query planner's statistics after a bulk load (imports, demo),
    or those of the tables named (the recommendations, after a full refresh).

    With one team in the database, SQLite must learn that `team_id` selects
    every row, or it walks the index instead of scanning for a search. The
    statistics are exact (a sampled ANALYZE misjudged exactly that).
    """
    db.session.commit()
    for table in tables or (None,):
        db.session.execute(sa.text(f'ANALYZE "{table}"' if table else "ANALYZE"))
    db.session.commit()


def commit_keeping_loaded(*stale: type) -> None:
    """Commit without expiring what the session has loaded, except the loaded
    rows of the `stale` models: for a commit that changed nothing else loaded
    (a new row; the recommendations refresh's own statements). The callers say
    what they measured it saves."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    for row in list(session.identity_map.values()):
        if isinstance(row, stale):
            session.expire(row)


def insert_if_new(model: type, **values) -> bool:
    """Insert one row unless it collides with a unique key; True when it was inserted.

    One statement, so it is also the atomic claim of a key: of two sessions
    inserting the same key at once, exactly one gets True (SQLite and
    PostgreSQL both have INSERT ... ON CONFLICT DO NOTHING).
    """
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: the row comes back only when it was inserted,
    # which every driver reports the same way.
    return db.session.execute(statement.returning(sa.literal(1))).first() is not None
