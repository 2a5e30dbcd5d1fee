"""The real server the browser tests talk to: a gunicorn on 127.0.0.1 over a
fresh database (the shared one in conftest.py, and any a module needs of its own)."""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No network here or in CI: nothing may phone home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def missing(reason: str):
    """Fail in CI, skip elsewhere: either way, say what is missing."""
    message = (
        f"{reason}. Install Debian's chromium and chromium-driver (scripts/system-deps.sh as root)."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    """Run a command of the served app's; what it printed (the test fails if it fails)."""
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result.stdout


def has_cli_command(env: dict[str, str], group: str, command: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", group, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return (
        result.returncode == 0 and re.search(rf"^\s+{command}\b", result.stdout, re.M) is not None
    )


def environment(instance: Path, **settings: str) -> dict[str, str]:
    """Environment of a served app: its own instance folder and SQLite file, and
    `settings` on top."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "TEST_DATABASE_URL", "PARTNERPLAN_NOW")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{instance / 'browser.db'}",
        PARTNERPLAN_INSTANCE=str(instance),
        SECRET_KEY="browser-tests",
        LOGIN_RATE_LIMIT="1000 per minute",
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return env


def prepare_database(env: dict[str, str], *, demo: bool = True) -> None:
    """Migrate the served database and seed it (after the demo team, when `demo`
    and `flask demo load` exists)."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    run([*flask, "db", "upgrade"], env)
    if demo and has_cli_command(env, "demo", "load"):
        run([*flask, "demo", "load"], env)
    run([sys.executable, "-m", "tests.browser.seed"], env)


@contextlib.contextmanager
def serving(env: dict[str, str], port: int):
    """gunicorn serving the app of `env` on 127.0.0.1:`port`; its URL, while it runs."""
    log = open(Path(env["PARTNERPLAN_INSTANCE"]) / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log.name)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_up(url: str, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{Path(log_path).read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/auth/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer in 60 s:\n{Path(log_path).read_text()}", pytrace=False)
