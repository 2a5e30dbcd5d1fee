"""Contacts from a phone, Google or iCloud (vCard 3 and 4) read as a table of partners.

A vCard file becomes the same `Table` a spreadsheet does, with column names the
mapping step recognises, so contacts go through the same mapping, preview and
duplicate steps as a CSV. vobject parses; this module only picks the values a
partner has room for: the first email and phone (a mobile first), the first
line of the organisation, the birthday and anniversary as days, the note, and
the categories as tags.
"""

from __future__ import annotations

import re

import vobject

from .partner_import import MAX_ROWS, CsvProblem, Table

COLUMNS = [
    "Name",
    "First name",
    "Last name",
    "Company",
    "Email",
    "Phone",
    "Birthday",
    "Anniversary",
    "Notes",
    "Tags",
]
BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE | re.MULTILINE)


def is_vcard(text: str) -> bool:
    return text.lstrip().upper().startswith("BEGIN:VCARD")


def vcard_day(value) -> str:
    """A vCard day as the import reads days: '19800702' or '1980-07-02' -> '1980-07-02',
    '--0314' or '--03-14' (no year) -> '03-14'; anything else as it is, for the import's
    checks to refuse in its own words."""
    text = str(value or "").strip()
    if match := re.fullmatch(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})(?:T.*)?", text):
        return "-".join(match.groups())
    if match := re.fullmatch(r"--([0-9]{2})-?([0-9]{2})", text):
        return "-".join(match.groups())
    return text


def first(card, name: str, prefer: str | None = None):
    """The first value of a property, or the first whose TYPE includes `prefer`."""
    found = card.contents.get(name, [])
    if prefer:
        for item in found:
            types = [kind.lower() for kind in item.params.get("TYPE", [])]
            if prefer in types or any(prefer in kind.split(",") for kind in types):
                return item.value
    return found[0].value if found else None


def cells_of(card) -> list[str]:
    name = first(card, "n")
    organisation = first(card, "org")
    if isinstance(organisation, list):
        organisation = organisation[0] if organisation else ""
    categories = first(card, "categories") or []
    if isinstance(categories, str):
        categories = categories.split(",")
    anniversary = first(card, "anniversary") or first(card, "x-anniversary")
    return [
        str(first(card, "fn") or "").strip(),
        str(getattr(name, "given", "") or "").strip(),
        str(getattr(name, "family", "") or "").strip(),
        str(organisation or "").strip(),
        str(first(card, "email", prefer="pref") or "").strip(),
        re.sub(r"^tel:", "", str(first(card, "tel", prefer="cell") or "").strip(), flags=re.I),
        vcard_day(first(card, "bday")),
        vcard_day(anniversary),
        str(first(card, "note") or "").strip(),
        "; ".join(item.strip() for item in categories if item.strip()),
    ]


def read_vcards(text: str) -> Table:
    """Every contact of the file, each on the line its BEGIN:VCARD is on."""
    starts = [text.count("\n", 0, match.start()) + 1 for match in BEGIN.finditer(text)]
    rows = []
    try:
        for index, card in enumerate(vobject.readComponents(text, ignoreUnreadable=True)):
            if card.name.upper() != "VCARD":
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvProblem(
                    f"The file has more than {MAX_ROWS:,} contacts, so nothing was imported. "
                    f"Import at most {MAX_ROWS:,} at a time."
                )
            line = starts[index] if index < len(starts) else index + 1
            rows.append((line, cells_of(card)))
    except CsvProblem:
        raise
    except Exception as error:  # vobject raises several kinds for a broken file
        raise CsvProblem(
            "This vCard file cannot be read. Export the contacts again and upload that file."
        ) from error
    if not rows:
        raise CsvProblem("The file holds no contacts.")
    return Table(list(COLUMNS), rows)
