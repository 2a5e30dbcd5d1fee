"""Importing partners from a spreadsheet: parse, map columns, check, find duplicates.

The uploaded file is kept on the server between the steps (upload → column
mapping → preview → import), in the instance folder under a random token,
with a small record of who uploaded it; every step checks that the token
belongs to the user asking, so a token alone gives nothing to anyone else.
We chose this over re-posting the file in a signed hidden field because a
spreadsheet of a few thousand contacts would then travel back and forth on
every step, and the signature would only stop tampering, not size.

Nothing is stored in the database before the last step, and the last step
checks everything again: a file with any row in error imports nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from flask import abort, current_app

from rules.vocabulary import CLIENT_TYPES, PROFESSIONS, SOURCES

from .. import clock
from ..access import visible_partners
from ..extensions import db
from ..models import Partner, User, record_audit, tag_key
from ..partners.tags import parse_tags, set_tags, tag_names
from ..spreadsheet import FORMULA_STARTS
from ..validation import (
    PHONE_EXTENSION,
    annual_date_problem,
    email_problem,
    line_problem,
    past_date_problem,
    phone_problem,
    stored_email,
)
from . import exports

MAX_COLUMNS = 60
MAX_ROWS = 5000
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
COLUMN_NUMBER = re.compile(r"[0-9]{1,3}")


class CsvProblem(ValueError):
    """The file as a whole cannot be read: nothing in it is imported."""


# --- where the file waits between steps ---------------------------------------------------


def upload_folder() -> Path:
    folder = Path(
        current_app.config.get("PARTNER_IMPORT_FOLDER")
        or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(raw: bytes, filename: str, user: User) -> str:
    """Store the file under a new random token bound to the user; old uploads are removed."""
    folder = upload_folder()
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.with_suffix(".csv").unlink(missing_ok=True)
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.csv").write_bytes(raw)
    meta = {"user_id": user.id, "team_id": user.team_id, "filename": filename[:200]}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load_meta(token: str, user: User) -> dict:
    """The record of `token`, if it is this user's recent upload; 404 otherwise."""
    meta_path = upload_folder() / f"{token}.json"
    if not TOKEN.match(token) or not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    fresh = meta_path.stat().st_mtime >= time.time() - KEEP_SECONDS
    if meta.get("user_id") != user.id or meta.get("team_id") != user.team_id or not fresh:
        abort(404)
    return meta


def load_upload(token: str, user: User) -> tuple[bytes, str]:
    """The file and its name, if `token` is this user's recent upload not yet imported."""
    meta = load_meta(token, user)
    if "done" in meta:
        abort(404)
    return (upload_folder() / f"{token}.csv").read_bytes(), meta["filename"]


# How long a second import of the same upload waits for the first (a double
# click sends two), and the age past which a hold is one a crash left behind.
HOLD_WAIT_SECONDS = 60
HOLD_STALE_SECONDS = 600


def hold_upload(token: str, user: User) -> bool:
    """Hold `token`'s upload for this request's import, one request at a time, so
    that the Import button pressed twice cannot add every partner twice: a second
    request waits until the first is over. False when the upload was imported
    while this request waited (the first succeeded: nothing is held); True when
    this request holds it, and must `release_upload` when it is done. An upload imported before this
    request came is a 404, as every step of it is then."""
    if "done" in load_meta(token, user):
        abort(404)
    hold = upload_folder() / f"{token}.hold"
    deadline = time.monotonic() + HOLD_WAIT_SECONDS
    while True:
        try:
            os.close(os.open(hold, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            try:
                if hold.stat().st_mtime < time.time() - HOLD_STALE_SECONDS:
                    hold.unlink(missing_ok=True)
                    continue
            except FileNotFoundError:
                continue
            if time.monotonic() > deadline:
                abort(409)
            time.sleep(0.05)
    if "done" in load_meta(token, user):
        release_upload(token)
        return False
    return True


def release_upload(token: str) -> None:
    (upload_folder() / f"{token}.hold").unlink(missing_ok=True)


def forget_upload(token: str) -> None:
    folder = upload_folder()
    (folder / f"{token}.csv").unlink(missing_ok=True)
    (folder / f"{token}.json").unlink(missing_ok=True)


# --- reading the file ---------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


def looks_like_data(text: str) -> bool:
    """An email, phone number or date where a column name should be."""
    return "@" in text or bool(re.fullmatch(r"[\d\s()+./-]{4,}", text))


def decode_text(raw: bytes) -> str:
    """The uploaded file as text; CsvProblem says, in plain words, why it cannot be read."""
    if b"\x00" in raw:
        raise CsvProblem("This is not a CSV file. Save the spreadsheet as CSV and upload that.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvProblem(
            "This file is not UTF-8 text. In Excel choose File → Save As → "
            "“CSV UTF-8 (Comma delimited)”, then upload that file."
        ) from error
    return text


def parse_csv(text: str) -> Table:
    """The rows of a CSV; CsvProblem says, in plain words, why they cannot be read."""
    newline = text.find("\n")
    first_line = text if newline < 0 else text[:newline]  # not split(): that copies the rest
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines, starts, blank = [], 1, 0  # starts: the line where the record being read starts
    try:
        # Streamed: reading stops at the first row past the cap, so a file of
        # millions of short rows costs no more than one of MAX_ROWS.
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(lines) > MAX_ROWS:  # the column names, then MAX_ROWS rows
                    raise CsvProblem(
                        f"The file has more than {MAX_ROWS:,} rows, so nothing was imported. "
                        f"Import at most {MAX_ROWS:,} rows at a time (split the file)."
                    )
                lines.append((reader.line_num, row))
            elif (blank := blank + 1) > MAX_ROWS:  # as many empty lines: give up too
                raise CsvProblem(
                    f"The file has more than {MAX_ROWS:,} lines that are empty or hold nothing "
                    "but commas, so nothing was imported. Remove them and upload it again."
                )
            starts = reader.line_num + 1
    except csv.Error as error:
        reason, line = str(error), reader.line_num
        if "field limit" in reason:  # the csv module's words for an overlong cell
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        if "unexpected end of data" in reason:  # a quote never closed: the rest is one cell
            reason = 'a quote (") opens a cell there and is never closed'
            line = starts
        raise CsvProblem(f"Line {line} cannot be read: {reason}.") from error
    if not lines:
        raise CsvProblem("The file is empty.")
    _, header = lines[0]
    header = [name.strip() for name in header]
    if len(header) > MAX_COLUMNS:
        raise CsvProblem(f"The file has {len(header)} columns; at most {MAX_COLUMNS} can be read.")
    if sum(looks_like_data(name) for name in header) or not any(header):
        raise CsvProblem(
            "The first line should name the columns (Name, Email, Phone…), but it looks like "
            "data. Add a line of column names at the top."
        )
    header = [name or f"Column {index + 1}" for index, name in enumerate(header)]
    repeated = {name for name in header if header.count(name) > 1}
    if repeated:
        raise CsvProblem(f"Two columns have the same name: {', '.join(sorted(repeated))}.")
    if len(lines) == 1:
        raise CsvProblem("The file has column names but no rows of partners.")
    return Table(header, lines[1:])


# --- which column feeds which partner field --------------------------------------------------

# field -> (label, header names that suggest it)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("name", "full name", "contact", "contact name", "partner")),
    "first_name": ("First name (joined to last name)", ("first name", "first", "given name")),
    "last_name": ("Last name", ("last name", "last", "surname", "family name")),
    "company": ("Company", ("company", "organization", "organisation", "business", "brokerage",
                            "firm", "office", "company name", "organization name",
                            "organization 1 name")),
    "profession": ("Profession", ("profession", "occupation", "role", "type", "category",
                                  "job title", "title")),
    "email": ("Email", ("email", "e mail", "email address", "mail", "email 1", "e mail 1",
                        "email 1 value", "e mail 1 value", "primary email", "personal email")),
    "phone": ("Phone", ("phone", "mobile", "cell", "telephone", "tel", "phone number",
                        "mobile phone", "cell phone", "phone 1", "phone 1 value",
                        "primary phone", "mobile phone 1")),
    "source": ("How met (source)", ("source", "how met", "lead source")),
    "met_on": ("Date met", ("met on", "date met", "met", "first met")),
    "client_types": ("Client types", ("client types", "clients", "client type")),
    "birthday": ("Birthday", ("birthday", "birth date", "date of birth", "dob")),
    "anniversary": ("Anniversary", ("anniversary", "wedding anniversary")),
    "spouse": ("Spouse or partner", ("spouse", "partner name", "husband", "wife")),
    "children": ("Children", ("children", "kids")),
    "pets": ("Pets", ("pets", "pet")),
    "resident": ("Long-time resident or new in town", ("resident", "residency")),
    "home": ("Renter or owner", ("home", "renter or owner", "owns or rents")),
    "favorite_restaurant": ("Favourite restaurant", ("favorite restaurant",
                                                     "favourite restaurant", "restaurant")),
    "hobbies": ("Hobbies", ("hobbies", "interests")),
    "in_common": ("What we have in common", ("in common", "what we have in common", "common")),
    "notes": ("Notes", ("notes", "note", "comments", "comment")),
    "tags": ("Tags", ("tags", "tag", "labels", "categories", "groups", "group membership")),
}  # fmt: skip
TEXT_LIMITS = {
    "name": 200,
    "company": 200,
    "email": 254,
    "phone": 50,
    "spouse": 200,
    "children": 200,
    "pets": 200,
    "resident": 200,
    "home": 200,
    "favorite_restaurant": 200,
    "hobbies": 500,
    "in_common": 500,
    "notes": 20000,
}
ONE_LINE = set(TEXT_LIMITS) - {"notes"}  # every text but the notes
# The rule each value follows beyond its length, as the partner form and the book follow it.
TEXT_RULES = {"email": email_problem, "phone": phone_problem}
# The fields a row gives a partner as they are; tags are added to the partner's own.
MERGE_FIELDS = [name for name in FIELDS if name not in ("first_name", "last_name", "tags")]


def header_key(text: str) -> str:
    return re.sub(r"[\s_.\-]+", " ", text.strip().lower()).strip()


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Each field's column, guessed from the column names (exact names only, no surprises)."""
    keys = [header_key(name) for name in header]
    mapping: dict[str, int | None] = {}
    for name, (label, hints) in FIELDS.items():
        candidates = {header_key(name), header_key(label), *hints}
        found = [index for index, key in enumerate(keys) if key in candidates]
        mapping[name] = found[0] if found else None
    if mapping["name"] is not None:  # a full-name column wins over first/last
        mapping["first_name"] = mapping["last_name"] = None
    return mapping


def read_mapping(values, header: list[str]) -> tuple[dict[str, int | None], dict[str, str]]:
    """The mapping sent back by the form (map-<field> = column number), and its
    problems by field."""
    mapping: dict[str, int | None] = {}
    for name in FIELDS:
        value = (values.get(f"map-{name}") or "").strip()
        # ASCII digits only: '²' passes isdigit() but not int(), and so would a 5,000-digit number.
        column = int(value) if COLUMN_NUMBER.fullmatch(value) else None
        mapping[name] = column if column is not None and column < len(header) else None
    problems = {}
    if mapping["name"] is None and mapping["first_name"] is None and mapping["last_name"] is None:
        problems["name"] = "Choose the column that holds the partner's name."
    return mapping, problems


# --- checking each row -------------------------------------------------------------------------


def vocabulary_value(text: str, values: dict[str, str], synonyms: dict[str, str]) -> str | None:
    key = header_key(text)
    for value, label in values.items():
        if key in (header_key(value), header_key(label)):
            return value
    return synonyms.get(key)


PROFESSION_SYNONYMS = {
    "realtor": "agent",
    "real estate agent": "agent",
    "loan officer": "lender",
    "mortgage": "lender",
    "lawyer": "attorney",
    "accountant": "cpa",
    "title": "title_escrow",
    "escrow": "title_escrow",
    "friend": "soi",
}
SOURCE_SYNONYMS = {"referral": "introduction", "networking": "networking_group"}


# How brokerage spreadsheets write a day: 2026-03-14 or 2026-3-14, 3/14/2026 (US
# order), and for a birthday without its year 3-14 or 3/14.
ISO_DAY = re.compile(r"(?:([0-9]{4})-)?([0-9]{1,2})-([0-9]{1,2})")
US_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}))?")
FULL_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_text(text: str) -> str:
    """A day as a spreadsheet wrote it, in the shape PartnerPlan keeps it: '2026-03-14',
    or '03-14' without the year. Text in no such shape comes back as it is, for the
    rules to refuse."""
    if match := ISO_DAY.fullmatch(text):
        year, month, day = match.groups()
    elif match := US_DAY.fullmatch(text):
        month, day, year = match.groups()
    else:
        return text
    month_day = f"{int(month):02d}-{int(day):02d}"
    return f"{year}-{month_day}" if year else month_day


def parse_day(text: str) -> date:
    """2026-03-14 or 3/14/2026; ValueError for anything else, or a day that does not exist."""
    iso = iso_text(text)
    if not FULL_DAY.fullmatch(iso):
        raise ValueError(text)
    return date.fromisoformat(iso)


@dataclass
class Duplicate:
    """What a row seems to repeat: a partner already in the book, or an earlier row."""

    reason: str  # "email", "phone", or "name and company"
    partner_id: int | None = None  # an existing partner the importer may see
    partner_name: str = ""
    owner_name: str = ""
    line: int | None = None  # or an earlier row of the same file
    # The other side, shown beside the row so the user can tell whether it is the same person.
    company: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class Row:
    line: int
    cells: list[str] = field(default_factory=list)  # as imported: the preview's fixes applied
    values: dict[str, object] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field or "row", message)
    duplicate: Duplicate | None = None

    def refuse(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    @property
    def errors(self) -> list[str]:
        return [message for _, message in self.problems]

    @property
    def name(self) -> str:
        return str(self.values.get("name") or "")


def cell_text(cells: list[str], mapping: dict[str, int | None], name: str) -> str:
    """The cell feeding `name`, without the apostrophe our exports put before formulas."""
    index = mapping.get(name)
    text = cells[index].strip() if index is not None and index < len(cells) else ""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:].strip()
    return text


def check_row(line: int, cells: list[str], header: list[str], mapping, today: date) -> Row:
    """Turn one row's cells into partner values, with a message for each problem.

    A value the partner form would refuse is refused here too, so that an
    imported partner can be edited and saved as it is.
    """
    row = Row(line, cells)
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        row.refuse("row", f"Has {len(cells)} cells but the first line names {len(header)} columns.")

    def text(name: str) -> str:
        return cell_text(cells, mapping, name)

    name = text("name") or " ".join(
        part for part in (text("first_name"), text("last_name")) if part
    )
    if not name:
        row.refuse("name", "Name is missing.")
    row.values["name"] = name
    for key in (
        "company",
        "email",
        "phone",
        "spouse",
        "children",
        "pets",
        "resident",
        "home",
        "favorite_restaurant",
        "hobbies",
        "in_common",
        "notes",
    ):
        row.values[key] = text(key) or None
    for key, limit in TEXT_LIMITS.items():
        value, label = row.values.get(key), FIELDS[key][0]
        if isinstance(value, str) and len(value) > limit:
            row.refuse(key, f"{label} is longer than {limit} characters.")
        elif key in ONE_LINE and (problem := line_problem(value)):
            row.refuse(key, f"{label}: {problem}")
        elif key in TEXT_RULES and (problem := TEXT_RULES[key](value)):
            row.refuse(key, f"{label} “{value}”: {problem}")
    row.values["email"] = stored_email(row.values.get("email"))
    check_vocabulary(row, text)
    check_dates(row, text, today)
    row.values["tags"], problem = parse_tags(text("tags"))
    if problem:
        row.refuse("tags", f"Tags: {problem}")
    return row


def check_vocabulary(row: Row, text) -> None:
    profession = text("profession")
    row.values["profession"] = "other"
    if profession:
        value = vocabulary_value(profession, PROFESSIONS, PROFESSION_SYNONYMS)
        if value is None:
            row.refuse("profession", f"Unknown profession “{profession}”.")
        row.values["profession"] = value or "other"
    source = text("source")
    row.values["source"] = None
    if source:
        row.values["source"] = vocabulary_value(source, SOURCES, SOURCE_SYNONYMS)
        if row.values["source"] is None:
            row.refuse("source", f"Unknown source “{source}”.")
    kinds = []
    for item in re.split(r"[;,]", text("client_types")):
        if item.strip():
            value = vocabulary_value(item, CLIENT_TYPES, {})
            if value is None:
                row.refuse("client_types", f"Unknown client type “{item.strip()}”.")
            elif value not in kinds:
                kinds.append(value)
    row.values["client_types"] = kinds


def check_dates(row: Row, text, today: date) -> None:
    row.values["met_on"] = None
    if met_on := text("met_on"):
        try:
            row.values["met_on"] = parse_day(met_on)
        except ValueError:
            row.refuse("met_on", f"Date met “{met_on}” is not a date (2026-03-14 or 3/14/2026).")
        if problem := past_date_problem(row.values["met_on"], today):
            row.refuse("met_on", f"Date met “{met_on}”: {problem}")
    for key in ("birthday", "anniversary"):
        value = text(key)
        row.values[key] = iso_text(value) or None
        if problem := annual_date_problem(row.values[key], today):
            row.refuse(key, f"{FIELDS[key][0]} “{value}”: {problem}")


# --- the preview's own fixes and skips -------------------------------------------------------

FIX_KEY = re.compile(r"fix-([0-9]{1,7})-([0-9]{1,3})")
SKIP_KEY = re.compile(r"skip-([0-9]{1,7})")
CHOICES = ("skip", "merge", "new")


def read_fixes(values, width: int) -> dict[int, dict[int, str]]:
    """The cells the user corrected in the preview (fix-<line>-<column>), by line."""
    fixes: dict[int, dict[int, str]] = {}
    for key in values:
        if (match := FIX_KEY.fullmatch(key)) and int(match.group(2)) < width:
            text = values.get(key, "")[: TEXT_LIMITS["notes"] + 1]
            fixes.setdefault(int(match.group(1)), {})[int(match.group(2))] = text
    return fixes


def with_fixes(table: Table, values) -> Table:
    """The table with the preview's corrections in place of the file's cells."""
    fixes = read_fixes(values, len(table.header))
    if not fixes:
        return table
    rows = []
    for line, cells in table.rows:
        if edits := fixes.get(line):
            cells = cells + [""] * (len(table.header) - len(cells))
            cells = [edits.get(index, cell) for index, cell in enumerate(cells)]
        rows.append((line, cells))
    return Table(table.header, rows)


def skipped_lines(values) -> set[int]:
    """The rows the user chose to leave out in the preview (skip-<line>)."""
    return {int(match.group(1)) for key in values if (match := SKIP_KEY.fullmatch(key))}


def fix_columns(row: Row, mapping: dict[str, int | None], fixed: set[int]) -> list[tuple]:
    """The cells of a row to show for correcting, as (column, label, messages): those
    of its problems, and those already corrected (so that the correction travels on)."""
    labels = {column: FIELDS[name][0] for name, column in mapping.items() if column is not None}
    found: dict[int, list[str]] = {column: [] for column in fixed if column in labels}
    for name, message in row.problems:
        if name == "name" and mapping.get("name") is None:
            columns = [mapping.get("first_name"), mapping.get("last_name")]
        else:
            columns = [mapping.get(name)]
        for column in columns:
            if column is not None:
                found.setdefault(column, []).append(message)
    return [(column, labels[column], found[column]) for column in sorted(found)]


# --- duplicates --------------------------------------------------------------------------------


def email_key(value) -> str | None:
    return str(value).strip().lower() if value else None


def phone_key(value) -> str | None:
    """Digits only, the last ten (so +1 (555) 010-2030 matches 555.010.2030), without
    the extension."""
    text = str(value or "")
    if extension := PHONE_EXTENSION.search(text):
        text = text[: extension.start()]
    digits = re.sub(r"\D", "", text)
    return digits[-10:] if len(digits) >= 7 else None


# Words a company's name may carry or not: "Brennan Insurance Group, LLC" is
# "Brennan Insurance Group".
COMPANY_SUFFIXES = frozenset(
    "inc incorporated llc l l c llp lp ltd limited co corp corporation company pllc pc pa".split()
)


def plain_words(text) -> list[str]:
    """Lower case, accents and punctuation gone: 'José O'Neil-Díaz' -> ['jose', 'oneil', 'diaz']."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = re.sub(r"['’`.]", "", letters)
    return re.findall(r"\w+", letters)


def name_key(name, company) -> str | None:
    """The partner's name and company, normalised, to find the same person written
    another way; None without a name."""
    words = plain_words(name)
    if not words:
        return None
    firm = plain_words(company)
    while firm and firm[-1] in COMPANY_SUFFIXES:
        firm.pop()
    if firm and firm[0] == "the":
        firm.pop(0)
    return " ".join(words) + "|" + " ".join(firm)


def find_duplicates(rows: list[Row], user: User) -> None:
    """Mark rows whose email, phone, or name and company are already among the partners
    the user may see (an agent's own, a manager's team), or in an earlier row.

    Only what the user may see: the preview shows the partner beside the row, so
    another agent's partners must not be looked at at all. A row without a
    company matches a partner of the same name whatever their company.
    """
    existing = db.session.execute(
        visible_partners(user, include_archived=True)
        .with_only_columns(
            Partner.id, Partner.name, Partner.company, Partner.email, Partner.phone, User.name
        )
        .join(User, User.id == Partner.owner_id)
    ).all()
    known: dict[tuple[str, str], Duplicate] = {}

    def remember(duplicate: Duplicate, name, company) -> None:
        keys = [("email", email_key(duplicate.email)), ("phone", phone_key(duplicate.phone))]
        if key := name_key(name, company):
            person, firm = key.split("|")
            keys += [("name and company", key), ("name", person)]
            if not firm:  # a partner without a company matches a row of any company
                keys.append(("name without company", person))
        for kind, value in keys:
            if value:
                reason = kind if kind in ("email", "phone", "name and company") else "name"
                known.setdefault((kind, value), replace(duplicate, reason=reason))

    for partner_id, name, company, email, phone, owner in existing:
        remember(Duplicate("", partner_id, name, owner, None, company, email, phone), name, company)
    for row in rows:
        values = row.values
        key = name_key(values.get("name"), values.get("company"))
        keys = [
            ("email", email_key(values.get("email"))),
            ("phone", phone_key(values.get("phone"))),
            ("name and company", key),
        ]
        if key:
            person, firm = key.split("|")
            # A row without a company matches anyone of that name; one with a company,
            # anyone of that name and company, or of that name and no company.
            keys.append(("name without company", person) if firm else ("name", person))
        row.duplicate = next((known[found] for found in keys if found[1] and found in known), None)
        remember(
            Duplicate(
                "", None, row.name, "", row.line,
                values.get("company"), values.get("email"), values.get("phone"),
            ),
            values.get("name"), values.get("company"),
        )  # fmt: skip


def check_table(table: Table, mapping, user: User) -> list[Row]:
    today = clock.today(user.team.timezone)
    rows = [check_row(line, cells, table.header, mapping, today) for line, cells in table.rows]
    find_duplicates(rows, user)
    return rows


# --- importing -----------------------------------------------------------------------------------


def audit_value(value):
    return value.isoformat() if isinstance(value, date) else value


def merge_into(partner: Partner, values: dict) -> dict[str, tuple]:
    """Fill the partner's empty fields from the row; nothing already written is overwritten."""
    changed = {}
    for key in MERGE_FIELDS:
        new, old = values.get(key), getattr(partner, key)
        empty = old in (None, "", []) or (key == "profession" and old == "other")
        if new not in (None, "", [], "other") and empty:
            setattr(partner, key, new)
            changed[key] = (audit_value(old), audit_value(new))
    return changed


def add_tags(partner: Partner, names: list[str]) -> tuple[list[str], list[str]] | None:
    """Add the row's tags the partner does not wear yet; (before, after) names if any."""
    before = tag_names(partner)
    worn = {tag_key(name) for name in before}
    new = [name for name in names if tag_key(name) not in worn]
    if not new:
        return None
    set_tags(partner, before + new)
    return before, tag_names(partner)


@dataclass
class Outcome:
    created: list[Partner] = field(default_factory=list)
    merged: list[Partner] = field(default_factory=list)  # partners already in the book
    merged_rows: int = 0  # rows merged, into those or into an earlier row of the file
    skipped: list[tuple[Row, str]] = field(default_factory=list)  # and why


def skip_reason(row: Row) -> str:
    if row.errors:
        return " ".join(row.errors)
    duplicate = row.duplicate
    if duplicate is None:
        return "Left out in the preview."
    if duplicate.line:
        return f"Same {duplicate.reason} as line {duplicate.line}."
    return f"Same {duplicate.reason} as {duplicate.partner_name}, already in the book."


def import_rows(
    rows: list[Row],
    choices: dict[int, str],
    skipped: set[int],
    owner: User,
    user: User,
    filename: str,
) -> Outcome:
    """Create, merge or skip each row in the session; the caller commits once (all or
    nothing for what is imported). Rows in error must have been skipped."""
    outcome = Outcome()
    by_line: dict[int, Partner | None] = {}
    for row in rows:
        duplicate, choice = row.duplicate, choices.get(row.line, "skip")
        if row.line in skipped or (duplicate and choice == "skip"):
            outcome.skipped.append((row, skip_reason(row)))
            by_line[row.line] = None
            continue
        if duplicate and choice == "merge":
            target = (
                db.session.get(Partner, duplicate.partner_id)
                if duplicate.partner_id
                else by_line.get(duplicate.line)
            )
            by_line[row.line] = target
            if target is None:  # merging into a row that was itself skipped
                outcome.skipped.append((row, f"Merged into line {duplicate.line}, left out."))
                continue
            changed = merge_into(target, row.values)
            if added := add_tags(target, row.values["tags"]):
                changed["tags"] = added
            outcome.merged_rows += 1
            if target.id is not None and target not in outcome.merged:
                outcome.merged.append(target)
            if target.id is not None and changed:
                record_audit(
                    user.team_id,
                    user,
                    "import",
                    f"Filled in from {filename}, line {row.line}",
                    partner=target,
                    before={key: old for key, (old, _) in changed.items()},
                    after={key: new for key, (_, new) in changed.items()},
                )
            continue
        partner = Partner(
            team_id=user.team_id,
            owner_id=owner.id,
            tier="cultivate",
            **{key: row.values[key] for key in MERGE_FIELDS},
        )
        db.session.add(partner)
        set_tags(partner, row.values["tags"])
        outcome.created.append(partner)
        by_line[row.line] = partner
    db.session.flush()
    record_audit(
        user.team_id,
        user,
        "import",
        f"Imported {filename}: {len(outcome.created)} new, {outcome.merged_rows} merged, "
        f"{len(outcome.skipped)} skipped",
        after={
            "file": filename,
            "owner_id": owner.id,
            "created": [partner.id for partner in outcome.created],
            "merged": [partner.id for partner in outcome.merged],
            "skipped": [row.line for row, _ in outcome.skipped],
        },
    )
    return outcome


# --- after the import: what was done, and the rows left out -------------------------------------


def keep_outcome(token: str, header: list[str], outcome: Outcome) -> None:
    """Replace the upload by a record of the import and its skipped rows, so that the
    page after the import can say what happened and offer those rows as a CSV; the
    upload itself can no longer be imported again."""
    folder = upload_folder()
    meta_path = folder / f"{token}.json"
    meta = json.loads(meta_path.read_text())
    meta["done"] = {
        "created": len(outcome.created),
        "merged": outcome.merged_rows,
        "header": header,
        "skipped": [[row.line, row.cells, why] for row, why in outcome.skipped],
    }
    # Replaced whole, not rewritten in place: a request reading it meanwhile (the
    # second of a double click) must never see it empty.
    writing = meta_path.with_suffix(".writing")
    writing.write_text(json.dumps(meta))
    writing.replace(meta_path)
    (folder / f"{token}.csv").unlink(missing_ok=True)


def load_outcome(token: str, user: User) -> tuple[dict, str]:
    """The record kept by keep_outcome, for the user who imported; 404 otherwise."""
    meta = load_meta(token, user)
    if "done" not in meta:
        abort(404)
    return meta["done"], meta["filename"]


def skipped_csv(done: dict, zone: str) -> str:
    """The skipped rows as a CSV of their own, with the file's columns and why each was
    left out, ready to be corrected and imported again."""
    header = done["header"]
    rows = [
        [*cells[: len(header)], *[""] * (len(header) - len(cells)), why]
        for _, cells, why in done["skipped"]
    ]
    return exports.csv_text([*header, "Why skipped"], rows, zone)
