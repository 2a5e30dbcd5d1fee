"""The email's links: the signed unsubscribe token."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..links import absolute_url
from ..models import User

# A salt of its own: no other signed value of the app can pass for this token.
UNSUBSCRIBE_SALT = "partnerplan.morning-email.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """The user's unsubscribe token: their id, signed. It never expires, so that
    a months-old email still unsubscribes."""
    return _serializer().dumps(user.id)


def unsubscribe_url(user: User) -> str:
    return absolute_url("morning.unsubscribe", token=unsubscribe_token(user))


def user_of_token(token: str) -> User | None:
    """The user a token names, or None when it is not one we signed."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return db.session.get(User, user_id)
