"""The password rule every form and command shares."""

import pytest

from webapp.auth.passwords import MIN_LENGTH, password_problem


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "1234567890", "password12", "aaaaaaaaaaaa", "password1234"]
)
def test_short_or_common_passwords_are_refused(password):
    assert password_problem(password)


def test_the_length_is_said_first():
    assert password_problem("Tr0ub4dor&3") == f"Use at least {MIN_LENGTH} characters."


@pytest.mark.parametrize("password", ["correct horse battery", "Harbor2026Realty!-tide"])
def test_long_unguessable_passwords_are_accepted(password):
    assert password_problem(password) is None
