"""Numbers read from the query string: a page, an id, a year.

`request.args.get("page", type=int)` takes any number, and a page or an id
of twenty digits cannot be bound by SQLite (nor an id past 32 bits by
PostgreSQL): the request would end in a 500. What is read here is a number
the database can take, or the default.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from . import clock
from .extensions import db
from .security import LARGEST_ID
from .validation import FIRST_YEAR, LAST_YEAR

DIGITS = re.compile(r"[0-9]{1,10}")


def as_id(value: str | None) -> int | None:
    """`value` as an id, or None when it is not one (too large, not ASCII digits:
    '²' passes `str.isdigit` yet `int` refuses it)."""
    number = int(value) if value and DIGITS.fullmatch(value) else 0
    return number if 0 < number <= LARGEST_ID else None


def id_arg(name: str) -> int | None:
    """`?name=<id>` as an id, or None when it is not one (too large, not digits)."""
    return as_id(request.args.get(name, ""))


def page_number() -> int:
    """`?page=N`: 1 when it is missing or not a number; a page past the end is
    brought back to the last page by `paginate`."""
    value = request.args.get("page", "")
    if not value.isascii() or not value.isdigit():
        return 1
    return max(int(value), 1) if len(value) <= 10 else LARGEST_ID


def paginate(query: sa.Select, per_page: int) -> Pagination:
    """The page the query string asks for, clamped to the pages there are."""
    page = db.paginate(query, page=min(page_number(), LARGEST_ID // per_page), per_page=per_page,
                       max_per_page=per_page, error_out=False)  # fmt: skip
    if page.page > page.pages >= 1:  # past the end: the last page instead of an empty one
        page = db.paginate(query, page=page.pages, per_page=per_page,
                           max_per_page=per_page, error_out=False)  # fmt: skip
    return page


def chosen_year() -> int:
    """`?year=` (this year of the team by default); a year out of range is a 404."""
    year = request.args.get("year", type=int) or clock.today(current_user.team.timezone).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year
