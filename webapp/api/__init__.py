"""The JSON API, /api/v1: the partner book for scripts and other programs.

Built with flask-smorest on this app's own blueprints: marshmallow schemas
describe what it answers, and apispec generates the OpenAPI 3.1 document
from them and from the routes (/api/v1/openapi.json), so the document cannot
drift from the code. (APIFlask, the other well-kept choice, wants to be the
application class itself.)

Same access as the pages (webapp/access.py), same forms and messages
(webapp/api/formdata.py), same create and save paths as the pages
(webapp/logbook/entries.py, webapp/partners/views.py, webapp/desk/decisions.py,
webapp/recommendations/lifecycle.py, webapp/planning/booking.py).
Authenticated by personal access tokens only (webapp/api/bearer.py).
"""

from flask import Flask
from flask_smorest import Api, Blueprint
from flask_smorest.spec.plugins import integerconverter2paramschema

from .schemas import Error, WallTime

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The partner book: partners, their interactions and referrals, the "
    "recommendations, tier changes, planning sessions and leads.",
)

DESCRIPTION = """\
Authenticate with a personal access token (More → API tokens):
`Authorization: Bearer <token>`. A read token reads; a write token also writes.

You see what the pages show you: an agent their own partners, a manager the
team's. Anything else answers 404, as the pages do.

Every error is JSON: `{"error": {"status", "message", "fields"}}`; `fields` holds
the messages by field, in the pages' words. Lists are walked with `cursor` and
`limit`; each page gives the `next_cursor`. Requests are limited per token.
"""


class PartnerPlanApi(Api):
    """flask-smorest's Api, but errors are the app's own (webapp/errors.py
    answers JSON under /api/, in the shape of `schemas.Error`)."""

    ERROR_SCHEMA = Error
    # Each operation documents the refusals it answers (views.refusals): a
    # catch-all "default" would make any status code conform to the document.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


api = PartnerPlanApi()


def init_app(app: Flask) -> None:
    """After `security.init_app`: the API's routes take its id converter."""
    from ..extensions import csrf, limiter
    from ..logbook.forms import NewInteractionForm
    from ..partners.forms import NewPartnerForm, PartnerForm
    from ..security import IdConverter
    from . import actions, planning, reference, referrals, views  # noqa: F401  (the routes)
    from .bearer import rate_limit, rate_limit_key
    from .cli import tokens_cli
    from .formdata import form_schema
    from .forms_documented import forms_documented

    api.init_app(
        app, spec_kwargs={"info": {"description": DESCRIPTION}, "security": [{"token": []}]}
    )
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.register_field(WallTime, "string", None)
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal access token."}
    )
    api.spec.components.schema(
        "NewInteraction",
        component=form_schema(
            NewInteractionForm,
            "An interaction to log: the fields of the partner page's log form, checked "
            "by that form. `at` may not be more than an hour ahead of the team's time; "
            "only a negative interaction may be flagged disrespectful.",
        ),
    )
    api.spec.components.schema(
        "PartnerEdit",
        component=form_schema(
            PartnerForm,
            "What to change of a partner: the fields of the partner's edit page, "
            "checked by that page's form. Send only what changes; null or a field not "
            "sent keeps its value, an empty string clears a text. `met_on` may not be "
            "in the future. `owner_id`: an agent may only name themselves, a manager "
            "any active agent of the team.",
            partial=True,
        ),
    )
    api.spec.components.schema(
        "NewPartner",
        component=form_schema(
            NewPartnerForm,
            "A partner to add: the fields of the New partner page, checked by that "
            "page's form. `met_on` may not be in the future. `owner_id`: an agent may "
            "only name themselves (the default), a manager any active agent of the team.",
        ),
    )
    for name, component in forms_documented().items():
        api.spec.components.schema(name, component=component)
    # Cookies mean nothing under /api/ (webapp/api/bearer.py): no CSRF to forge.
    csrf.exempt(bp)
    limiter.limit(rate_limit, key_func=rate_limit_key)(bp)
    api.register_blueprint(bp)
    app.register_blueprint(reference.bp)
    app.cli.add_command(tokens_cli)
