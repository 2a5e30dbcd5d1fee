"""Tags on partners: free labels of the team's own ("golf", "Spanish speaker").

Typed as text, tags are separated by commas or semicolons ("golf, BNI;
Spanish speaker"). Every way in reads them the same way:

    names, problem = parse_tags(text)   # names: trimmed, once each (any case)
    if problem:                         # the message to show beside the field
        ...
    set_tags(partner, names)            # in the session; the caller commits

`parse_tags` needs no database; `set_tags` puts the team's existing tags on
the partner, matched by name in any case, and creates the ones the team does
not have yet (the first spelling is kept). A tag is a team's: another team's
tag of the same name is never reused.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db
from ..models import Partner, Tag, tag_key
from ..validation import tag_problem

SEPARATORS = re.compile(r"[,;]")
# What one partner may wear: a label list longer than this is a paste gone wrong.
MOST_TAGS = 20
TOO_MANY_MESSAGE = f"Give a partner at most {MOST_TAGS} tags."


def parse_tags(text: str | None) -> tuple[list[str], str | None]:
    """The tag names in `text` and None, or ([], the message) when one is not a tag.

    Split on commas and semicolons, each name trimmed (inner runs of spaces
    and line breaks made one space), empty ones dropped, a name given again in another case dropped
    (the first spelling stays)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in SEPARATORS.split(text or ""):
        name = " ".join(part.split())
        if not name:
            continue
        if problem := tag_problem(name):
            shown = name if len(name) <= 20 else name[:19] + "…"
            return [], f"{problem} ({shown!r})"
        if tag_key(name) not in seen:
            seen.add(tag_key(name))
            names.append(name)
    if len(names) > MOST_TAGS:
        return [], TOO_MANY_MESSAGE
    return names, None


def team_tags(team_id: int) -> list[Tag]:
    """The team's tags, by name (what the form offers and the list filters by)."""
    return list(db.session.scalars(sa.select(Tag).where(Tag.team_id == team_id).order_by(Tag.key)))


def find_tags(team_id: int, names: list[str]) -> list[Tag]:
    """The team's tags of these names (any case), created when missing; in the names' order."""
    keys = [tag_key(name) for name in names]
    found = {
        tag.key: tag
        for tag in db.session.scalars(
            sa.select(Tag).where(Tag.team_id == team_id, Tag.key.in_(keys))
        )
    }
    tags = []
    for name, key in zip(names, keys, strict=True):
        if key not in found:
            found[key] = Tag(team_id=team_id, name=name, key=key)
            db.session.add(found[key])
        tags.append(found[key])
    return tags


def set_tags(partner: Partner, names: list[str]) -> None:
    """Make `names` (from parse_tags) the partner's tags, in the session: the
    team's existing tags are reused by name in any case, missing ones created."""
    partner.tags = find_tags(partner.team_id, names)


def tag_names(partner: Partner) -> list[str]:
    return [tag.name for tag in partner.tags]


def as_text(tags: list[Tag]) -> str:
    """The tags as the form shows them: 'BNI, golf'."""
    return ", ".join(tag.name for tag in tags)
