"""Two-factor sign-in: a TOTP code from an authenticator app, or a recovery code.

Codes are checked against the one clock (`clock.utcnow()`), so a frozen clock
freezes them too; a code is accepted once (the time step it was made in is
kept). Recovery codes are ten random words of the alphabet below, shown once
and stored as sha256 hashes; each is good once.
"""

from __future__ import annotations

import secrets
from datetime import UTC

import pyotp
import sqlalchemy as sa
from markupsafe import Markup

from .. import clock, contact
from ..extensions import db
from ..models import User, token_hash

ISSUER = "PartnerPlan"
RECOVERY_CODES = 10
# No 0/O, 1/l/I: recovery codes are read off paper.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(text: str) -> Markup:
    """The QR code to scan into an authenticator app."""
    return contact.qr_svg(text, "QR code to scan")


def now_timestamp() -> float:
    return clock.utcnow().replace(tzinfo=UTC).timestamp()


def matching_step(secret: str, code: str) -> int | None:
    """The time step `code` belongs to (this one or the one either side), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = now_timestamp()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if totp.verify(code, for_time=at):
            return int(at // totp.interval)
    return None


def check_totp(user: User, code: str, secret: str | None = None) -> bool:
    """Whether `code` is the user's current code, not used before; marks it used.

    Marked in one conditional statement: of two requests with the same code at
    once, only the one that moves `totp_last_step` forward passes."""
    step = matching_step(secret or user.totp_secret or "", code)
    if step is None:
        return False
    moved = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    ).rowcount
    return moved == 1


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working); only hashes are kept."""
    codes = [
        "-".join("".join(secrets.choice(ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]
    user.recovery_codes = [token_hash(code) for code in codes]
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Whether `code` is one of the user's unused recovery codes; uses it up.

    The list is replaced only if it is still the one read (compare and swap):
    of two requests with the same code at once, only one uses it."""
    digest = token_hash("".join(code.split()).lower())
    db.session.refresh(user, ["recovery_codes"])
    codes = list(user.recovery_codes or [])
    if digest not in codes:
        return False
    remaining = [kept for kept in codes if kept != digest]
    as_read = sa.cast(sa.bindparam("as_read", codes, type_=sa.JSON), sa.Text)
    swapped = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, sa.cast(User.recovery_codes, sa.Text) == as_read)
        .values(recovery_codes=remaining)
    ).rowcount
    return swapped == 1


def check_code(user: User, code: str) -> str | None:
    """'code' or 'recovery code' when `code` passes as one, else None."""
    if check_totp(user, code):
        return "code"
    if use_recovery_code(user, code):
        return "recovery code"
    return None


def turn_off(user: User) -> None:
    user.totp_secret = user.totp_pending = user.recovery_codes = None
    user.totp_last_step = None


def required(user: User) -> bool:
    """Whether the user must set up two-factor sign-in before anything else."""
    return user.is_manager and user.team.require_two_factor and not user.two_factor
