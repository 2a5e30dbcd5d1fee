"""Rendering: whole pages or one named block of the same template.

A view builds its context once and calls `render`; htmx requests get the
block, everything else gets the page, so the two can never drift apart.
"""

from decimal import Decimal

from flask import Flask, has_request_context, request
from flask import render_template as render_page
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.flask import render_block

from rules import vocabulary

from . import contact, currency, timefmt


def wants_fragment() -> bool:
    """An htmx request, but not a history restore (that needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render(template: str, block: str | None = None, **context) -> str:
    if block and wants_fragment():
        return render_block(template, block, **context)
    return render_page(template, **context)


def page_zone(context: Context, value: object = None) -> str | None:
    """The zone a page shows stamps in: the view's `display_zone` (an email, rendered
    for its reader), else the signed-in user's team's. Looked up only for a stamp
    (`value`) or for `zone_note`: a day or a wall time is shown as it is."""
    from flask_login import current_user

    if value is not None and not timefmt.is_stamp(value):
        return None
    if zone := context.get("display_zone"):
        return zone
    if has_request_context() and current_user.is_authenticated:
        return current_user.team.timezone
    return None


# The filters: `{{ rec.decided_at | date }}`, `{{ interaction.at | datetime }}`. A stamp
# (naive UTC) is converted to the page's zone; a wall value is shown as it is (timefmt.py).


@pass_context
def date_filter(context: Context, value, style: str = "short") -> str:
    return timefmt.format_date(value, page_zone(context, value), style)


@pass_context
def datetime_filter(context: Context, value, style: str = "short") -> str:
    return timefmt.format_datetime(value, page_zone(context, value), style)


@pass_context
def time_filter(context: Context, value, seconds: bool = False) -> str:
    return timefmt.format_time(value, page_zone(context, value), seconds)


@pass_context
def weekday_time_filter(context: Context, value) -> str:
    return timefmt.weekday_time(value, page_zone(context, value))


@pass_context
def local_filter(context: Context, value):
    """The page's wall time of a stamp, for a template that needs its parts."""
    return timefmt.wall(value, page_zone(context, value))


@pass_context
def zone_note_filter(context: Context, zone: str | None) -> str:
    """`{{ agent_zone | zone_note }}`: ' (America/Chicago)' when it is not the team's."""
    return timefmt.zone_note(zone, page_zone(context))


def format_money(value: Decimal | int | float | None, cents: bool = False) -> str:
    """An amount in the signed-in user's team's currency ('$1,234', '€62.50' with
    `cents`); dollars where there is no user (an email's own context)."""
    from flask_login import current_user

    code = None
    if has_request_context() and current_user.is_authenticated:
        code = current_user.team.currency
    return currency.format_amount(value, code, cents)


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
        local=local_filter,
        date=date_filter,
        datetime=datetime_filter,
        time=time_filter,
        weekday_time=weekday_time_filter,
        zone_note=zone_note_filter,
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
