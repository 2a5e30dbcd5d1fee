"""Dates and times as people read them: the one formatter of pages, CSV, emails.

Two kinds of value reach a reader (`clock.py`):

- a wall value: a `date`, or a plain naive `datetime` someone entered (an
  interaction's time; a planning session's start, in the agent's zone). It is
  already local and is shown as it is;
- a bookkeeping stamp: a `clock.Stamp` (naive UTC: created_at, decided_at, the
  audit trail) or an aware datetime. It is shown in a zone, which the caller
  names: every function here takes `zone`, and refuses a stamp without one
  (TypeError) rather than show UTC.

The template filters (`templating.py`: `date`, `datetime`, `time`,
`weekday_time`) call these with the zone of the page: its `display_zone` if
the view gave one (an email), else the signed-in user's team's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from importlib.resources import files
from zoneinfo import ZoneInfo

from . import clock

NO_ZONE = "A bookkeeping stamp is shown in a time zone: name the zone."


def is_stamp(value: object) -> bool:
    """A bookkeeping stamp or an aware datetime: shown only once converted to a zone."""
    return isinstance(value, clock.Stamp) or (isinstance(value, datetime) and bool(value.tzinfo))


def wall(value: date | datetime | None, zone: str | None) -> date | datetime | None:
    """`value` as the reader's wall day or time: a stamp (or an aware datetime)
    converted to `zone`, a wall value as it is."""
    if is_stamp(value):
        if not zone:
            raise TypeError(NO_ZONE)
        return clock.local(clock.Stamp.of(value), zone)
    return value


def format_date(
    value: date | datetime | None, zone: str | None = None, style: str = "short"
) -> str:
    """'3 Jun 2026' (short), 'Wed 3 Jun 2026' (long) or 'Wed 3 Jun' (day: this year's)."""
    value = wall(value, zone)
    if value is None:
        return ""
    if style == "day":
        return f"{value:%a} {value.day} {value:%b}"
    text = f"{value.day} {value:%b %Y}"
    return f"{value:%a} {text}" if style == "long" else text


def format_time(
    value: datetime | time | None, zone: str | None = None, seconds: bool = False
) -> str:
    """'09:30', or '09:30:15' with seconds."""
    if isinstance(value, datetime):
        value = wall(value, zone)
    if value is None:
        return ""
    return f"{value:%H:%M:%S}" if seconds else f"{value:%H:%M}"


def format_datetime(value: datetime | None, zone: str | None = None, style: str = "short") -> str:
    """'3 Jun 2026, 09:30' (the day in `format_date`'s style)."""
    value = wall(value, zone)
    if value is None:
        return ""
    return f"{format_date(value, style=style)}, {format_time(value)}"


def weekday_time(value: datetime | None, zone: str | None = None) -> str:
    """A weekly time: 'Tuesdays at 09:30'."""
    value = wall(value, zone)
    if value is None:
        return ""
    return f"{value:%A}s at {format_time(value)}"


def zone_note(zone: str | None, team_zone: str | None) -> str:
    """' (America/Chicago)' after a wall time of `zone` (an agent's) when the team's
    zone is another; nothing when they are the same."""
    return f" ({zone})" if zone and zone != team_zone else ""


# --- CSV ------------------------------------------------------------------------------
# A CSV cell holds the local wall time, "2026-11-01 20:30", and the column's header
# names the zone ("Decided at (America/Los_Angeles)"): spreadsheets read that text as
# a date and time (they do not read an ISO offset), people read it in their own
# team's time, and one zone per file keeps the column sortable. Every export
# does the same; only the book file (BOOK_FORMAT.md) is data, in ISO.


def csv_datetime(value: datetime | None, zone: str | None, seconds: bool = False) -> str:
    """A CSV cell: the wall time in `zone`, 'YYYY-MM-DD HH:MM' (':SS' with seconds:
    the audit trail's)."""
    value = wall(value, zone)
    if value is None:
        return ""
    return f"{value:%Y-%m-%d} {format_time(value, seconds=seconds)}"


def csv_header(name: str, zone: str) -> str:
    """The header of a column of times in `zone`: 'Decided at (America/Los_Angeles)'."""
    return f"{name} ({zone})"


# --- time zones as people choose them -------------------------------------------------


def utc_offset(zone: str, at: datetime | None = None) -> str:
    """'UTC−05:00': the zone's offset now (or at the wall time `at` of UTC)."""
    moment = (at or clock.utcnow()).replace(tzinfo=ZoneInfo("UTC"))
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# The zones people choose from: one per place (the tz database's zone.tab, without
# the old aliases such as US/Eastern or Asia/Calcutta), grouped by region, read as
# cities, with the offset they have now. A team's stored zone outside the list
# (an alias, from an older book) is still offered, so that it stays chosen.
_ZONE_TAB = (files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
LISTED_ZONES = sorted(
    {line.split("\t")[2] for line in _ZONE_TAB.splitlines() if line and line[0] != "#"}
)
REGIONS = ("America", "Europe", "Asia", "Australia", "Pacific", "Africa", "Atlantic",
           "Indian", "Antarctica", "Arctic")  # fmt: skip
# First, in a group of their own: where the product's users are (the US and Canada).
COMMON = {
    "America/New_York": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Phoenix": "Arizona",
    "America/Los_Angeles": "Pacific",
    "America/Anchorage": "Alaska",
    "Pacific/Honolulu": "Hawaii",
    "America/Toronto": "Eastern",
    "America/Winnipeg": "Central",
    "America/Regina": "Saskatchewan",
    "America/Edmonton": "Mountain",
    "America/Vancouver": "Pacific",
    "America/Halifax": "Atlantic",
    "America/St_Johns": "Newfoundland",
}


def city(zone: str) -> str:
    """'America/Indiana/Indianapolis' -> 'Indiana / Indianapolis'."""
    place = zone.split("/", 1)[1] if "/" in zone else zone
    return place.replace("_", " ").replace("/", " / ")


def zone_groups(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(zone, label)]) for a time-zone picker: 'Common', then each region,
    then 'Other' (UTC, and `current` when the list does not hold it). A label reads
    'New York (UTC−05:00)', the offset it has now."""
    now = clock.utcnow()

    def label(zone: str, name: str) -> str:
        return f"{name} ({utc_offset(zone, now)})"

    groups = [
        ("Common", [(zone, label(zone, f"{city(zone)} — {area}")) for zone, area in COMMON.items()])
    ]
    for region in REGIONS:
        zones = [zone for zone in LISTED_ZONES if zone.split("/")[0] == region]
        options = sorted(((zone, label(zone, city(zone))) for zone in zones), key=lambda o: o[1])
        groups.append((region, options))
    other = [("UTC", label("UTC", "UTC"))]
    if current and current != "UTC" and current not in LISTED_ZONES:
        other.append((current, label(current, current)))
    groups.append(("Other", other))
    return groups
