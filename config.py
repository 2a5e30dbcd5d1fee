"""Configuration, read from the environment.

`DATABASE_URL` switches from the embedded SQLite to PostgreSQL; `SECRET_KEY`
must be set in production (otherwise a generated one is kept in `instance/`).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PARTNERPLAN_INSTANCE", BASE_DIR / "instance"))


def database_url(url: str | None) -> str:
    """Normalise a DATABASE_URL: PostgreSQL goes through psycopg 3."""
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'partnerplan.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def ratelimit_storage(environ) -> str:
    """Where the per-address sign-in counts live: RATELIMIT_STORAGE_URI, else the
    Redis of REDIS_URL (shared by every worker), else this process's memory."""
    return environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or "memory://"


class Config:
    SECRET_KEY = secret_key()
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # A connection the database dropped (a PostgreSQL restart) is noticed and
    # replaced when it is next taken from the pool, not met by a request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite: how many seconds a write waits for another's lock before the
    # request is answered 503 "busy, try again" (webapp/errors.py).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10"))
    # Which engine evaluates the rules: the durable_rules ruleset, or the
    # pure-Python reference interpreter of the same rule data.
    RULES_ENGINE = os.environ.get("RULES_ENGINE", "durable")
    # Freeze "now" for demos and tests (webapp/clock.py says how it is read).
    PARTNERPLAN_NOW = os.environ.get("PARTNERPLAN_NOW")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Server-side sessions (webapp/auth/sessions.py): a session ends after this
    # many days without a request, and this many days after the sign-in
    # whatever happens. Without "keep me signed in" the cookie also ends with
    # the browser.
    SESSION_IDLE_DAYS = int(os.environ.get("SESSION_IDLE_DAYS", "14"))
    SESSION_ABSOLUTE_DAYS = int(os.environ.get("SESSION_ABSOLUTE_DAYS", "30"))
    REMEMBER_COOKIE_DURATION = timedelta(days=SESSION_ABSOLUTE_DAYS)
    # Behind a reverse proxy: how many proxies set X-Forwarded-For (werkzeug's
    # ProxyFix). 0 (the default) trusts no such header: a client could set it.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Sign-in attempts per address (Flask-Limiter), shared by every worker on
    # Redis when REDIS_URL is set; in memory (per process) otherwise. Generous:
    # an office behind one address signs in together. Failures per account are
    # counted in the database (webapp/auth/throttle.py).
    RATELIMIT_STORAGE_URI = ratelimit_storage(os.environ)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "50 per minute")
    # "Forgot your password?" requests per address (each account also gets at
    # most one email every few minutes, whoever asks: webapp/auth/resets.py).
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per 15 minutes")

    # The JSON API (webapp/api): its OpenAPI document, served at
    # /api/v1/openapi.json, and the requests a token may make.
    API_TITLE = "PartnerPlan API"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")

    # Outgoing mail (planning invitations). Unset MAIL_SERVER: no email.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "partnerplan@localhost")
    # Where PartnerPlan is reached from outside: links in emails are absolute
    # and are built from it, never from whichever request happens to run.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Background jobs (webapp/jobs): Huey on Redis when REDIS_URL is set,
    # else on a SQLite file in the instance directory (no server to run).
    REDIS_URL = os.environ.get("REDIS_URL")
    JOBS_DB = str(INSTANCE_DIR / "jobs.db")
    # Run each task at once in the process that asks for it, with no worker
    # (tests; a one-process setup that accepts slow requests while mail is sent).
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "0") == "1"

    # Web push (webapp/push): the VAPID key pair is generated on first need into
    # this file (0600, never in git); the contact the push services may write to.
    VAPID_PRIVATE_KEY_FILE = os.environ.get(
        "VAPID_PRIVATE_KEY_FILE", str(INSTANCE_DIR / "vapid_private_key.pem")
    )
    VAPID_CONTACT = os.environ.get("VAPID_CONTACT")  # default: mailto:MAIL_SENDER
    # The hosts a browser's push subscription may name, and their subdomains: the
    # server POSTs to that URL, so only the known push services are taken.
    PUSH_SERVICES = os.environ.get(
        "PUSH_SERVICES",
        "fcm.googleapis.com android.googleapis.com updates.push.services.mozilla.com "
        "push.services.mozilla.com notify.windows.com push.apple.com",
    ).split()

    # Backups (webapp/operations/backups.py): `flask backup create` writes into
    # BACKUP_DIR (else instance/backups) and keeps the newest BACKUP_KEEP.
    # With BACKUP_DIR set the worker takes one every night at BACKUP_AT, UTC
    # (one backup holds every team: it keeps no team's hours).
    BACKUP_DIR = os.environ.get("BACKUP_DIR")
    BACKUP_DEFAULT_DIR = str(INSTANCE_DIR / "backups")
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
    BACKUP_AT = os.environ.get("BACKUP_AT", "01:00")

    # Outgoing webhooks (webapp/webhooks): how long a receiver has to answer.
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = (
        database_url(os.environ.get("TEST_DATABASE_URL"))
        if os.environ.get("TEST_DATABASE_URL")
        else "sqlite://"
    )
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # Strong hashing is slow by design; tests only need it to be a hash.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RULES_ENGINE = os.environ.get("RULES_ENGINE", "durable")
    # Tasks run inline, so a test sees what a job did as soon as it returns.
    JOBS_IMMEDIATE = True
    BACKUP_DIR = None  # no nightly backup unless a test asks for one
