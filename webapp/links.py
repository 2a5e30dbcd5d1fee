"""Links that leave the app: absolute URLs for what is read far from any request
(emails: invitations, password links, the morning email); and the one check of a
`next` a request names, so that no link sends anyone off the site."""

import re
from urllib.parse import urlsplit

from flask import current_app


def local_path(target: str | None) -> str | None:
    """`target` when it is a path of this site, else None: no open redirect through
    `next` (`//evil.example`, `/\\evil.example` and `https:` URLs are refused)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def absolute_url(endpoint: str, **values) -> str:
    """`url_for` against BASE_URL: an email is read far from any request, and its
    links must not depend on the host of whichever request composed it."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def file_slug(text: str, fallback: str) -> str:
    """An ASCII part of a download's file name ('Rachel Kim' -> 'rachel-kim'): names may
    hold any character, and a header's filename="…" only plain ones."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or fallback
