"""Checking a password at sign-in, the same work whether or not the account exists."""

from __future__ import annotations

import functools

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User


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
