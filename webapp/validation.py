"""One rule per domain value, whichever way it comes in.

The partner and logbook forms, the CSV import and the book import all ask
here, and say the same words: a date is between 1900 and 2100 (year 1 or
9999 is a typo, and one past 9999 cannot even be computed with); a name,
company, email, phone or other one-line text holds no line break or other
control character (it would break the page, the CSV export and the
calendar files it lands in).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from wtforms.validators import ValidationError

FIRST_YEAR, LAST_YEAR = 1900, 2100
DATE_MESSAGE = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."
LINE_MESSAGE = "Keep this on one line: no line breaks or control characters."
# C0 controls (tab included), DEL, C1 controls, and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def date_problem(value: date | datetime | None) -> str | None:
    """DATE_MESSAGE when the day is outside 1900-2100; None when it is fine or missing."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return DATE_MESSAGE
    return None


def line_problem(value: str | None) -> str | None:
    """LINE_MESSAGE when one-line text holds a line break or a control character."""
    if value and CONTROL.search(value):
        return LINE_MESSAGE
    return None


def plausible_date(form, field) -> None:
    """WTForms validator: `date_problem` beside the field."""
    if problem := date_problem(field.data):
        raise ValidationError(problem)


def one_line(form, field) -> None:
    """WTForms validator: `line_problem` beside the field."""
    if problem := line_problem(field.data):
        raise ValidationError(problem)
