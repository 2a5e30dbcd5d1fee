"""GET /healthz: 200 when the database and the job queue answer, 503 naming what did not."""

import json
import os
import socket
import threading

import pytest
from huey.storage import RedisStorage, SqliteStorage

from config import TestConfig
from webapp import create_app
from webapp.extensions import db
from webapp.jobs import queue


def closed_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy_is_200_json_without_a_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "jobs": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"]


def test_a_monitor_asking_often_is_never_rate_limited():
    class Limited(TestConfig):
        RATELIMIT_ENABLED = True

    app = create_app(Limited)
    client = app.test_client()
    with app.app_context():
        statuses = {client.get("/healthz").status_code for _ in range(150)}
        db.engine.dispose()  # its connection closed now, not whenever it is collected
    assert statuses == {200}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/partnerplan.db",  # cannot be opened
        f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/partnerplan",  # nobody listens
    ],
)
def test_a_database_that_does_not_answer_is_503_naming_it(url, error_lines):
    class Unreachable(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Unreachable)
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()

    assert response.status_code == 503
    assert response.get_json() == {"database": "failed", "jobs": "ok"}
    # Logged as one structured line, with the id the response carries.
    logged = [json.loads(line) for line in error_lines]
    assert logged == [
        {
            "event": "error",
            "at": logged[0]["at"],
            "request_id": response.headers["X-Request-Id"],
            "method": "GET",
            "path": "/healthz",
            "status": 503,
            "user_id": None,
        }
    ]


def test_a_job_queue_that_does_not_answer_is_503_naming_it(client, monkeypatch):
    monkeypatch.setattr(queue.huey, "_immediate", False)
    monkeypatch.setattr(
        queue.huey, "storage", RedisStorage(url=f"redis://127.0.0.1:{closed_port()}/0")
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "jobs": "failed"}


def test_a_redis_that_accepts_but_never_answers_is_503_not_a_hung_check(client, monkeypatch):
    """A load balancer's check must come back even when Redis is wedged (a
    connection accepted, no reply): the pool's answer timeout ends the wait."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    monkeypatch.setattr(queue.huey, "_immediate", False)
    pool = queue.redis_pool(url)
    monkeypatch.setattr(queue.huey, "storage", RedisStorage(connection_pool=pool))
    answers = []
    check = threading.Thread(target=lambda: answers.append(client.get("/healthz")))
    check.start()
    check.join(timeout=queue.REDIS_ANSWER_TIMEOUT * 4)
    pool.disconnect()
    for connection, _ in held:
        connection.close()
    silent.close()
    assert answers, "/healthz did not come back while Redis said nothing"
    assert answers[0].status_code == 503
    assert answers[0].get_json() == {"database": "ok", "jobs": "failed"}
    assert held  # it did reach the silent server: the wait was the answer timeout


def test_the_sqlite_job_queue_answers(client, monkeypatch, tmp_path):
    monkeypatch.setattr(queue.huey, "_immediate", False)
    monkeypatch.setattr(queue.huey, "storage", SqliteStorage(filename=str(tmp_path / "jobs.db")))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "jobs": "ok"}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_a_redis_job_queue_that_answers_is_ok(client, monkeypatch):
    monkeypatch.setattr(queue.huey, "_immediate", False)
    monkeypatch.setattr(
        queue.huey,
        "storage",
        RedisStorage(connection_pool=queue.redis_pool(os.environ["REDIS_URL"])),
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "jobs": "ok"}
