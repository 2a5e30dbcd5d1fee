"""Cursor pagination: a list walked page by page, each row exactly once.

A page ends with `next_cursor`, an opaque string naming the last row shown
(its sort value and id); the next page starts after it. Rows added or
removed meanwhile move nothing already walked, as page numbers would.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from ..extensions import db
from ..security import LARGEST_ID
from .errors import Refused

NOT_A_CURSOR = "Not a cursor of this list: start again without one."


class Keyset(NamedTuple):
    """The order a list is walked in: a sort column (str or datetime values),
    ties broken by id."""

    column: sa.orm.InstrumentedAttribute
    id: sa.orm.InstrumentedAttribute
    descending: bool = False


def page_of(
    query: sa.Select, keyset: Keyset, cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """The `limit` rows after `cursor` (from the start when None), and the
    cursor of the page after them (None: this was the last)."""
    column, id_, descending = keyset
    if cursor is not None:
        value, last_id = decode(cursor, column)
        beyond = (column < value, id_ < last_id) if descending else (column > value, id_ > last_id)
        query = query.where(sa.or_(beyond[0], sa.and_(column == value, beyond[1])))
    order = (column.desc(), id_.desc()) if descending else (column.asc(), id_.asc())
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode(getattr(last, column.key), last.id)


def encode(value: str | datetime, row_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, column) -> tuple[str | datetime, int]:
    """The cursor's sort value and id; Refused (422) when it is not one this API made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if not isinstance(value, str) or type(row_id) is not int or not 0 < row_id <= LARGEST_ID:
            raise ValueError
        if "\x00" in value:  # PostgreSQL cannot even compare with it
            raise ValueError
        if column.type.python_type is datetime:
            value = datetime.fromisoformat(value)
            if value.tzinfo is not None:
                raise ValueError
        elif len(value) > column.type.length:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Refused(NOT_A_CURSOR, {"cursor": [NOT_A_CURSOR]}) from None
    return value, row_id
