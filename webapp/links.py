"""Links that leave the app: absolute URLs for what is read far from any request
(emails: invitations, password links, the morning email)."""

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """`url_for` against BASE_URL: an email is read far from any request, and its
    links must not depend on the host of whichever request composed it."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
