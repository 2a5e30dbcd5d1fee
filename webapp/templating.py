"""Rendering: whole pages or one named block of the same template.

A view builds its context once and calls `render`; htmx requests get the
block, everything else gets the page, so the two can never drift apart.
"""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, request
from flask import render_template as render_page
from jinja2_fragments.flask import render_block

from rules import vocabulary

from . import clock, contact


def wants_fragment() -> bool:
    """An htmx request, but not a history restore (that needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render(template: str, block: str | None = None, **context) -> str:
    if block and wants_fragment():
        return render_block(template, block, **context)
    return render_page(template, **context)


def format_date(value: date | datetime | None, style: str = "short") -> str:
    """'3 Jun 2026' (short) or 'Wed 3 Jun 2026' (long)."""
    if value is None:
        return ""
    text = f"{value.day} {value:%b %Y}"
    return f"{value:%a} {text}" if style == "long" else text


def local_time(stamp: datetime | None) -> datetime | None:
    """A bookkeeping stamp (UTC) in the signed-in user's team time: `{{ rec.decided_at | local }}`.
    Every stamp a page shows goes through it; days and times the user entered are already local."""
    from flask_login import current_user

    if stamp is None:
        return None
    return clock.local(stamp, current_user.team.timezone)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{format_date(value)}, {value:%H:%M}"


def format_money(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    return f"${value:,.0f}"


def label(value: str | None, vocabulary_name: str) -> str:
    """The human label of a stored vocabulary value ('title_escrow' -> 'Title / escrow officer')."""
    if value is None:
        return ""
    return getattr(vocabulary, vocabulary_name.upper()).get(value, value)


# The main navigation: (order, endpoint, text, roles, primary for which roles),
# filled in by each blueprint with `nav_item` so that adding a feature touches
# only its own module. A role's primary items (its most used: three, so that
# they fit one line at 390 px beside their counts) stay in the bar; the rest
# sit behind "More".
NAV: list[tuple[int, str, str, frozenset[str], frozenset[str]]] = []
NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset({"agent", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})


def nav_item(
    endpoint: str,
    text: str,
    roles: frozenset[str] = EVERYONE,
    order: int = 50,
    primary: frozenset[str] = NOBODY,
) -> None:
    if all(item[1] != endpoint for item in NAV):
        NAV.append((order, endpoint, text, roles, primary))
        NAV.sort(key=lambda item: item[0])


def main_nav(primary: bool | None = None) -> list[tuple[str, str]]:
    """The user's menu items: all of them, or only the primary (True) or the others (False)."""
    from flask_login import current_user

    return [
        (endpoint, text)
        for _, endpoint, text, roles, is_primary in NAV
        if current_user.role in roles
        and (primary is None or primary == (current_user.role in is_primary))
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["main_nav"] = main_nav
    app.jinja_env.filters.update(
        local=local_time,
        date=format_date,
        datetime=format_datetime,
        money=format_money,
        label=label,
    )
    app.jinja_env.globals["vocabulary"] = vocabulary
    app.jinja_env.globals.update(
        tel_url=contact.tel_url, sms_url=contact.sms_url, mailto_url=contact.mailto_url
    )
    # The form-field macro is a global, so that blocks rendered alone (htmx
    # fragments) can use it without their template's imports.
    app.jinja_env.globals["field"] = app.jinja_env.get_template("_form.html").module.field
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
