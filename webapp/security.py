"""Sessions, logins and the headers every response carries."""

from flask import Flask, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .extensions import login_manager
from .models import User

# No inline script anywhere: htmx is configured through a <meta> tag and the
# little JavaScript we have lives in static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


# Sent only when the cookies are secure (SESSION_COOKIE_SECURE=1), which says that
# PartnerPlan is reached over HTTPS; not includeSubDomains: other hosts of the
# domain are not ours to commit to HTTPS.
HSTS = "max-age=31536000"

# Ids are database integers (32 bits in PostgreSQL); SQLite cannot even bind a
# number past 64 bits. A larger one in a URL names nothing.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number too large to be an id is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookies carry a session token where Flask-Login keeps a user id: the
    user is whoever's live session it names (webapp/auth/sessions.py)."""
    from .auth.sessions import load

    return load(token)


# What a user who must set up two-factor sign-in may still reach.
TWO_FACTOR_SETUP = frozenset(
    {"static", "auth.logout", "account.two_factor_setup", "account.recovery_codes"}
)


@login_manager.unauthorized_handler
def unauthorized():
    """htmx requests get HX-Redirect: never the login page swapped into a fragment."""
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        response = redirect(login_url)
        response.status_code = 204
        response.headers.pop("Location")
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def json_strings(document) -> list[str]:
    """Every string in a JSON document, keys too."""
    found, pending = [], [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += value.keys()
            pending += value.values()
        elif isinstance(value, list):
            pending += value
    return found


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their routes take the converter then."""
    app.url_map.converters["int"] = IdConverter
    if app.config.get("PROXY_FIX_X_FOR"):
        # The client's address from X-Forwarded-For, set by that many proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @app.before_request
    def load_user_first():
        """The session is checked (and its last-seen stamp written) before the
        view runs, so that this write never commits a view's half-done work.
        A manager whose team requires two-factor sign-in sets it up first.
        An API request is its bearer token's user, whatever its cookies say
        (webapp/api/bearer.py)."""
        from .api.bearer import authenticate
        from .api.errors import is_api_request

        if is_api_request():
            return authenticate()
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        from .auth.two_factor import required

        if request.endpoint not in TWO_FACTOR_SETUP and required(current_user):
            flash("Your team requires two-factor sign-in: set it up to continue.", "info")
            return redirect(url_for("account.two_factor_setup"))
        return None

    @app.before_request
    def refuse_nul_characters():
        """A NUL character is never typed by a person, and PostgreSQL cannot store
        one in text: refuse the request before anything reads it."""
        values = [*request.args.values(), *(request.form.values() if request.form else ())]
        if request.is_json:
            values += json_strings(request.get_json(silent=True))
        if any("\x00" in value for value in values):
            from .errors import error_page

            return error_page(
                400,
                "Invisible character",
                "What was sent contains an invisible control character (NUL). "
                "Remove it and try again; nothing was saved.",
            )

    secure = app.config.get("SESSION_COOKIE_SECURE", False)

    @app.after_request
    def security_headers(response):
        from .api.errors import is_api_request

        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if secure:  # served over HTTPS: browsers keep to it for a year
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Fragments and full pages share URLs: caches must tell them apart.
        response.vary.add("HX-Request")
        # A static file is the same for everyone (and already says how to
        # cache it): no need to load the user for it.
        if is_api_request() or (request.endpoint != "static" and current_user.is_authenticated):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
