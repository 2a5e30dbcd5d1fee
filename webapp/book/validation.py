"""Check a partner book document (BOOK_FORMAT.md) before anything is stored.

Pure code: it reads the document and returns every problem it finds, each
with the path of the value at fault (`partners[3].interactions[0].kind`), so
that a team fixes its whole file in one pass instead of one error per try.
The importer stores nothing unless this returns no problem at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rules import team
from rules.cadence import ANY_PROFESSION, CADENCE_TIERS, MAX_DAYS, MIN_DAYS
from rules.health import WEIGHTS
from rules.vocabulary import (
    CLIENT_TYPES,
    DIRECTIONS,
    INTERACTION_KINDS,
    LEAD_STATUSES,
    OUTCOMES,
    PERSONAL_DETAILS,
    PLANNING_QUESTIONS,
    PLANNING_STATUSES,
    PROFESSIONS,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
    ROLES,
    SENTIMENTS,
    SOURCES,
    TIERS,
)

from ..models import tag_key
from ..partners.tags import MOST_TAGS
from ..validation import (
    HOLIDAY_NAME_MAX,
    annual_date_problem,
    date_problem,
    email_problem,
    line_problem,
    past_date_problem,
    phone_problem,
    tag_problem,
    timezone_problem,
)

# The version of the format this PartnerPlan writes, and the newest it reads.
# It goes up with every field added (docs/BOOK_FORMAT.md says what each added).
VERSION = 3
FORMAT_NAME = "partnerplan-book"
FORMAT = f"{FORMAT_NAME}/{VERSION}"
FORMAT_PATTERN = re.compile(rf"{FORMAT_NAME}/([1-9][0-9]{{0,5}})")

# Every field added since the original partnerplan-book/1, by where it sits in
# the document, with the version that added it. Each is optional: a file
# without it imports with its default (docs/BOOK_FORMAT.md). A field is taken
# only in a file of its version or a later one. Those of version 1 came into
# the exports while the format still said partnerplan-book/1 (the string did
# not change then), so a /1 file may hold them.
ADDED_FIELDS: dict[str, int] = {
    "team.timezone": 1,
    "team.planning_hours": 1,
    "users[].active": 1,
    "partners[].archived_at": 1,
    "partners[].interactions[].minutes": 1,
    "partners[].referrals[].by": 1,
    "partners[].referrals[].notes": 1,
    "partners[].planning_sessions[].series": 1,
    "partners[].planning_sessions[].by": 1,
    "partners[].leads": 1,
    "holidays": 1,
    "partners[].tags": 2,
    # Keep-in-touch cadences and health weights (rules/cadence.py, rules/health.py).
    "team.cadences": 3,
    "team.health_weights": 3,
    "partners[].cadence": 3,
    "team_rules": 3,
}

# Longest text each field may hold: the lengths of the columns it lands in
# (webapp/models.py). Kept here so that validation needs no database.
LIMITS = {
    "team.name": 200,
    "team.timezone": 64,
    "team.planning_hours": 200,
    "user.email": 254,
    "user.name": 200,
    "partner.key": 100,
    "partner.name": 200,
    "partner.company": 200,
    "partner.email": 254,
    "partner.phone": 50,
    "detail": 200,
    "detail.hobbies": 500,
    "detail.in_common": 500,
    "referral.client": 200,
    "planning_session.series": 64,
    "lead.name": 200,
    "lead.contact": 200,
    "holiday.name": HOLIDAY_NAME_MAX,
}
# Numeric(12, 2): ten digits before the point, two after.
MAX_MONEY = Decimal("9999999999.99")
LEAD_QUESTIONS = ("met_recently", "showing_soon")

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
PLANNING_HOURS_PATTERN = re.compile(
    r"(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)"
)

TEAM_FIELDS = {
    "name", "commission_per_side", "timezone", "planning_hours", "cadences", "health_weights",
}  # fmt: skip
CADENCE_FIELDS = {"every", "at_most"}
USER_FIELDS = {"email", "name", "role", "active"}
PARTNER_FIELDS = {
    "key", "owner", "name", "company", "profession", "email", "phone", "tier", "source",
    "met_on", "do_not_contact", "client_types", "birthday", "anniversary", "details",
    "notes", "commitment", "archived_at", "interactions", "referrals", "planning_sessions",
    "leads", "tags", "cadence",
}  # fmt: skip
TEAM_RULE_FIELDS = {
    "slug", "name", "enabled", "match", "conditions", "action", "due_days", "tier_to",
    "priority", "reason",
}  # fmt: skip
COMMITMENT_FIELDS = {"made_on", "first_referral_by"}
INTERACTION_FIELDS = {
    "at", "kind", "direction", "outcome", "sentiment", "disrespectful", "minutes", "by", "notes",
}  # fmt: skip
REFERRAL_FIELDS = {"direction", "on", "client", "status", "closed_on", "commission", "by", "notes"}
PLANNING_SESSION_FIELDS = {"starts_at", "minutes", "status", "answers", "series", "by"}
LEAD_FIELDS = {"name", "contact", "question", "status", "notes", "planning_session"}
HOLIDAY_FIELDS = {"day", "name"}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def one_of(values) -> str:
    return ", ".join(values)


def shown(value: Any) -> str:
    """A value as the file wrote it, shortened: 'coffe', 12, true."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)


def parse_date(value: str) -> date | None:
    if not DATE_PATTERN.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime | None:
    if not DATETIME_PATTERN.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class Checker:
    """Walks one document and collects problems; `problems` is the result.

    `today` is the day it is for the team the book lands in: the forms'
    rules measure "this year" and "the future" by it (webapp/validation.py).
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.problems: list[Problem] = []
        self.user_emails: set[str] = set()
        # The file's own version (its `format`); the current one until it is read.
        self.version = VERSION

    @property
    def format(self) -> str:
        return f"{FORMAT_NAME}/{self.version}"

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # --- one value ------------------------------------------------------------

    def object(self, value: Any, path: str, fields: set[str], where: str = "") -> bool:
        """An object with only the fields of the file's version (a typo must not
        vanish silently). `where`: its place in the format (`partners[]`), by
        which ADDED_FIELDS names the fields later versions added."""
        if not isinstance(value, dict):
            self.add(path, f"expected an object, got {shown(value)}")
            return False
        for name in sorted(set(value)):
            added = ADDED_FIELDS.get(f"{where}.{name}" if where else name, 1)
            if name in fields and added <= self.version:
                continue
            field_path = f"{path}.{name}" if path else name
            if name in fields:
                self.add(
                    field_path,
                    f"not part of {self.format}: it came with {FORMAT_NAME}/{added} "
                    f'(a file that holds it says "format": "{FORMAT_NAME}/{added}")',
                )
            else:
                self.add(field_path, f"unknown field (not part of {self.format})")
        return True

    def present(self, record: dict, name: str, path: str, required: bool) -> bool:
        """Whether the field holds a value; complains when a required one does not."""
        if record.get(name) is None:
            if required:
                self.add(path, "is required")
            return False
        return True

    def text(self, record: dict, name: str, path: str, limit: int | None = None,
             required: bool = False, line: bool = False, rule=None) -> None:  # fmt: skip
        """Text; `line`: one-line text (a name, an email), no line break or control character;
        `rule`: the webapp.validation rule of its value (`email_problem`, `phone_problem`)."""
        if not self.present(record, name, path, required):
            return
        value = record[name]
        if not isinstance(value, str):
            self.add(path, f"expected text, got {shown(value)}")
        elif required and not value.strip():
            self.add(path, "must not be empty")
        elif limit is not None and len(value) > limit:
            self.add(path, f"is {len(value)} characters long; at most {limit} fit")
        elif "\x00" in value:
            self.add(path, "contains a NUL character, which cannot be stored")
        elif line and (problem := line_problem(value)):
            self.add(path, problem)
        elif rule is not None and (problem := rule(value)):
            self.add(path, problem)

    def choice(self, record: dict, name: str, path: str, values, required: bool = False) -> None:
        if not self.present(record, name, path, required):
            return
        value = record[name]
        if not isinstance(value, str) or value not in values:
            self.add(path, f"{shown(value)} is not one of {one_of(values)}")

    def flag(self, record: dict, name: str, path: str) -> None:
        if self.present(record, name, path, False) and not isinstance(record[name], bool):
            self.add(path, f"expected true or false, got {shown(record[name])}")

    def day(self, record: dict, name: str, path: str, required: bool = False,
            past: bool = False) -> None:  # fmt: skip
        """A date; `past`: one that has come already (the day a partner was met)."""
        if not self.present(record, name, path, required):
            return
        value = record[name]
        if not isinstance(value, str):
            self.add(path, f"expected a date (YYYY-MM-DD), got {shown(value)}")
        elif (day := parse_date(value)) is None:
            self.add(path, f"{shown(value)} is not a date (YYYY-MM-DD)")
        elif problem := (past_date_problem(day, self.today) if past else date_problem(day)):
            self.add(path, problem)

    def moment(self, record: dict, name: str, path: str, required: bool = False) -> None:
        if not self.present(record, name, path, required):
            return
        value = record[name]
        if not isinstance(value, str):
            self.add(path, f"expected a local time (YYYY-MM-DDTHH:MM:SS), got {shown(value)}")
        elif parse_datetime(value) is None:
            self.add(path, f"{shown(value)} is not a local time (YYYY-MM-DDTHH:MM:SS)")
        elif problem := date_problem(parse_datetime(value)):
            self.add(path, problem)

    def annual_date(self, record: dict, name: str, path: str) -> None:
        """A birthday or anniversary: YYYY-MM-DD, or MM-DD when the year is unknown."""
        if not self.present(record, name, path, False):
            return
        value = record[name]
        if not isinstance(value, str):
            self.add(path, f"expected a date (YYYY-MM-DD or MM-DD), got {shown(value)}")
        elif problem := annual_date_problem(value, self.today):
            self.add(path, problem)

    def whole_number(self, record: dict, name: str, path: str, minimum: int) -> None:
        if not self.present(record, name, path, False):
            return
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"expected a whole number, got {shown(value)}")
        elif value < minimum:
            self.add(path, f"must be at least {minimum}, got {value}")
        elif value > 100_000:
            self.add(path, f"{value} is too large")

    def money(self, record: dict, name: str, path: str) -> None:
        if not self.present(record, name, path, False):
            return
        value = record[name]
        amount = None
        if not isinstance(value, bool) and isinstance(value, int | float):
            amount = parse_money(value)
        if amount is None or not amount.is_finite():
            self.add(path, f"expected an amount (a number), got {shown(value)}")
        elif amount < 0:
            self.add(path, f"must not be negative, got {shown(value)}")
        elif amount > MAX_MONEY:
            self.add(path, f"{shown(value)} is too large")
        elif amount != amount.quantize(Decimal("0.01")):
            self.add(path, f"{shown(value)} has more than two decimals")

    def user(self, record: dict, name: str, path: str, required: bool = False) -> None:
        if not self.present(record, name, path, required):
            return
        value = record[name]
        if not isinstance(value, str):
            self.add(path, f"expected a user's email, got {shown(value)}")
        elif value.lower() not in self.user_emails:
            self.add(path, f"{shown(value)} is not one of the file's users")

    def items(self, record: dict, name: str, path: str) -> list[tuple[str, Any]]:
        """The elements of a list field, with their paths (missing or null: none)."""
        if not self.present(record, name, path, False):
            return []
        value = record[name]
        if not isinstance(value, list):
            self.add(path, f"expected a list, got {shown(value)}")
            return []
        return [(f"{path}[{index}]", item) for index, item in enumerate(value)]

    # --- the document ------------------------------------------------------------

    def version_of(self, document: dict) -> bool:
        """Read the file's version from its `format`; False when the file is of a
        newer version than this PartnerPlan reads (then nothing else is checked:
        its fields are not known here)."""
        value = document.get("format")
        match = FORMAT_PATTERN.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            expected = f"{FORMAT_NAME}/1 to {FORMAT}"
            if value is None:
                self.add("format", f"is required: the version of the format ({expected})")
            else:
                self.add("format", f"{shown(value)} is not a version of the format ({expected})")
            return True  # checked as the current version: every other problem is listed too
        if int(match.group(1)) > VERSION:
            self.add(
                "format",
                f"this file is {value}, a newer version of the format than this PartnerPlan "
                f"reads ({FORMAT_NAME}/1 to {FORMAT}): update PartnerPlan to import it, or "
                f"export the book as {FORMAT} from where it was written",
            )
            return False
        self.version = int(match.group(1))
        return True

    def document(self, document: Any) -> None:
        if not isinstance(document, dict):
            self.add("", f"expected an object, got {shown(document)}")
            return
        if not self.version_of(document):
            return
        self.object(document, "", {"format", "team", "users", "partners", "holidays", "team_rules"})
        if self.present(document, "team", "team", True):
            self.team(document["team"])
        for path, user in self.items(document, "users", "users"):
            self.user_record(user, path)
        keys: dict[str, str] = {}
        for path, partner in self.items(document, "partners", "partners"):
            self.partner(partner, path, keys)
        days: dict[str, str] = {}
        for path, holiday in self.items(document, "holidays", "holidays"):
            self.holiday(holiday, path, days)
        slugs: dict[str, str] = {}
        for path, rule in self.items(document, "team_rules", "team_rules"):
            self.team_rule(rule, path, slugs)

    def team_rule(self, rule: Any, path: str, slugs: dict[str, str]) -> None:
        """A rule of the team's own: rules/team.py's checks, each at its field's path."""
        if not self.object(rule, path, TEAM_RULE_FIELDS, "team_rules[]"):
            return
        for key, message in team.check(rule).items():
            # "conditions-0-value" -> "conditions[0].value"; "conditions-0" -> "conditions[0]"
            where = re.sub(r"^conditions-([0-9]+)", r"conditions[\1]", key).replace("]-", "].")
            self.add(f"{path}.{where}", message[:1].lower() + message[1:])
        conditions = rule.get("conditions")
        for index, condition in enumerate(conditions if isinstance(conditions, list) else []):
            if isinstance(condition, dict) and set(condition) - {"fact", "op", "value"}:
                self.add(f"{path}.conditions[{index}]", "has fields other than fact, op, value")
        slug = rule.get("slug")
        if isinstance(slug, str):
            if slug in slugs:
                self.add(f"{path}.slug", f"{shown(slug)} is already the id of {slugs[slug]}")
            slugs.setdefault(slug, path)

    def holiday(self, holiday: Any, path: str, days: dict[str, str]) -> None:
        """A team day off: a date, once in the file, and its name."""
        if not self.object(holiday, path, HOLIDAY_FIELDS, "holidays[]"):
            return
        self.day(holiday, "day", f"{path}.day", required=True)
        day = holiday.get("day")
        if isinstance(day, str):
            if day in days:
                self.add(f"{path}.day", f"{shown(day)} is already the day of {days[day]}")
            days.setdefault(day, path)
        limit = LIMITS["holiday.name"]
        self.text(holiday, "name", f"{path}.name", limit, required=True, line=True)

    def team(self, team: Any) -> None:
        if not self.object(team, "team", TEAM_FIELDS, "team"):
            return
        self.text(team, "name", "team.name", LIMITS["team.name"], required=True, line=True)
        self.money(team, "commission_per_side", "team.commission_per_side")
        self.text(team, "timezone", "team.timezone", LIMITS["team.timezone"])
        zone = team.get("timezone")
        if isinstance(zone, str) and (not zone or timezone_problem(zone)):  # "": no zone
            self.add("team.timezone", f"{shown(zone)} is not a time zone (e.g. America/New_York)")
        self.text(team, "planning_hours", "team.planning_hours", LIMITS["team.planning_hours"])
        hours = team.get("planning_hours")
        problem = isinstance(hours, str) and planning_hours_problem(normal_planning_hours(hours))
        if problem:
            self.add("team.planning_hours", problem)
        cadences = team.get("cadences")
        keys = set(cadences) if isinstance(cadences, dict) else set()  # any key: checked below
        if cadences is not None and self.object(cadences, "team.cadences", keys):
            for key, cadence in cadences.items():
                tier, _, profession = key.partition("/")
                if tier not in CADENCE_TIERS or profession not in (ANY_PROFESSION, *PROFESSIONS):
                    self.add(
                        f"team.cadences.{key}",
                        f"names no tier and profession (e.g. {shown('maintain/lender')} or "
                        f"{shown('cultivate/*')}; tiers {one_of(CADENCE_TIERS)})",
                    )
                self.cadence(cadence, f"team.cadences.{key}")
        weights = team.get("health_weights")
        if weights is not None and self.object(weights, "team.health_weights", set(WEIGHTS)):
            for name in WEIGHTS:
                value = weights.get(name)
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                    self.add(f"team.health_weights.{name}", "expected a whole number from 0 to 100")
                    return
            if sum(weights.values()) != 100:
                self.add("team.health_weights", f"add up to {sum(weights.values())}, not 100")

    def cadence(self, cadence: Any, path: str) -> None:
        """A keep-in-touch cadence: `every` so many days, overdue `at_most` after."""
        if not self.object(cadence, path, CADENCE_FIELDS):
            return
        every, at_most = cadence.get("every"), cadence.get("at_most")
        for name, value in (("every", every), ("at_most", at_most)):
            if value is None and name == "at_most":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(f"{path}.{name}", f"expected a whole number of days, got {shown(value)}")
                return
            if not MIN_DAYS <= value <= MAX_DAYS:
                self.add(f"{path}.{name}", f"must be from {MIN_DAYS} to {MAX_DAYS} days")
                return
        if at_most is not None and at_most < every:
            self.add(f"{path}.at_most", f"{at_most} is sooner than every {every} days")

    def user_record(self, user: Any, path: str) -> None:
        if not self.object(user, path, USER_FIELDS, "users[]"):
            return
        self.text(user, "email", f"{path}.email", LIMITS["user.email"], True, True, email_problem)
        email = user.get("email")
        if isinstance(email, str) and email.strip():
            if email.lower() in self.user_emails:
                self.add(f"{path}.email", f"{shown(email)} appears twice among the users")
            self.user_emails.add(email.lower())
        self.text(user, "name", f"{path}.name", LIMITS["user.name"], required=True, line=True)
        self.choice(user, "role", f"{path}.role", ROLES, required=True)
        self.flag(user, "active", f"{path}.active")

    def partner(self, partner: Any, path: str, keys: dict[str, str]) -> None:
        if not self.object(partner, path, PARTNER_FIELDS, "partners[]"):
            return
        self.text(partner, "key", f"{path}.key", LIMITS["partner.key"])
        key = partner.get("key")
        if isinstance(key, str):
            if key in keys:
                self.add(f"{path}.key", f"{shown(key)} is already the key of {keys[key]}")
            keys.setdefault(key, path)
        self.user(partner, "owner", f"{path}.owner", required=True)
        for name, rule in (("name", None), ("company", None), ("email", email_problem),
                           ("phone", phone_problem)):  # fmt: skip
            limit, required = LIMITS[f"partner.{name}"], name == "name"
            self.text(partner, name, f"{path}.{name}", limit, required, True, rule)
        self.choice(partner, "profession", f"{path}.profession", PROFESSIONS)
        self.choice(partner, "tier", f"{path}.tier", TIERS)
        self.choice(partner, "source", f"{path}.source", SOURCES)
        self.day(partner, "met_on", f"{path}.met_on", past=True)
        self.flag(partner, "do_not_contact", f"{path}.do_not_contact")
        seen: set[str] = set()
        for item_path, value in self.items(partner, "client_types", f"{path}.client_types"):
            if not isinstance(value, str) or value not in CLIENT_TYPES:
                self.add(item_path, f"{shown(value)} is not one of {one_of(CLIENT_TYPES)}")
            elif value in seen:
                self.add(item_path, f"{shown(value)} is listed twice")
            else:
                seen.add(value)
        self.tags(partner, f"{path}.tags")
        if partner.get("cadence") is not None:
            self.cadence(partner["cadence"], f"{path}.cadence")
        self.annual_date(partner, "birthday", f"{path}.birthday")
        self.annual_date(partner, "anniversary", f"{path}.anniversary")
        details = partner.get("details")
        if details is not None and self.object(details, f"{path}.details", set(PERSONAL_DETAILS)):
            for name in PERSONAL_DETAILS:
                limit = LIMITS.get(f"detail.{name}", LIMITS["detail"])
                self.text(details, name, f"{path}.details.{name}", limit, line=True)
        self.text(partner, "notes", f"{path}.notes")
        commitment = partner.get("commitment")
        if commitment is not None and self.object(
            commitment, f"{path}.commitment", COMMITMENT_FIELDS
        ):
            self.day(commitment, "made_on", f"{path}.commitment.made_on")
            self.day(commitment, "first_referral_by", f"{path}.commitment.first_referral_by")
        self.moment(partner, "archived_at", f"{path}.archived_at")
        for item_path, item in self.items(partner, "interactions", f"{path}.interactions"):
            self.interaction(item, item_path)
        for item_path, item in self.items(partner, "referrals", f"{path}.referrals"):
            self.referral(item, item_path)
        session_starts: set[str] = set()
        sessions = self.items(partner, "planning_sessions", f"{path}.planning_sessions")
        for item_path, item in sessions:
            self.planning_session(item, item_path)
            if isinstance(item, dict) and isinstance(item.get("starts_at"), str):
                session_starts.add(item["starts_at"])
        for item_path, item in self.items(partner, "leads", f"{path}.leads"):
            self.lead(item, item_path, session_starts)

    def tags(self, partner: dict, path: str) -> None:
        """A partner's tags: names as the partner form keeps them (trimmed, one line,
        no comma or semicolon, at most 40 characters), each once in any case."""
        seen: set[str] = set()
        items = self.items(partner, "tags", path)
        if len(items) > MOST_TAGS:
            self.add(path, f"holds {len(items)} tags; a partner wears at most {MOST_TAGS}")
        for item_path, value in items:
            if not isinstance(value, str):
                self.add(item_path, f"expected text, got {shown(value)}")
            elif not value.strip():
                self.add(item_path, "must not be empty")
            elif problem := tag_problem(value):
                self.add(item_path, problem)
            elif value != " ".join(value.split()):
                self.add(item_path, f"{shown(value)} has spaces around it or several in a row")
            elif tag_key(value) in seen:
                self.add(item_path, f"{shown(value)} is listed twice")
            seen.add(tag_key(value) if isinstance(value, str) else "")

    def interaction(self, item: Any, path: str) -> None:
        if not self.object(item, path, INTERACTION_FIELDS, "partners[].interactions[]"):
            return
        self.moment(item, "at", f"{path}.at", required=True)
        self.choice(item, "kind", f"{path}.kind", INTERACTION_KINDS, required=True)
        self.choice(item, "direction", f"{path}.direction", DIRECTIONS)
        self.choice(item, "outcome", f"{path}.outcome", OUTCOMES)
        self.choice(item, "sentiment", f"{path}.sentiment", SENTIMENTS)
        self.flag(item, "disrespectful", f"{path}.disrespectful")
        self.whole_number(item, "minutes", f"{path}.minutes", minimum=0)
        self.user(item, "by", f"{path}.by")
        self.text(item, "notes", f"{path}.notes")

    def referral(self, item: Any, path: str) -> None:
        if not self.object(item, path, REFERRAL_FIELDS, "partners[].referrals[]"):
            return
        self.choice(item, "direction", f"{path}.direction", REFERRAL_DIRECTIONS, required=True)
        self.day(item, "on", f"{path}.on", required=True)
        self.text(item, "client", f"{path}.client", LIMITS["referral.client"], True, line=True)
        self.choice(item, "status", f"{path}.status", REFERRAL_STATUSES)
        self.day(item, "closed_on", f"{path}.closed_on")
        self.money(item, "commission", f"{path}.commission")
        self.user(item, "by", f"{path}.by")
        self.text(item, "notes", f"{path}.notes")

    def planning_session(self, item: Any, path: str) -> None:
        if not self.object(item, path, PLANNING_SESSION_FIELDS, "partners[].planning_sessions[]"):
            return
        self.moment(item, "starts_at", f"{path}.starts_at", required=True)
        self.whole_number(item, "minutes", f"{path}.minutes", minimum=1)
        self.choice(item, "status", f"{path}.status", PLANNING_STATUSES)
        answers = item.get("answers")
        if answers is not None and self.object(answers, f"{path}.answers", set(PLANNING_QUESTIONS)):
            for name in PLANNING_QUESTIONS:
                self.text(answers, name, f"{path}.answers.{name}")
        self.text(item, "series", f"{path}.series", LIMITS["planning_session.series"])
        self.user(item, "by", f"{path}.by")

    def lead(self, item: Any, path: str, session_starts: set[str]) -> None:
        if not self.object(item, path, LEAD_FIELDS, "partners[].leads[]"):
            return
        self.text(item, "name", f"{path}.name", LIMITS["lead.name"], required=True, line=True)
        self.text(item, "contact", f"{path}.contact", LIMITS["lead.contact"], line=True)
        self.choice(item, "question", f"{path}.question", LEAD_QUESTIONS)
        self.choice(item, "status", f"{path}.status", LEAD_STATUSES)
        self.text(item, "notes", f"{path}.notes")
        session = item.get("planning_session")
        if session is not None and not (isinstance(session, str) and session in session_starts):
            self.add(
                f"{path}.planning_session",
                f"{shown(session)} is not the starts_at of one of this partner's planning sessions",
            )


def normal_planning_hours(text: str) -> str:
    """How planning hours are kept, whoever typed them: 'Fri 13:00-16:00 ' -> 'fri 13:00-16:00'."""
    return text.strip().lower()


def planning_hours_problem(text: str) -> str | None:
    """None when `text` is like 'fri 13:00-16:00' (several: comma-separated)."""
    for window in (part.strip() for part in text.split(",")):
        match = PLANNING_HOURS_PATTERN.fullmatch(window)
        if not match:
            return f"{shown(window)} is not a weekly window like 'fri 13:00-16:00'"
        if match.group(2, 3) >= match.group(4, 5):
            return f"{shown(window)} ends before it starts"
    return None


def validate_book(document: Any, today: date) -> list[Problem]:
    """Every problem of the document, in document order; empty when it is valid.

    `today`: the day it is for the team the book lands in (birthdays' years,
    the days partners were met)."""
    checker = Checker(today)
    checker.document(document)
    return checker.problems
