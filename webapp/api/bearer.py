"""Who an API request is: the user of the bearer token it carries.

Under /api/ the cookies mean nothing: a signed-in browser's session cookie
does not authenticate an API request (so a page elsewhere cannot make the
browser call the API: no CSRF there), and no session is read or made. The
pages, the other way round, never read an Authorization header.

`authenticate` runs first in every API request (`security.load_user_first`):
it sets the request's user where Flask-Login looks for it (`g._login_user`),
so that `current_user`, and with it every query helper of the pages
(webapp/access.py), works unchanged.
"""

from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address

from . import tokens
from .errors import api_error

NO_TOKEN = "Send a personal access token: Authorization: Bearer <token> (API tokens, under More)."
REFUSED_TOKEN = "This token does not work: it was revoked, it expired, or its user was deactivated."
READ_ONLY = "This token may only read. Make a token with the write scope to change anything."


def presented_token() -> str | None:
    """The token of the `Authorization: Bearer ...` header, if there is one."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def authenticate() -> Response | None:
    """The token's user for an API endpoint (or 401); nobody for the API's
    public pages (the OpenAPI document, its reference) whatever the cookies say."""
    g._login_user = current_app.login_manager.anonymous_user()
    if request.blueprint != "api":
        return None
    secret = presented_token()
    if secret is None:
        return api_error(401, NO_TOKEN)
    row = token_presented()
    if row is None:
        return api_error(401, REFUSED_TOKEN, invalid_token=True)
    g.api_token = row
    g._login_user = row.user
    return None


def write_scope(view: Callable) -> Callable:
    """An endpoint that changes something: a read token gets 403."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if g.api_token.scope != "write":
            return api_error(403, READ_ONLY)
        return view(*args, **kwargs)

    return guarded


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def token_presented():
    """The token row the request's bearer token is, if it may be used; looked up
    once per request (the limiter asks before `authenticate` does)."""
    if "api_token_presented" not in g:
        secret = presented_token()
        g.api_token_presented = tokens.recognise(secret) if secret else None
    return g.api_token_presented


def rate_limit_key() -> str:
    """Requests are counted per token (its hash: the secret is not kept even in the
    counter's store); without a token that may be used, per address, so that made-up
    tokens share one count instead of each getting its own."""
    row = token_presented()
    return f"api-token:{row.token_hash}" if row else f"api-address:{get_remote_address()}"
