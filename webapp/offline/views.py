"""The web manifest, the service worker (webapp/static/sw.js) and the offline
page; who the pages a phone keeps belong to (`user_key`).

docs/ARCHITECTURE.md, "Offline and installable", says what the phone keeps and
when it lets it go.
"""

import hashlib
import hmac
import json

from flask import Response, current_app, render_template, url_for
from flask_login import current_user

from .. import clock
from . import bp

NAME = "PartnerPlan"
THEME_COLOUR = "#1a1f2b"  # the top bar (--ink in app.css)
BACKGROUND_COLOUR = "#f6f7f9"  # the page (--bg in app.css)
# (file under static/icons/, size, purpose): scripts/make-icons.py draws them.
ICONS = (
    ("icons/icon-192.png", 192, "any"),
    ("icons/icon-512.png", 512, "any"),
    ("icons/maskable-512.png", 512, "maskable"),
)


def user_key(user) -> str:
    """An opaque name for `user` on their phone: the service worker's caches and
    the queue of offline logs are filed under it. Derived from the secret key, so
    that it says nothing about the account, and the same at every sign-in, so
    that logs queued before a session ended are sent after the next."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"offline-user:{user.id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


@bp.app_context_processor
def offline_globals():
    """`offline_user()`: the signed-in user's key, "" for nobody; `page_time()`:
    when the page was made ("14:05", the team's time, as every time the page
    shows), said by the banner of a copy shown offline."""

    def offline_user() -> str:
        return user_key(current_user) if current_user.is_authenticated else ""

    def page_time() -> str:
        if not current_user.is_authenticated:
            return ""
        return f"{clock.now(current_user.team.timezone):%H:%M}"

    return {"offline_user": offline_user, "page_time": page_time}


@bp.get("/manifest.webmanifest")
def manifest():
    """What a phone needs to install PartnerPlan on its home screen."""
    body = {
        "name": NAME,
        "short_name": NAME,
        "description": "Your referral partners, and whom to call today.",
        "id": "/",
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=path),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for path, size, purpose in ICONS
        ],
    }
    response = Response(json.dumps(body, indent=2), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the root so that it may control every page."""
    response = current_app.send_static_file("sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    # A new version reaches phones at their next visit, not when a cache expires.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def page():
    """What the service worker shows for a page it has not kept when the server
    cannot be reached. Fetched without cookies when the worker installs: it is
    nobody's."""
    return render_template("offline/offline.html")
