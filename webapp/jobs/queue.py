"""The Huey instance every task is declared on, bound to the app's config.

`huey` exists as soon as this module is imported (tasks are declared on it
at import time); `init_app` then points it at its storage: Redis when
REDIS_URL is set, else a SQLite file in the instance directory, or nothing
at all in immediate mode (JOBS_IMMEDIATE, the tests), where a task runs in
the caller the moment it is enqueued.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from redis import ConnectionPool

# How long a Redis that does not answer may hold a caller (a page enqueueing a
# job, /healthz): seconds to connect, and to wait for any answer. The second
# must outlast the worker's blocking read (Huey's read_timeout, 1 s).
REDIS_CONNECT_TIMEOUT = 2
REDIS_ANSWER_TIMEOUT = 5

# Results are never read back: a task reports through the database.
huey = Huey("partnerplan", results=False, immediate=True)
_app: Flask | None = None

P = ParamSpec("P")
R = TypeVar("R")


def init_app(app: Flask) -> None:
    """Choose the storage from the config and remember the app tasks run in."""
    global _app
    _app = app
    config = app.config
    if config.get("JOBS_IMMEDIATE"):
        huey.immediate = True
        return
    if config.get("REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"connection_pool": redis_pool(config["REDIS_URL"])}
    else:
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": config["JOBS_DB"]}
    huey.immediate = False
    huey.storage = huey.create_storage()


def redis_pool(url: str) -> ConnectionPool:
    """Connections to the Redis at `url` that give up instead of hanging."""
    return ConnectionPool.from_url(
        url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT, socket_timeout=REDIS_ANSWER_TIMEOUT
    )


def in_app_context(function: Callable[P, R]) -> Callable[P, R]:
    """Run a task inside the app: its own app context (and database session)
    in a worker; the caller's, when it runs inline (immediate mode)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context() and current_app._get_current_object() is _app:
            return function(*args, **kwargs)
        if _app is None:
            raise RuntimeError("webapp.jobs is not bound to an app: call create_app() first")
        with _app.app_context():
            return function(*args, **kwargs)

    return wrapper
