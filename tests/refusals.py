"""Bad values that every way in refuses in the same words.

The partner form (tests/test_forms.py), the book import (tests/test_book.py)
and the CSV import (tests/test_partners_csv.py) each try every row below:
all three ask webapp/validation.py, so each must say exactly its message.
"""

from webapp import validation

# (partner field, bad value, what every way in says)
REFUSED = [
    ("name", "Ryan\nMcMillan", validation.LINE_MESSAGE),
    ("company", "Stone\u2028Realty", validation.LINE_MESSAGE),
    ("email", "not-an-email", validation.EMAIL_MESSAGE),
    ("email", "ann@example", validation.EMAIL_MESSAGE),
    ("email", "Ann <ann@example.com>", validation.EMAIL_MESSAGE),
    ("phone", "12", validation.PHONE_MESSAGE),
    ("phone", "555 010 2030 ext. seven", validation.PHONE_MESSAGE),
    ("phone", "+1 555 010 2030 4455 6", validation.PHONE_MESSAGE),  # 16 digits
    ("met_on", "1899-12-31", validation.DATE_MESSAGE),
    ("met_on", "2099-01-01", validation.FUTURE_MESSAGE),
    ("birthday", "02-30", validation.ANNUAL_DATE_MESSAGE),
    ("birthday", "2025-02-29", validation.ANNUAL_DATE_MESSAGE),
    ("birthday", "1980-13-01", validation.ANNUAL_DATE_MESSAGE),
    ("birthday", "April 12", validation.ANNUAL_DATE_MESSAGE),
    ("anniversary", "1899-06-01", validation.ANNUAL_YEAR_MESSAGE),
    ("anniversary", "3026-06-01", validation.ANNUAL_YEAR_MESSAGE),
]
REFUSED_IDS = [f"{field}={value!r}" for field, value, _ in REFUSED]
