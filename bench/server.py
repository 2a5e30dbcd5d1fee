"""A gunicorn serving the app on 127.0.0.1, and a small cookie-keeping HTTP client.

Traffic never leaves the loopback interface: the client refuses any other host.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    database_url: str, workers: int = 2, today: str | None = None, memory: dict | None = None
):
    """Serve the app; yields the base URL; stops the server on exit. `memory`
    gets the workers' peak resident memory (`peak_bytes`) as they stop."""
    with serve(database_url, workers, today, memory=memory) as (base, _):
        yield base


@contextmanager
def serve(
    database_url: str,
    workers: int = 2,
    today: str | None = None,
    env: dict | None = None,
    memory: dict | None = None,
):
    """Serve the app; yields the base URL and gunicorn's master process (whose
    children are the workers); stops the server on exit. `env`: more settings;
    `memory` gets the workers' peak resident memory (`peak_bytes`) as they stop."""
    instance = tempfile.mkdtemp(prefix="partnerplan-bench-")
    environment = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    environment.update(
        DATABASE_URL=database_url,
        PARTNERPLAN_INSTANCE=instance,
        SECRET_KEY="bench-secret",
        LOGIN_RATE_LIMIT="100000 per minute",
        PYTHONPATH=str(ROOT),
    )
    if today:
        environment["PARTNERPLAN_NOW"] = today
    environment.update(env or {})
    port = free_port()
    log = open(Path(instance) / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{LOOPBACK}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{Path(log.name).read_text()}")
            try:
                if Client(base).get("/auth/login")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 90 s")
            time.sleep(0.2)
        yield base, process
    finally:
        if memory is not None:
            memory["peak_bytes"] = max(map(peak_rss, children(process.pid)), default=None)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(instance, ignore_errors=True)


def children(pid: int) -> list[int]:
    """The processes `pid` started (gunicorn's workers), from /proc."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def peak_rss(pid: int) -> int:
    """A live process's peak resident memory in bytes (VmHWM), 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def log_form(kind: str, at: str, minutes: int = 10, key: str | None = None) -> dict:
    """An interaction as the partner page's log form posts it: outbound,
    connected, positive; `at` as the form's datetime-local value; `key`: the
    form's idempotency key, when the caller keeps one."""
    form = {
        "kind": kind,
        "direction": "outbound",
        "outcome": "connected",
        "sentiment": "positive",
        "at": at,
        "minutes": str(minutes),
    }
    if key is not None:
        form["idempotency_key"] = key
    return form


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One user's browser, minus the browser: cookies, the CSRF token, timings."""

    def __init__(self, base: str):
        host = urllib.parse.urlsplit(base).hostname
        if host != LOOPBACK:
            raise ValueError(f"benchmarks only talk to {LOOPBACK}, not {host}")
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.csrf = ""

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        htmx: bool = False,
        target: str | None = None,
    ):
        """(status, body, seconds). `target`: the id of the element htmx swaps, as a
        browser sends it (the partner page's log forms swap `logbook`)."""
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method != "GET" else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if htmx:
            request.add_header("HX-Request", "true")
            if target:
                request.add_header("HX-Target", target)
        if self.csrf:
            request.add_header("X-CSRFToken", self.csrf)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        return status, text, time.perf_counter() - started

    def get(self, path: str, htmx: bool = False):
        return self.request("GET", path, htmx=htmx)

    def post(self, path: str, data: dict, htmx: bool = False, target: str | None = None):
        return self.request("POST", path, data, htmx=htmx, target=target)

    def log_in(self, email: str, password: str) -> None:
        status, page, _ = self.get("/auth/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        form = {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
        status, _, _ = self.post("/auth/login", form)
        if status not in (302, 303):
            raise RuntimeError(f"could not log in as {email}: {status}")
        status, page, _ = self.get("/today")
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on /today for {email} ({status})")
        self.csrf = match.group(1)
