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
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app

from rules.vocabulary import CLIENT_TYPES, PROFESSIONS, SOURCES

from .. import clock
from ..access import visible_partners
from ..extensions import db
from ..models import Partner, User, record_audit
from ..spreadsheet import FORMULA_STARTS
from ..validation import (
    annual_date_problem,
    email_problem,
    line_problem,
    past_date_problem,
    phone_problem,
)

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


def load_upload(token: str, user: User) -> tuple[bytes, str]:
    """The file and its name, if `token` is this user's recent upload; 404 otherwise."""
    folder = upload_folder()
    if not TOKEN.match(token) or not (folder / f"{token}.json").exists():
        abort(404)
    meta_path = folder / f"{token}.json"
    meta = json.loads(meta_path.read_text())
    fresh = meta_path.stat().st_mtime >= time.time() - KEEP_SECONDS
    if meta.get("user_id") != user.id or meta.get("team_id") != user.team_id or not fresh:
        abort(404)
    return (folder / f"{token}.csv").read_bytes(), meta["filename"]


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


def read_table(raw: bytes) -> Table:
    """Decode and parse; CsvProblem says, in plain words, why a file cannot be read."""
    if b"\x00" in raw:
        raise CsvProblem("This is not a CSV file. Save the spreadsheet as CSV and upload that.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvProblem(
            "This file is not UTF-8 text. In Excel choose File → Save As → "
            "“CSV UTF-8 (Comma delimited)”, then upload that file."
        ) from error
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
                            "firm", "office")),
    "profession": ("Profession", ("profession", "occupation", "role", "type", "category",
                                  "job title", "title")),
    "email": ("Email", ("email", "e mail", "email address", "mail")),
    "phone": ("Phone", ("phone", "mobile", "cell", "telephone", "tel", "phone number",
                        "mobile phone", "cell phone")),
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
MERGE_FIELDS = [name for name in FIELDS if name not in ("first_name", "last_name")]


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
    reason: str  # "email" or "phone"
    partner_id: int | None = None  # an existing partner of the team
    partner_name: str = ""
    owner_name: str = ""
    line: int | None = None  # or an earlier row of the same file


@dataclass
class Row:
    line: int
    values: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duplicate: Duplicate | None = None

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
    row = Row(line)
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        row.errors.append(f"Has {len(cells)} cells but the first line names {len(header)} columns.")

    def text(name: str) -> str:
        return cell_text(cells, mapping, name)

    name = text("name") or " ".join(
        part for part in (text("first_name"), text("last_name")) if part
    )
    if not name:
        row.errors.append("Name is missing.")
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
            row.errors.append(f"{label} is longer than {limit} characters.")
        elif key in ONE_LINE and (problem := line_problem(value)):
            row.errors.append(f"{label}: {problem}")
        elif key in TEXT_RULES and (problem := TEXT_RULES[key](value)):
            row.errors.append(f"{label} “{value}”: {problem}")
    check_vocabulary(row, text)
    check_dates(row, text, today)
    return row


def check_vocabulary(row: Row, text) -> None:
    profession = text("profession")
    row.values["profession"] = "other"
    if profession:
        value = vocabulary_value(profession, PROFESSIONS, PROFESSION_SYNONYMS)
        if value is None:
            row.errors.append(f"Unknown profession “{profession}”.")
        row.values["profession"] = value or "other"
    source = text("source")
    row.values["source"] = None
    if source:
        row.values["source"] = vocabulary_value(source, SOURCES, SOURCE_SYNONYMS)
        if row.values["source"] is None:
            row.errors.append(f"Unknown source “{source}”.")
    kinds = []
    for item in re.split(r"[;,]", text("client_types")):
        if item.strip():
            value = vocabulary_value(item, CLIENT_TYPES, {})
            if value is None:
                row.errors.append(f"Unknown client type “{item.strip()}”.")
            elif value not in kinds:
                kinds.append(value)
    row.values["client_types"] = kinds


def check_dates(row: Row, text, today: date) -> None:
    row.values["met_on"] = None
    if met_on := text("met_on"):
        try:
            row.values["met_on"] = parse_day(met_on)
        except ValueError:
            row.errors.append(f"Date met “{met_on}” is not a date (2026-03-14 or 3/14/2026).")
        if problem := past_date_problem(row.values["met_on"], today):
            row.errors.append(f"Date met “{met_on}”: {problem}")
    for key in ("birthday", "anniversary"):
        value = text(key)
        row.values[key] = iso_text(value) or None
        if problem := annual_date_problem(row.values[key], today):
            row.errors.append(f"{FIELDS[key][0]} “{value}”: {problem}")


# --- duplicates --------------------------------------------------------------------------------


def email_key(value) -> str | None:
    return str(value).strip().lower() if value else None


def phone_key(value) -> str | None:
    """Digits only, the last ten (so +1 (555) 010-2030 matches 555.010.2030)."""
    digits = re.sub(r"\D", "", str(value or ""))
    return digits[-10:] if len(digits) >= 7 else None


def find_duplicates(rows: list[Row], user: User) -> None:
    """Mark rows whose email or phone is already among the partners the user may see
    (an agent's own, a manager's team), or in an earlier row.

    Only what the user may see: the preview names the partner and its owner,
    so another agent's partners must not be looked at at all.
    """
    existing = db.session.execute(
        visible_partners(user, include_archived=True)
        .with_only_columns(Partner.id, Partner.name, Partner.email, Partner.phone, User.name)
        .join(User, User.id == Partner.owner_id)
        .where(sa.or_(Partner.email.is_not(None), Partner.phone.is_not(None)))
    ).all()
    known: dict[tuple[str, str], Duplicate] = {}
    for partner_id, name, email, phone, owner in existing:
        for reason, key in (("email", email_key(email)), ("phone", phone_key(phone))):
            if key:
                known.setdefault((reason, key), Duplicate(reason, partner_id, name, owner))
    for row in rows:
        keys = [
            ("email", email_key(row.values.get("email"))),
            ("phone", phone_key(row.values.get("phone"))),
        ]
        keys = [key for key in keys if key[1]]
        row.duplicate = next((known[key] for key in keys if key in known), None)
        for reason, key in keys:
            known.setdefault((reason, key), Duplicate(reason, line=row.line, partner_name=row.name))


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


@dataclass
class Outcome:
    created: list[Partner] = field(default_factory=list)
    merged: list[Partner] = field(default_factory=list)  # partners already in the book
    merged_rows: int = 0  # rows merged, into those or into an earlier row of the file
    skipped: int = 0


def import_rows(
    rows: list[Row], choices: dict[int, str], owner: User, user: User, filename: str
) -> Outcome:
    """Create, merge or skip each row in the session; the caller commits once (all or nothing)."""
    outcome = Outcome()
    by_line: dict[int, Partner | None] = {}
    for row in rows:
        duplicate, choice = row.duplicate, choices.get(row.line, "skip")
        if duplicate and choice != "merge":
            outcome.skipped += 1
            by_line[row.line] = None
            continue
        if duplicate:
            target = (
                db.session.get(Partner, duplicate.partner_id)
                if duplicate.partner_id
                else by_line.get(duplicate.line)
            )
            by_line[row.line] = target
            if target is None:  # merging into a row that was itself skipped
                outcome.skipped += 1
                continue
            changed = merge_into(target, row.values)
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
        outcome.created.append(partner)
        by_line[row.line] = partner
    db.session.flush()
    record_audit(
        user.team_id,
        user,
        "import",
        f"Imported {filename}: {len(outcome.created)} new, {outcome.merged_rows} merged, "
        f"{outcome.skipped} skipped",
        after={
            "file": filename,
            "owner_id": owner.id,
            "created": [partner.id for partner in outcome.created],
            "merged": [partner.id for partner in outcome.merged],
            "skipped": outcome.skipped,
        },
    )
    return outcome
