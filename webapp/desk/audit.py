"""The audit trail: the team's events, filtered, paged, and exported as CSV.

Events are stored with naive UTC times; people read and filter them in the
team's own time zone, so day boundaries are converted both ways here.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from ..models import AuditEvent, Partner, Team, User
from ..spreadsheet import BOM, neutralise
from ..timefmt import csv_datetime, csv_header
from .forms import AuditFilterForm
from .wording import AUDIT_KINDS

CSV_COLUMNS = ["user", "kind", "partner", "summary", "before", "after"]  # after "when (zone)"


class AppendOnlyError(RuntimeError):
    """An audit event was about to be changed or deleted."""


@sa.event.listens_for(so.Session, "before_flush")
def _keep_events_as_recorded(session: so.Session, flush_context, instances) -> None:
    """The trail is append-only: no flush may change or delete a recorded event."""
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AppendOnlyError("Audit events cannot be deleted.")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AppendOnlyError("Audit events cannot be changed.")


def filter_form(user: User, args) -> AuditFilterForm:
    """The filter form bound to the query string, its choices limited to the team."""
    form = AuditFilterForm(args)
    partners = db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.archived_at)
        .where(Partner.team_id == user.team_id)
        .order_by(Partner.name, Partner.id)
    )
    form.partner.choices = [("", "All partners")] + [
        (str(pid), f"{name} (archived)" if archived else name) for pid, name, archived in partners
    ]
    users = db.session.execute(
        sa.select(User.id, User.name).where(User.team_id == user.team_id).order_by(User.name)
    )
    form.user.choices = [("", "Everyone")] + [(str(uid), name) for uid, name in users]
    form.kind.choices = [("", "All kinds"), *AUDIT_KINDS.items()]
    return form


def events_query(user: User, form: AuditFilterForm) -> sa.Select:
    """The team's events matching a validated filter form, newest first."""
    team = db.session.get(Team, user.team_id)
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.team_id == user.team_id)
        .options(so.joinedload(AuditEvent.user), so.joinedload(AuditEvent.partner))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if form.partner.data:
        query = query.where(AuditEvent.partner_id == int(form.partner.data))
    if form.user.data:
        query = query.where(AuditEvent.user_id == int(form.user.data))
    if form.kind.data:
        query = query.where(AuditEvent.kind == form.kind.data)
    if form.date_from.data:
        query = query.where(
            AuditEvent.at >= clock.start_of_day_utc(form.date_from.data, team.timezone)
        )
    if form.date_to.data:
        next_day = form.date_to.data + timedelta(days=1)
        query = query.where(AuditEvent.at < clock.start_of_day_utc(next_day, team.timezone))
    return query


def csv_lines(query: sa.Select, timezone: str) -> Iterator[str]:
    """The CSV export, line by line: a UTF-8 BOM first so spreadsheets read the accents.
    The times are the team's wall time, to the second, the zone named in the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([csv_header("when", timezone), *CSV_COLUMNS])
    yield BOM + flush()
    for event in db.session.scalars(query.execution_options(yield_per=500)):
        row = [
            csv_datetime(event.at, timezone, seconds=True),
            event.user.name if event.user else "",
            AUDIT_KINDS.get(event.kind, event.kind),
            event.partner.name if event.partner else "",
            event.summary,
            json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before else "",
            json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after else "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
        yield flush()
