"""A system that takes PartnerPlan's webhooks: an HTTP server on loopback.

Each POST is kept as it arrived, and answered with what the test chose for
that path: a status (200 unless told otherwise), or HANG, no answer until the
test ends (PartnerPlan gives up first, after its timeout).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HANG = "hang"


@dataclass
class Post:
    """One POST the receiver took."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.received: list[Post] = []
        self.answers: dict[str, list[int | str]] = {}
        self.released = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                post = Post(
                    self.path,
                    {key.lower(): value for key, value in self.headers.items()},
                    self.rfile.read(length),
                )
                with receiver._lock:
                    receiver.received.append(post)
                    waiting = receiver.answers.get(self.path) or []
                    answer = waiting.pop(0) if waiting else 200
                if answer == HANG:
                    receiver.released.wait(30)
                    answer = 200
                try:
                    self.send_response(answer)
                    if 300 <= answer < 400:
                        self.send_header("Location", f"{receiver.origin}/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"{self.origin}/hooks/{name}"

    def answer(self, name: str, *answers: int | str) -> None:
        """Answer the next POSTs to `name` with these, then 200 again."""
        self.answers.setdefault(f"/hooks/{name}", []).extend(answers)

    def posts(self, name: str) -> list[Post]:
        return [post for post in self.received if post.path == f"/hooks/{name}"]


@pytest.fixture
def receiver():
    """A webhook receiver on loopback, stopped (and anything it holds released) at the end."""
    server = Receiver()
    server.thread.start()
    yield server
    server.released.set()
    server.server.shutdown()
    server.server.server_close()
