"""A refresh of many partners at once, shared between processes: for
`flask recommendations refresh` and the nightly job, never for a web request."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import date

from flask import current_app

from ..extensions import db
from .lifecycle import Summary, refresh_partners

# Partners evaluated (and written) together: one set of statements per batch.
BATCH = 500


def in_batches(team_id: int, partner_ids: list[int]) -> list[tuple[int, list[int]]]:
    """The team's partners as (team, partner ids) batches for `refresh_batches`."""
    return [
        (team_id, partner_ids[start : start + BATCH]) for start in range(0, len(partner_ids), BATCH)
    ]


def refresh_batches(
    batches: list[tuple[int, list[int]]], as_of: date | None = None, workers: int = 1
) -> Iterator[Summary]:
    """Refresh each (team, partner ids) batch, yielding each one's summary as it ends.

    With several workers (a nightly refresh of a big book), the batches run
    in as many forked processes, each with its own database connections;
    an in-memory SQLite database (one process's own) is refreshed in place.
    """
    if workers <= 1 or len(batches) < 2 or not _can_fork():
        for team_id, ids in batches:
            yield refresh_partners(team_id, ids, as_of)
        return
    db.session.commit()  # nothing of ours half-written while the workers write
    # No open connection may cross the fork (SQLite's own warning; a socket
    # shared by two processes for PostgreSQL): close them, the workers open theirs.
    db.engine.dispose()
    app = current_app._get_current_object()
    context = multiprocessing.get_context("fork")
    with context.Pool(min(workers, len(batches)), _enter_app, (app,)) as pool:
        yield from pool.imap_unordered(
            _refresh_batch, [(team_id, ids, as_of) for team_id, ids in batches]
        )


def _can_fork() -> bool:
    url = db.engine.url
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    return not in_memory and "fork" in multiprocessing.get_all_start_methods()


def _enter_app(app) -> None:
    """In a forked worker: the app's context, and a pool of its own (SQLAlchemy's
    advice for forks: drop the inherited pool without touching its connections)."""
    app.app_context().push()
    db.engine.dispose(close=False)


def _refresh_batch(batch: tuple[int, list[int], date | None]) -> Summary:
    team_id, ids, as_of = batch
    try:
        return refresh_partners(team_id, ids, as_of)
    finally:
        db.session.remove()
