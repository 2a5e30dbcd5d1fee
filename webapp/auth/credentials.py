"""Whose account an email is, and checking a password at sign-in, the same work
whether or not the account exists."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User


def user_of_email(email: str) -> User | None:
    """The account of `email`, in any team (no two accounts share an email, whatever its case)."""
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )


@functools.cache
def dummy_hash(method: str) -> str:
    """A hash of nothing anyone types, made once per hashing method."""
    return generate_password_hash("no account has this password", method=method)


def verify_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's. An unknown email, or a user without a
    password yet, is checked against a dummy hash: as slow as a real one."""
    real = user is not None and bool(user.password_hash)
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    stored = user.password_hash if real else dummy_hash(method)
    matches = check_password_hash(stored, password)
    return real and matches
