"""One rule per domain value, whichever way it comes in.

The forms, the CSV import (referrals/partner_import.py) and the book import
(book/validation.py) all ask here, and say the same words:

- a date is between 1900 and 2100 (year 1 or 9999 is a typo, and one past
  9999 cannot even be computed with); the day a partner was met is not in the
  future either;
- a birthday or an anniversary is `YYYY-MM-DD`, or `MM-DD` when the year is
  unknown, a day that exists, in a year between 1900 and this one (the
  reading itself is rules.facts.parse_annual_date, the one the
  recommendations use);
- an email address has the shape name@domain.tld and no spaces, quotes or
  brackets (no display name): a shape check, not RFC 5322, and not
  email-validator, which refuses reserved domains such as .test that teams
  trying PartnerPlan out use;
- a phone number has 7 to 15 digits (E.164 allows no more), with spaces and
  + ( ) - . between them;
- a name, company, email, phone or other one-line text holds no line break or
  other control character (it would break the page, the CSV export and the
  calendar files it lands in);
- a time zone is an IANA name the server knows (`America/New_York`), not the
  server's own `localtime`;
- a browser's push subscription names an https URL of a known push service
  (the server will POST to it: anything else would let a page make the server
  reach into its own network), and keys that are a P-256 point and a 16-byte
  secret. Loopback is taken only by an app under test or in debug;
- a webhook endpoint is an https URL, without a user or password, of a host
  that is not this machine or a private, link-local or reserved address
  (the server POSTs to it: the same reason; the sender checks again what the
  name resolves to before each delivery). Loopback over http or https is taken
  only by an app under test or in debug;
- the first session of a planning series is in one of the booking weeks
  offered (the four from a week from today) and at a start time of the
  agent's windows there;
- a team's day off is a date (1900-2100) with a one-line name of at most 80
  characters, one name a day;
- a team's currency is an ISO 4217 code of the list PartnerPlan shows
  symbols for (webapp/currency.py), in capitals (`USD`);
- an amount of money entered (spent on an interaction, a referral fee) is not
  negative, has at most two decimals (cents) and is at most 1,000,000: more
  is a typo (a misplaced decimal point), not a lunch;
- a tag on a partner is one line of at most 40 characters, without a comma or
  a semicolon: those separate tags where they are typed as text (the partner
  form, a CSV import's column) and written out (a CSV export's cell);
- an agreement's cost shares are whole percentages from 0 to 100, ours and the
  partner's, that make 100 together; it ends on or after the day it starts;
- the reference to a signed document is one line of at most 1000
  characters: an http(s) URL with a host when it looks like a link, or a
  plain note of where the paper is ("Drive: MSA 2027.pdf").

Each `*_problem` returns the message, or None when the value is fine or
missing; the WTForms validators below put the same message beside the field.
"This year" and "the future" are the team's (clock.today in its time zone).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from cryptography.hazmat.primitives.asymmetric import ec
from flask_login import current_user
from wtforms.validators import ValidationError

from rules.facts import parse_annual_date

from . import clock
from .currency import CURRENCIES

FIRST_YEAR, LAST_YEAR = 1900, 2100
DATE_MESSAGE = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."
FUTURE_MESSAGE = "Enter a day that is not in the future."
ANNUAL_DATE_MESSAGE = "Enter a day that exists, as YYYY-MM-DD, or MM-DD without the year."
ANNUAL_YEAR_MESSAGE = f"Enter a year between {FIRST_YEAR} and this year, or leave the year out."
EMAIL_MESSAGE = "Enter an email address like name@example.com."
PHONE_MESSAGE = (
    "Enter a phone number: 7 to 15 digits, with spaces and + ( ) - . only, "
    "and an extension after x or ext. if it has one."
)
LINE_MESSAGE = "Keep this on one line: no line breaks or control characters."
TIMEZONE_MESSAGE = "Choose a time zone from the list (a name like America/New_York)."
PUSH_ENDPOINT_MESSAGE = "This browser's push service is not one PartnerPlan can send to."
PUSH_KEYS_MESSAGE = "This browser's subscription keys are not valid."
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WEBHOOK_URL_MESSAGE = (
    "Enter an https:// URL of a server on the internet (not a private or local address)."
)
CURRENCY_MESSAGE = "Choose a currency from the list (an ISO 4217 code like USD or EUR)."
AMOUNT_MAX = Decimal(1_000_000)
AMOUNT_NEGATIVE_MESSAGE = "Enter an amount of 0 or more."
AMOUNT_CENTS_MESSAGE = "Enter the amount with at most two decimals (cents), e.g. 62.50."
AMOUNT_MAX_MESSAGE = f"Enter an amount of at most {AMOUNT_MAX:,}."
COMMISSION_MAX = Decimal(10_000_000)
COMMISSION_MESSAGE = f"Enter an amount between 0 and {COMMISSION_MAX:,}."
SLOT_MESSAGE = "Pick one of the slots."
HOLIDAY_NAME_MAX = 80
TAG_MAX = 40
TAG_LENGTH_MESSAGE = f"Keep each tag to {TAG_MAX} characters or fewer."
TAG_SEPARATOR_MESSAGE = "A tag cannot hold a comma or a semicolon: they separate tags."
SHARE_MESSAGE = "Enter a whole percentage from 0 to 100."
SHARES_SUM_MESSAGE = "The two shares must add up to 100%."
AGREEMENT_END_MESSAGE = "Enter an end on or after the start."
DOCUMENT_MAX = 1000
DOCUMENT_URL_MESSAGE = (
    "Enter a link that starts with https:// or http:// and names a site, "
    "or a plain note of where the signed document is."
)
DOCUMENT_LENGTH_MESSAGE = f"Keep the reference to {DOCUMENT_MAX} characters or fewer."

# C0 controls (tab included), DEL, C1 controls, and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# One @, a dot in the domain, and none of the spaces or characters (< > ( ) [ ] \ , ; : ")
# that only a quoted address or a display name ("Ann <ann@example.com>") would hold.
_ADDRESS_PART = r'[^@\s<>()\[\]\\,;:"]+'
EMAIL = re.compile(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}")
PHONE = re.compile(r"[0-9+().\-\s]+")
# An extension after the number, as offices write it: "555 0102 x12", "ext. 12", "ext 12".
PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?)\s*(\d{1,6})\s*$", re.IGNORECASE)
# The names zoneinfo reads, but those that are no place: the server's own zone and
# tzdata's placeholder.
TIMEZONES = frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def date_problem(value: date | datetime | None) -> str | None:
    """DATE_MESSAGE when the day is outside 1900-2100."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return DATE_MESSAGE
    return None


def past_date_problem(value: date | None, today: date) -> str | None:
    """A day that has come: DATE_MESSAGE outside 1900-2100, FUTURE_MESSAGE after `today`."""
    if problem := date_problem(value):
        return problem
    if value is not None and value > today:
        return FUTURE_MESSAGE
    return None


def annual_date_problem(text: str | None, today: date) -> str | None:
    """A birthday or anniversary, as typed: `YYYY-MM-DD` or `MM-DD`, in a year up to `today`'s."""
    if not text:
        return None
    annual = parse_annual_date(text)
    if annual is None:
        return ANNUAL_DATE_MESSAGE
    if annual.year is not None and not FIRST_YEAR <= annual.year <= today.year:
        return ANNUAL_YEAR_MESSAGE
    return None


def stored_email(text: str | None) -> str | None:
    """A partner's email as kept: lower case (addresses are compared and
    deduplicated without their capitals), None when empty."""
    return text.strip().lower() or None if text else None


def email_problem(text: str | None) -> str | None:
    """EMAIL_MESSAGE when the text is not shaped like one address."""
    if text and not EMAIL.fullmatch(text):
        return EMAIL_MESSAGE
    return None


def phone_problem(text: str | None) -> str | None:
    """PHONE_MESSAGE when the text is not 7 to 15 digits with spaces and + ( ) - . only,
    followed or not by an extension."""
    if not text:
        return None
    extension = PHONE_EXTENSION.search(text)
    number = text[: extension.start()] if extension else text
    if not (PHONE.fullmatch(number) and 7 <= len(re.sub(r"[^0-9]", "", number)) <= 15):
        return PHONE_MESSAGE
    return None


def line_problem(value: str | None) -> str | None:
    """LINE_MESSAGE when one-line text holds a line break or a control character."""
    if value and CONTROL.search(value):
        return LINE_MESSAGE
    return None


def tag_problem(name: str | None) -> str | None:
    """A tag's name (trimmed): at most TAG_MAX characters, one line, no comma or semicolon."""
    if not name:
        return None
    if problem := line_problem(name):
        return problem
    if "," in name or ";" in name:
        return TAG_SEPARATOR_MESSAGE
    if len(name) > TAG_MAX:
        return TAG_LENGTH_MESSAGE
    return None


def share_problem(value: int | None) -> str | None:
    """SHARE_MESSAGE when a cost share is not a whole percentage from 0 to 100."""
    if value is not None and not (isinstance(value, int) and 0 <= value <= 100):
        return SHARE_MESSAGE
    return None


def shares_problem(ours: int | None, theirs: int | None) -> str | None:
    """Both shares valid, and together 100 (each side's part of the whole cost)."""
    if ours is None or theirs is None:
        return None
    if share_problem(ours) or share_problem(theirs):
        return SHARE_MESSAGE
    if ours + theirs != 100:
        return SHARES_SUM_MESSAGE
    return None


def agreement_dates_problem(starts_on: date | None, ends_on: date | None) -> str | None:
    """AGREEMENT_END_MESSAGE when the agreement would end before it starts."""
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        return AGREEMENT_END_MESSAGE
    return None


def document_problem(text: str | None) -> str | None:
    """A reference to a signed document: one line, not too long, and a real link
    when it looks like one (a scheme, or a "www." start)."""
    if not text:
        return None
    if problem := line_problem(text):
        return problem
    if len(text) > DOCUMENT_MAX:
        return DOCUMENT_LENGTH_MESSAGE
    lowered = text.lower()
    if "://" in lowered or lowered.startswith(("www.", "http:", "https:")):
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
            return DOCUMENT_URL_MESSAGE
        if "." not in parts.hostname and parts.hostname != "localhost":
            return DOCUMENT_URL_MESSAGE
    return None


def timezone_problem(name: str | None) -> str | None:
    """TIMEZONE_MESSAGE when the name is not a time zone the server knows."""
    if name and name not in TIMEZONES:
        return TIMEZONE_MESSAGE
    return None


def currency_problem(code: str | None) -> str | None:
    """CURRENCY_MESSAGE unless the code is one of the ISO 4217 codes of `CURRENCIES`."""
    if code and code not in CURRENCIES:
        return CURRENCY_MESSAGE
    return None


def amount_problem(value: Decimal | None) -> str | None:
    """An amount of money: not negative, whole cents, at most AMOUNT_MAX."""
    if value is None:
        return None
    if not value.is_finite() or value < 0:
        return AMOUNT_NEGATIVE_MESSAGE
    if value > AMOUNT_MAX:  # first: quantizing 1E+30 would overflow the context
        return AMOUNT_MAX_MESSAGE
    if value != value.quantize(Decimal("0.01")):
        return AMOUNT_CENTS_MESSAGE
    return None


def commission_problem(value: Decimal | None) -> str | None:
    """A referral's commission, earned or expected: 0 to COMMISSION_MAX, whole
    cents (as the book file keeps it)."""
    if value is None:
        return None
    if not value.is_finite() or not 0 <= value <= COMMISSION_MAX:
        return COMMISSION_MESSAGE
    if value != value.quantize(Decimal("0.01")):
        return AMOUNT_CENTS_MESSAGE
    return None


def push_endpoint_problem(
    url: object, services: Iterable[str], *, loopback: bool = False
) -> str | None:
    """PUSH_ENDPOINT_MESSAGE unless `url` is https on port 443 of one of the `services`
    hosts or a subdomain of one, with no user or password in it (or, with
    `loopback`, http or https to this machine)."""
    if not isinstance(url, str) or len(url) > 1000 or CONTROL.search(url):
        return PUSH_ENDPOINT_MESSAGE
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return PUSH_ENDPOINT_MESSAGE
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None or not host:
        return PUSH_ENDPOINT_MESSAGE
    if loopback and host in LOOPBACK and parts.scheme in ("http", "https"):
        return None
    known = any(host == service or host.endswith(f".{service}") for service in services)
    if parts.scheme != "https" or port not in (None, 443) or not known:
        return PUSH_ENDPOINT_MESSAGE
    return None


def webhook_url_problem(url: object, *, loopback: bool = False) -> str | None:
    """WEBHOOK_URL_MESSAGE unless `url` is https, without a user or password, to a
    name or a public address (with `loopback`, also http or https to this machine).
    A name is not resolved here: `public_address_problem` checks what it resolves
    to when a delivery is sent."""
    if not isinstance(url, str) or len(url) > 1000 or CONTROL.search(url) or " " in url:
        return WEBHOOK_URL_MESSAGE
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        return WEBHOOK_URL_MESSAGE
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None or not host:
        return WEBHOOK_URL_MESSAGE
    if loopback and host in LOOPBACK and parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "https" or host == "localhost" or host.endswith(".localhost"):
        return WEBHOOK_URL_MESSAGE
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host.replace(".", "").isdigit():  # 2130706433, 127.1: loopback in disguise
            return WEBHOOK_URL_MESSAGE
        return None  # a name
    return None if address.is_global else WEBHOOK_URL_MESSAGE


def public_address_problem(addresses: Iterable[str], *, loopback: bool = False) -> str | None:
    """WEBHOOK_URL_MESSAGE when any of the addresses a name resolved to is not a
    public one (with `loopback`, this machine's are taken too)."""
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not (address.is_global or (loopback and address.is_loopback)):
            return WEBHOOK_URL_MESSAGE
    return None


def _base64url(value: object) -> bytes | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def push_keys_problem(p256dh: object, auth: object) -> str | None:
    """PUSH_KEYS_MESSAGE unless `p256dh` is a P-256 public key (uncompressed point)
    and `auth` a 16-byte secret, both base64url."""
    point, secret = _base64url(p256dh), _base64url(auth)
    if point is None or secret is None or len(point) != 65 or len(secret) != 16:
        return PUSH_KEYS_MESSAGE
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return PUSH_KEYS_MESSAGE
    return None


def series_start_problem(
    first: datetime | None, weeks: list[date], starts: Collection[datetime]
) -> str | None:
    """A planning series' first session: in one of the booking `weeks` (their first
    days), at one of the window `starts` there. None when it is fine."""
    if first is None:
        return SLOT_MESSAGE
    last = weeks[-1] + timedelta(days=6)
    if not weeks[0] <= first.date() <= last:
        return (
            f"The first session must be within the next four weeks, from "
            f"{weeks[0].day} {weeks[0]:%b} to {last.day} {last:%b %Y}: pick one of the slots."
        )
    if first not in starts:
        return (
            f"{first:%a} {first.day} {first:%b} at {first:%H:%M} is not a start time "
            "of the planning windows: pick one of the slots."
        )
    return None


# --- the same rules as WTForms validators ----------------------------------------------


def team_today() -> date:
    """The signed-in user's team's day: what "this year" and "the future" are measured by."""
    return clock.today(current_user.team.timezone)


def field_validator(problem: Callable[[Any], str | None]) -> Callable[[Any, Any], None]:
    """A WTForms validator that shows `problem`'s message beside the field."""

    def validate(form, field) -> None:
        if message := problem(field.data):
            raise ValidationError(message)

    validate.__doc__ = f"WTForms validator: `{problem.__name__}` beside the field."
    return validate


plausible_date = field_validator(date_problem)
one_line = field_validator(line_problem)
email_address = field_validator(email_problem)
phone_number = field_validator(phone_problem)
time_zone = field_validator(timezone_problem)
currency_code = field_validator(currency_problem)
money_amount = field_validator(amount_problem)
commission_amount = field_validator(commission_problem)
cost_share = field_validator(share_problem)
document_reference = field_validator(document_problem)


def past_date(form, field) -> None:
    """WTForms validator: `past_date_problem` beside the field, against the team's day."""
    if message := past_date_problem(field.data, team_today()):
        raise ValidationError(message)


def annual_date(form, field) -> None:
    """WTForms validator: `annual_date_problem` beside the field, against the team's year."""
    if message := annual_date_problem(field.data, team_today()):
        raise ValidationError(message)
