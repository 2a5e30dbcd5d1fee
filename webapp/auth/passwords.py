"""What makes a password acceptable: one rule for every place a user chooses one.

At least MIN_LENGTH characters, and not easy to guess: zxcvbn estimates how
many guesses a password takes from bundled lists of common passwords, words
and names, and patterns such as repeats and sequences (no network). Its
own words say why a password is weak; the email and name of the user count
as known words.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn's scores run 0-4; 3 is "safely unguessable" (about 10^8 guesses or more).
MIN_SCORE = 3


def password_problem(password: str, *, known: tuple[str, ...] = ()) -> str | None:
    """Why `password` is refused, in words for people; None when it is acceptable.

    `known`: what an attacker knows of the user (email, name), which a
    password should not lean on.
    """
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    # zxcvbn's run time grows with the length: the first 100 characters decide.
    words = [word for text in known if text for word in re.split(r"[^\w]+", text.lower()) if word]
    verdict = zxcvbn(password[:100], user_inputs=words)
    if verdict["score"] >= MIN_SCORE:
        return None
    warning = verdict["feedback"]["warning"] or "This password is easy to guess."
    return f"{warning.rstrip('.')}. Try a few unrelated words together."
