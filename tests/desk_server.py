"""A running PartnerPlan on a free 127.0.0.1 port, for tests that need real HTTP.

Its database is a SQLite file (or PostgreSQL when TEST_DATABASE_URL is set),
so the server's threads and the test see the same data.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from config import TestConfig, database_url
from webapp import create_app
from webapp.extensions import db


@contextmanager
def live_app(directory: Path, **settings) -> Iterator[tuple[Flask, int]]:
    """Serve a fresh app (threaded, like the development server) until the block ends."""
    url = os.environ.get("TEST_DATABASE_URL")
    settings["SQLALCHEMY_DATABASE_URI"] = (
        database_url(url) if url else f"sqlite:///{directory / 'partnerplan.db'}"
    )
    app = create_app(type("LiveServerConfig", (TestConfig,), settings))
    with app.app_context():
        db.drop_all()
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, server.server_port
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
