"""`flask db copy --to postgresql://…`: a team's whole database, moved up from SQLite.

The target is an empty PostgreSQL database: it is first upgraded to the
head migration (the schema is the migrations', never `create_all`'s), then
every table of the models is copied in foreign-key order (a row's parents
are there before it), in batches, in one transaction: a copy that fails
half way leaves the target's tables empty. The source must be at the head
migration too, so both have the same columns.

PostgreSQL hands out ids from sequences that the copied rows did not
advance: each is set past the largest id copied, or the first new row would
collide. Then the rows are counted, table by table, on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from config import database_url

from ..extensions import db, migrate

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
# Rows sent per INSERT: large enough to be quick, small enough that a table of
# millions of interactions never sits in memory whole.
BATCH = 1000


class CopyRefused(Exception):
    """The copy did not start: why, in words for who runs the command."""


@dataclass(frozen=True)
class Counted:
    table: str
    source: int
    target: int

    @property
    def same(self) -> bool:
        return self.source == self.target


def head_revision() -> str:
    return ScriptDirectory(MIGRATIONS).get_current_head()


def revision_of(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def tables() -> list[sa.Table]:
    """Every table of the models, parents before children."""
    return list(db.metadata.sorted_tables)


def count(connection: sa.Connection, table: sa.Table) -> int:
    return connection.scalar(sa.select(sa.func.count()).select_from(table))


def tables_with_rows(engine: sa.Engine) -> list[str]:
    """The target's tables that hold anything, whatever created them (the
    migrations' bookkeeping aside)."""
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        found = []
        for name in sorted(set(names) - {"alembic_version"}):
            table = sa.table(name)
            if connection.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)):
                found.append(name)
        return found


def postgresql_url(url: str) -> str:
    """The target as SQLAlchemy reaches it (psycopg 3), or refused."""
    normalised = database_url(url.strip())
    if not normalised.startswith("postgresql+psycopg://"):
        raise CopyRefused(
            "--to must be a PostgreSQL URL (postgresql://user:password@host/database)."
        )
    return normalised


def upgrade(url: str) -> None:
    """Run the migrations on `url` to the head: in an app of their own, so that
    the running app (its jobs, its engine) stays as it is."""
    from flask_migrate import upgrade as flask_upgrade

    app = Flask("partnerplan-copy")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        try:
            flask_upgrade(directory=MIGRATIONS)
        finally:
            db.engine.dispose()


def batches(result: sa.Result) -> Iterator[list[dict]]:
    rows = (dict(row._mapping) for row in result)
    while batch := list(islice(rows, BATCH)):
        yield batch


def reset_sequences(connection: sa.Connection, table: sa.Table) -> None:
    """Set the table's id sequence (if it has one) past its largest id."""
    for column in table.primary_key.columns:
        if not isinstance(column.type, sa.Integer) or column.autoincrement is False:
            continue
        # `setval(seq, max + 1, false)`: the next id handed out is max + 1
        # (1 on an empty table, which `setval(seq, 0)` could not say).
        connection.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false) '
                "WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"
            ),
            {"table": f'"{table.name}"', "column": column.name},
        )


def copy_tables(
    reading: sa.Connection, writing: sa.Connection, head: str, say: Callable[[str], None]
) -> list[Counted]:
    """Every table, parents first, in batches; each counted on both sides."""
    if revision_of(writing) != head:
        raise CopyRefused("The target did not reach the head migration.")
    if full := [table.name for table in tables() if count(writing, table)]:
        raise CopyRefused(
            f"The target filled up meanwhile ({', '.join(full)}). Nothing was written."
        )
    counted = []
    for table in tables():
        order = list(table.primary_key.columns)
        result = reading.execute(
            sa.select(table).order_by(*order).execution_options(yield_per=BATCH)
        )
        for batch in batches(result):
            writing.execute(table.insert(), batch)
        reset_sequences(writing, table)
        counted.append(Counted(table.name, count(reading, table), count(writing, table)))
        say(f"{table.name}: {counted[-1].source} rows read, {counted[-1].target} written")
    return counted


def copy_database(
    source: sa.Engine, to: str, say: Callable[[str], None] = lambda line: None
) -> list[Counted]:
    """Copy every table of `source` into the empty PostgreSQL database `to`.

    Returns the counts, table by table; the copy is committed only when every
    table has as many rows on both sides (else nothing copied is kept).
    """
    url = postgresql_url(to)
    head = head_revision()
    with source.connect() as connection:
        found = revision_of(connection)
    if found != head:
        raise CopyRefused(
            f"The current database is at migration {found or 'none'}, not {head}: "
            "run `flask --app wsgi db upgrade` on it first."
        )
    target = sa.create_engine(url)
    try:
        if full := tables_with_rows(target):
            raise CopyRefused(
                "The target database is not empty (rows in "
                + ", ".join(full[:5])
                + (", …" if len(full) > 5 else "")
                + "): copy only into a new, empty database. Nothing was written."
            )
        say(f"Upgrading the target to migration {head}…")
        upgrade(url)
        # One read transaction on the source (a consistent snapshot on SQLite
        # and PostgreSQL alike), one write transaction on the target.
        with source.connect() as reading, reading.begin(), target.connect() as writing:
            transaction = writing.begin()
            try:
                counted = copy_tables(reading, writing, head, say)
            except BaseException:
                transaction.rollback()
                raise
            if all(row.same for row in counted):
                transaction.commit()
            else:
                transaction.rollback()
            return counted
    finally:
        target.dispose()
