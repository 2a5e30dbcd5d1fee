"""The report email's unsubscribe link: the partner's id, signed."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..links import absolute_url
from ..models import Partner

# A salt of its own: no other signed value of the app (the morning email's
# token, for one) can pass for this one.
UNSUBSCRIBE_SALT = "partnerplan.partner-report.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(partner: Partner) -> str:
    """Never expires: a report of last year still unsubscribes."""
    return _serializer().dumps({"partner": partner.id})


def unsubscribe_url(partner: Partner) -> str:
    return absolute_url("partner_report.unsubscribe", token=unsubscribe_token(partner))


def partner_of_token(token: str) -> Partner | None:
    """The partner a token names, or None when it is not one we signed."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    partner_id = value.get("partner") if isinstance(value, dict) else None
    if not isinstance(partner_id, int) or isinstance(partner_id, bool):
        return None
    return db.session.get(Partner, partner_id)
